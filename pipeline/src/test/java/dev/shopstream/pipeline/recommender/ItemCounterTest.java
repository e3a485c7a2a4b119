package dev.shopstream.pipeline.recommender;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shopstream.model.ItemNeighbors;
import dev.shopstream.model.SignalVector;
import java.util.Random;
import org.apache.beam.sdk.coders.CoderException;
import org.apache.beam.sdk.testing.CoderProperties;
import org.apache.beam.sdk.util.CoderUtils;
import org.junit.jupiter.api.Test;

/**
 * The item counter's state ({@link ItemCounter}) against what the counters kept before it (an {@link ItemNeighbors},
 * used only for its count and candidate ids): the counter step's output depends on nothing else, so the same count
 * and the same sorted partner ids after every call means the same messages to the lists.
 */
class ItemCounterTest {
  private static final int MAX = 20;

  /** A random increment: the combined value often ties (small integers, zeros, a -0.0) to exercise the id order. */
  private static SignalVector increment(Random random) {
    double[] v = new double[5];
    for (int i = 0; i < 5; i++) {
      int k = random.nextInt(10);
      v[i] = k < 3 ? 0 : k == 3 ? -0.0 : k < 7 ? k - 3 : random.nextDouble() * 4;
    }
    return SignalVector.of(v[0], v[1], v[2], v[3], v[4]);
  }

  private static void assertSame(ItemCounter counter, ItemNeighbors before, String step) {
    assertThat(counter.count()).as(step).isEqualTo(before.count());
    assertThat(counter.partnerIds()).as(step).isEqualTo(before.candidateIds());
  }

  @Test
  void theSameCountAndPartnersAsTheNeighbourListTheCountersKeptOnRandomSequences() throws Exception {
    for (long seed = 1; seed <= 20; seed++) {
      Random random = new Random(seed);
      ItemNeighbors before = new ItemNeighbors("p-7");
      ItemCounter counter = new ItemCounter("p-7");
      for (int step = 0; step < 3_000; step++) {
        if (random.nextInt(8) == 0) {
          SignalVector occurrence = increment(random);
          before.addOccurrence(occurrence);
          counter.addOccurrence(occurrence);
        } else {
          // skewed partners (a few heavy, many light: evictions of new and grown ones), the item itself sometimes
          double u = random.nextDouble();
          String partner = "p-" + (int) (u * u * 60);
          SignalVector inc = increment(random);
          before.addCoOccurrence(partner, inc, null, MAX);
          counter.addCoOccurrence(partner, inc, MAX);
        }
        if (random.nextInt(500) == 0) { // a checkpoint restore: both lose their eviction cache
          before = CoderUtils.clone(ModelStateCoders.ItemNeighborsCoder.INSTANCE, before);
          counter = CoderUtils.clone(ModelStateCoders.ItemCounterCoder.INSTANCE, counter);
        }
        assertSame(counter, before, "seed " + seed + " step " + step);
      }
      assertThat(counter.size()).isEqualTo(MAX);
    }
  }

  @Test
  void theCoderRoundTripsExactlyAndRefusesTheNeighbourListFormat() throws Exception {
    Random random = new Random(3);
    ItemCounter counter = new ItemCounter("ü-😀");
    counter.addOccurrence(SignalVector.of(1, 0, 0, 1, 0));
    for (int i = 0; i < 50; i++) {
      counter.addCoOccurrence("p-" + random.nextInt(40), increment(random), MAX);
    }
    var coder = ModelStateCoders.ItemCounterCoder.INSTANCE;
    CoderProperties.coderDeterministic(coder, counter, counter);
    ItemCounter decoded = CoderUtils.clone(coder, counter);
    assertThat(decoded.itemId()).isEqualTo(counter.itemId());
    assertThat(decoded.count()).isEqualTo(counter.count());
    assertThat(decoded.partnerWeights()).isEqualTo(counter.partnerWeights());
    assertThat(CoderUtils.encodeToByteArray(coder, decoded)).isEqualTo(CoderUtils.encodeToByteArray(coder, counter));

    ItemNeighbors list = new ItemNeighbors("p-1");
    list.addCoOccurrence("p-2", SignalVector.of(1, 0, 0, 1, 0), null, MAX);
    byte[] listBytes = CoderUtils.encodeToByteArray(ModelStateCoders.ItemNeighborsCoder.INSTANCE, list);
    assertThatThrownBy(() -> CoderUtils.decodeFromByteArray(coder, listBytes))
        .isInstanceOf(CoderException.class).hasMessageContaining("version 1");
  }
}
