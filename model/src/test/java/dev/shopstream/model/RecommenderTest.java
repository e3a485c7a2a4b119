package dev.shopstream.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link Recommender#ofNeighbors}: per signal, by rank, the first k; rows of one item may come in any order. */
class RecommenderTest {
  private static Neighbor n(String id, Signal signal, int rank) {
    return new Neighbor(id, signal, 1.0 / rank, rank, 1);
  }

  private static final Recommender RECOMMENDER = Recommender.ofNeighbors(ModelConfig.defaults(), Map.of(
      "a", List.of(n("c", Signal.COMBINED, 2), n("x", Signal.CO_VIEW, 1), n("b", Signal.COMBINED, 1),
          n("d", Signal.COMBINED, 3), n("y", Signal.CO_VIEW, 2), n("e", Signal.COMBINED, 2)),
      "b", List.of(n("a", Signal.CO_PURCHASE, 1))));

  @Test
  void neighboursAreTheSignalsListInRankOrderCutAtK() {
    assertThat(RECOMMENDER.neighbors("a", 10, Signal.COMBINED)).extracting(Neighbor::productId)
        .containsExactly("b", "c", "e", "d"); // equal ranks keep the rows' order
    assertThat(RECOMMENDER.neighbors("a", 2, Signal.COMBINED)).extracting(Neighbor::productId)
        .containsExactly("b", "c");
    assertThat(RECOMMENDER.neighbors("a", 5, Signal.CO_VIEW)).extracting(Neighbor::productId)
        .containsExactly("x", "y");
    assertThat(RECOMMENDER.neighbors("a", 5, Signal.CO_CART)).isEmpty();
    assertThat(RECOMMENDER.neighbors("a", 0, Signal.COMBINED)).isEmpty();
    assertThat(RECOMMENDER.neighbors("b", 5, Signal.CO_PURCHASE)).extracting(Neighbor::productId)
        .containsExactly("a");
    assertThat(RECOMMENDER.neighbors("unknown", 5, Signal.COMBINED)).isEmpty();
    assertThatThrownBy(() -> RECOMMENDER.neighbors("a", -1, Signal.COMBINED))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
