package dev.shopstream.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.shopstream.contract.EventType;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ItemNeighborsTest {
  private static SignalVector views(double n) {
    return SignalVector.of(n, 0, 0, n);
  }

  @Test
  void scoresWithReportedCountsTakingTheMaximumOfOutOfOrderReports() {
    ItemNeighbors a = new ItemNeighbors("A");
    a.reportCount(views(4));
    a.reportCount(views(2)); // an older report arriving late
    assertThat(a.count()).isEqualTo(views(4));
    assertThat(a.addCoOccurrence("B", views(2), views(1), 10)).isTrue();
    assertThat(a.reportNeighborCount("B", views(9))).isTrue();
    assertThat(a.addCoOccurrence("B", views(0), views(4), 10)).as("older count ignored").isTrue();
    assertThat(a.reportNeighborCount("Z", views(9))).as("never adds a candidate").isFalse();
    assertThat(a.candidateIds()).containsExactly("B");
    List<Neighbor> top = a.top(5, Signal.CO_VIEW, Similarity.COSINE, 0);
    assertThat(top).containsExactly(new Neighbor("B", Signal.CO_VIEW, 2 / Math.sqrt(4 * 9), 1, 2));
    assertThat(a.top(5, Signal.CO_CART, Similarity.COSINE, 0)).isEmpty();
  }

  @Test
  void selfPairsAreIgnoredAndEvictionReportsWhetherTheNewCandidateWasKept() {
    ItemNeighbors a = new ItemNeighbors("A");
    assertThat(a.addCoOccurrence("A", views(1), null, 2)).isFalse();
    assertThat(a.addCoOccurrence("B", views(3), null, 2)).isTrue();
    assertThat(a.addCoOccurrence("C", views(2), null, 2)).isTrue();
    assertThat(a.addCoOccurrence("D", views(1), null, 2)).as("the lightest: itself").isFalse();
    assertThat(a.addCoOccurrence("E", views(5), null, 2)).as("evicts C").isTrue();
    assertThat(a.candidateIds()).containsExactly("B", "E");
  }

  /**
   * The cached lightest candidate gives the same evictions as scanning every candidate each time (the rule:
   * smallest combined co-count, ties the greatest id), including after a serialization round trip.
   */
  @Test
  void evictionMatchesAFullScanOnARandomSequence() throws Exception {
    java.util.Random random = new java.util.Random(7);
    ItemNeighbors a = new ItemNeighbors("A");
    java.util.Map<String, Double> reference = new java.util.HashMap<>();
    int cap = 25;
    for (int step = 0; step < 20_000; step++) {
      String id = "N" + random.nextInt(60);
      double inc = 1 + random.nextInt(3);
      boolean kept = a.addCoOccurrence(id, views(inc), null, cap);
      reference.merge(id, inc, Double::sum);
      boolean referenceKept = true;
      if (reference.size() > cap) {
        String lightest = reference.entrySet().stream()
            .min(java.util.Map.Entry.<String, Double>comparingByValue()
                .thenComparing(java.util.Map.Entry::getKey, java.util.Comparator.reverseOrder()))
            .orElseThrow().getKey();
        reference.remove(lightest);
        referenceKept = !lightest.equals(id);
      }
      assertThat(kept).as("step %d", step).isEqualTo(referenceKept);
      assertThat(a.candidateIds()).as("step %d", step).containsExactlyInAnyOrderElementsOf(reference.keySet());
      if (step == 10_000) {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.io.ObjectOutputStream out = new java.io.ObjectOutputStream(bytes)) {
          out.writeObject(a);
        }
        try (java.io.ObjectInputStream in = new java.io.ObjectInputStream(
            new java.io.ByteArrayInputStream(bytes.toByteArray()))) {
          a = (ItemNeighbors) in.readObject();
        }
      }
    }
    for (String id : reference.keySet()) {
      assertThat(a.candidate(id).coCount().get(Signal.COMBINED)).isEqualTo(reference.get(id));
    }
  }

  @Test
  void ranksBreakScoreTiesByCoCountThenId() {
    ItemNeighbors a = new ItemNeighbors("A");
    a.addOccurrence(views(4));
    a.addCoOccurrence("C", views(1), views(1), 10);   // 1/sqrt(4) = 0.5
    a.addCoOccurrence("B", views(1), views(1), 10);   // 0.5, id B < C
    a.addCoOccurrence("D", views(2), views(4), 10);   // 2/sqrt(16) = 0.5, heavier co-count
    assertThat(a.top(3, Signal.COMBINED, Similarity.COSINE, 0)).extracting(Neighbor::productId)
        .containsExactly("D", "B", "C");
    assertThat(a.top(2, Signal.COMBINED, Similarity.COSINE, 0)).extracting(Neighbor::rank).containsExactly(1, 2);
  }

  @Test
  void similarityFormulasAndDegenerateInputs() {
    assertThat(Similarity.COSINE.score(2, 4, 9, 0)).isCloseTo(2.0 / 6, within(1e-12));
    assertThat(Similarity.JACCARD.score(2, 4, 9, 0)).isCloseTo(2.0 / 11, within(1e-12));
    assertThat(Similarity.LIFT.score(2, 4, 9, 36)).isCloseTo(2.0, within(1e-12));
    assertThat(Similarity.COSINE.score(0, 4, 9, 0)).isZero();
    assertThat(Similarity.COSINE.score(1, 0, 9, 0)).isZero();
    assertThat(Similarity.LIFT.score(1, 1, 1, 0)).isZero();
  }

  @Test
  void signalsAndConfig() {
    assertThat(Signal.CO_PURCHASE.wireName()).isEqualTo("co_purchase");
    assertThat(Signal.fromWireName("combined")).isEqualTo(Signal.COMBINED);
    assertThat(Signal.forType(EventType.ADD_TO_CART)).isEqualTo(Signal.CO_CART);
    assertThat(Signal.forType(EventType.SEARCH)).isNull();
    assertThat(Signal.forType(EventType.REMOVE_FROM_CART)).isNull();
    ModelConfig d = ModelConfig.defaults();
    assertThat(d.weight(EventType.VIEW)).isEqualTo(1);
    assertThat(d.weight(EventType.ADD_TO_CART)).isEqualTo(3);
    assertThat(d.weight(EventType.PURCHASE)).isEqualTo(5);
    assertThat(d.weight(EventType.REMOVE_FROM_CART)).isZero();
    assertThat(d.maxItemsPerUser()).isEqualTo(20);
    assertThat(d.trendWeight()).isEqualTo(2);
    assertThat(d.maxNeighborsPerItem()).isEqualTo(200);
    assertThat(d.topK()).isEqualTo(20);
    assertThat(d.userHorizon()).isEqualTo(Duration.ofDays(30));
    assertThat(d.similarity()).isEqualTo(Similarity.JACCARD);
    assertThat(d.pairWeightMode()).isEqualTo(ModelConfig.PairWeight.MIN);
    assertThat(ModelConfig.itemKnnBaseline().halfLife()).isEqualTo(Duration.ZERO);
    assertThatThrownBy(() -> d.toBuilder().topK(0).build()).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> d.toBuilder().weights(-1, 1, 1).build()).isInstanceOf(IllegalArgumentException.class);
  }
}
