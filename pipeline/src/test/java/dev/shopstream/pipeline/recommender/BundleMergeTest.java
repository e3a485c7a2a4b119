package dev.shopstream.pipeline.recommender;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shopstream.model.ItemNeighbors;
import dev.shopstream.model.SignalVector;
import dev.shopstream.pipeline.recommender.ItemMessages.Pair;
import dev.shopstream.pipeline.recommender.ItemMessages.ToItem;
import dev.shopstream.pipeline.recommender.ItemMessages.ToNeighbors;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.TimestampedValue;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * A bundle's model messages merged per destination take the receiving state exactly where the separate messages
 * would have, with one message per destination.
 */
class BundleMergeTest {
  private static final int MAX = 200;

  private static SignalVector vector(Random random) {
    return SignalVector.of(random.nextInt(3), random.nextInt(2), random.nextInt(2), random.nextInt(4), random.nextInt(2));
  }

  @Test
  void mergedListMessagesLeaveEveryListAsTheSeparateMessagesWould() {
    for (int seed = 0; seed < 50; seed++) {
      Random random = new Random(seed);
      List<KV<String, ToNeighbors>> separate = new ArrayList<>();
      BundleMerge.ToLists merge = new BundleMerge.ToLists();
      for (int i = 0; i < 400; i++) {
        String list = "p" + random.nextInt(8);
        String neighbor = random.nextInt(10) == 0 ? null : "p" + random.nextInt(12);
        // counts only grow: a report carries a count at least as large as the message's position says
        SignalVector count = SignalVector.of(i, i / 2, i / 3, i);
        SignalVector increment = neighbor == null || random.nextInt(3) == 0 ? SignalVector.ZERO : vector(random);
        ToNeighbors message = new ToNeighbors(neighbor, increment, count);
        separate.add(KV.of(list, message));
        merge.add(list, message, new Instant(1_000 - i));
      }

      assertThat(merge.added()).isEqualTo(400);
      Map<String, ItemNeighbors> expected = new LinkedHashMap<>();
      for (KV<String, ToNeighbors> m : separate) {
        ItemToItemModel.NeighborsFn.apply(
            expected.computeIfAbsent(m.getKey(), ItemNeighbors::new), m.getValue(), MAX);
      }
      List<TimestampedValue<KV<String, List<ToNeighbors>>>> merged = merge.drain();
      Map<String, ItemNeighbors> actual = new LinkedHashMap<>();
      for (TimestampedValue<KV<String, List<ToNeighbors>>> m : merged) {
        ItemNeighbors list = actual.computeIfAbsent(m.getValue().getKey(), ItemNeighbors::new);
        for (ToNeighbors message : m.getValue().getValue()) {
          ItemToItemModel.NeighborsFn.apply(list, message, MAX);
        }
        // at most one message per neighbour (and one for the list's own count)
        assertThat(m.getValue().getValue()).extracting(ToNeighbors::neighbor).doesNotHaveDuplicates();
      }

      assertThat(merged).hasSizeLessThanOrEqualTo(8);
      assertThat(actual.keySet()).containsExactlyInAnyOrderElementsOf(expected.keySet());
      for (String list : expected.keySet()) {
        assertSameState(actual.get(list), expected.get(list), seed);
      }
      assertThat(merge.drain()).isEmpty();
    }
  }

  @Test
  void aMergedListMessageHasTheEarliestTimestampOfWhatItMerges() {
    BundleMerge.ToLists merge = new BundleMerge.ToLists();
    SignalVector one = SignalVector.of(1, 0, 0, 1);
    merge.add("a", new ToNeighbors("b", one, one), new Instant(50));
    merge.add("a", new ToNeighbors("c", one, one), new Instant(20));
    merge.add("a", new ToNeighbors("b", one, one), new Instant(70));

    var out = merge.drain();

    assertThat(out).hasSize(1);
    assertThat(out.get(0).getTimestamp()).isEqualTo(new Instant(20));
    assertThat(out.get(0).getValue().getValue()).containsExactly(
        new ToNeighbors("b", SignalVector.of(2, 0, 0, 2), one), new ToNeighbors("c", one, one));
  }

  @Test
  void toItemMessagesSumOccurrencesAndPairIncrementsPerItem() {
    BundleMerge.ToItems merge = new BundleMerge.ToItems();
    SignalVector one = SignalVector.of(1, 0, 0, 1);
    SignalVector cart = SignalVector.of(0, 1, 0, 1);
    merge.add("a", one, List.of(new Pair("b", one)), new Instant(9));
    merge.add("c", SignalVector.ZERO, List.of(new Pair("a", one)), new Instant(8));
    merge.add("a", cart, List.of(new Pair("b", cart), new Pair("d", one)), new Instant(3));

    var out = merge.drain();

    assertThat(out).extracting(m -> m.getValue().getKey()).containsExactly("a", "c");
    assertThat(out.get(0).getTimestamp()).isEqualTo(new Instant(3));
    assertThat(out.get(0).getValue().getValue()).isEqualTo(new ToItem(SignalVector.of(1, 1, 0, 2),
        List.of(new Pair("b", SignalVector.of(1, 1, 0, 2)), new Pair("d", one))));
    assertThat(out.get(1).getValue().getValue()).isEqualTo(new ToItem(SignalVector.ZERO, List.of(new Pair("a", one))));
    assertThat(merge.added()).isZero();
  }

  /**
   * The per-event protocol (an event's occurrences, then its pairs) gives one message per item and bundle whose sums
   * are, bit for bit, those of adding the vectors in order ({@link SignalVector#plus}), and counts one message per
   * item and event.
   */
  @Test
  void anEventsMessagesMergePerItemWithTheSumsOfVectorAdditionInOrder() {
    Random random = new Random(3);
    BundleMerge.ToItems merge = new BundleMerge.ToItems();
    Map<String, SignalVector> occurrence = new LinkedHashMap<>();
    Map<String, Map<String, SignalVector>> pairs = new LinkedHashMap<>();
    Map<String, Instant> earliest = new LinkedHashMap<>();
    long messages = 0;
    for (int e = 0; e < 300; e++) {
      Instant t = new Instant(random.nextInt(1_000));
      merge.startEvent(t);
      java.util.Set<String> touched = new java.util.HashSet<>();
      for (int i = random.nextInt(3); i > 0; i--) {
        String item = "p" + random.nextInt(10);
        SignalVector v = decimals(random);
        merge.addOccurrence(item, v);
        occurrence.merge(item, v, SignalVector::plus);
        pairs.computeIfAbsent(item, k -> new LinkedHashMap<>());
        touched.add(item);
        earliest.merge(item, t, (a, b) -> b.isBefore(a) ? b : a);
      }
      for (int i = random.nextInt(6); i > 0; i--) {
        String item = "p" + random.nextInt(10);
        String other = "p" + random.nextInt(10);
        SignalVector v = decimals(random);
        merge.addPair(item, other, v);
        occurrence.putIfAbsent(item, SignalVector.ZERO);
        pairs.computeIfAbsent(item, k -> new LinkedHashMap<>()).merge(other, v, SignalVector::plus);
        touched.add(item);
        earliest.merge(item, t, (a, b) -> b.isBefore(a) ? b : a);
      }
      messages += touched.size();
    }

    assertThat(merge.added()).isEqualTo(messages);
    var out = merge.drain();
    assertThat(out).extracting(m -> m.getValue().getKey()).containsExactlyElementsOf(occurrence.keySet());
    for (var m : out) {
      String item = m.getValue().getKey();
      List<Pair> expected = new ArrayList<>();
      pairs.get(item).forEach((other, v) -> expected.add(new Pair(other, v)));
      assertThat(m.getValue().getValue()).as(item).isEqualTo(new ToItem(occurrence.get(item), expected));
      assertThat(m.getTimestamp()).as(item).isEqualTo(earliest.get(item));
    }
  }

  /** Values whose sums round: adding them in another order would give other doubles. */
  private static SignalVector decimals(Random random) {
    return SignalVector.of(random.nextInt(3) * 0.1, random.nextDouble(), 0, random.nextInt(7) * 0.7,
        random.nextDouble() / 3);
  }

  private static void assertSameState(ItemNeighbors actual, ItemNeighbors expected, int seed) {
    assertThat(actual.count()).as("own count, seed %d", seed).isEqualTo(expected.count());
    assertThat(actual.candidateIds()).as("candidates, seed %d", seed).isEqualTo(expected.candidateIds());
    for (String id : expected.candidateIds()) {
      assertThat(actual.candidate(id).coCount()).as("co-count %s, seed %d", id, seed)
          .isEqualTo(expected.candidate(id).coCount());
      assertThat(actual.candidate(id).neighborCount()).as("neighbour count %s, seed %d", id, seed)
          .isEqualTo(expected.candidate(id).neighborCount());
    }
  }
}
