package dev.shopstream.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shopstream.contract.EventType;
import dev.shopstream.model.ExplainedRecommendations.Explained;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Explanations agree with the model's own scores and name the strongest contributor and evidence. */
class ExplainedRecommendationsTest {
  private static final Instant T = Instant.parse("2026-11-20T12:00:00Z");
  private static final ModelConfig CONFIG = ModelConfig.defaults();
  private static final Recommender MODEL = Recommender.ofNeighbors(CONFIG, Map.of(
      "a", List.of(new Neighbor("c", Signal.COMBINED, 0.5, 1, 1), new Neighbor("d", Signal.COMBINED, 0.4, 2, 1),
          new Neighbor("c", Signal.CO_VIEW, 0.6, 1, 1)),
      "b", List.of(new Neighbor("c", Signal.COMBINED, 0.9, 1, 1), new Neighbor("c", Signal.CO_PURCHASE, 0.7, 1, 1),
          new Neighbor("c", Signal.CO_VIEW, 0.8, 1, 1), new Neighbor("e", Signal.CO_CART, 0.5, 1, 1))));

  @Test
  void userScoresAreRecommendForUsersAndTheSourceIsTheLargestTerm() {
    List<Interaction> recent = List.of(new Interaction("a", EventType.VIEW, T),
        new Interaction("b", EventType.VIEW, T.minusSeconds(3600)));

    List<Explained> explained = ExplainedRecommendations.forUser(MODEL, recent, 10, Set.of());

    List<Recommendation> model = MODEL.recommendForUser(recent, 10, Set.of());
    assertThat(explained).extracting(Explained::productId).containsExactlyElementsOf(
        model.stream().map(Recommendation::productId).toList());
    assertThat(explained).extracting(Explained::score).containsExactlyElementsOf(
        model.stream().map(Recommendation::score).toList());
    // c: a contributes 1 x 0.5, b 0.5 (an hour old) x 0.9 = 0.45: a is the source, via co_view
    assertThat(explained.get(0)).isEqualTo(new Explained("c", 0.95, "a", Signal.CO_VIEW));
    assertThat(explained.get(1)).isEqualTo(new Explained("d", 0.4, "a", Signal.COMBINED));
    assertThat(ExplainedRecommendations.forUser(MODEL, List.of(), 10, Set.of())).isEmpty();
  }

  @Test
  void itemSetsWeighSignalsAndNeverRecommendTheirOwnItems() {
    List<Explained> together = ExplainedRecommendations.forItems(MODEL, List.of("b", "c"),
        ExplainedRecommendations.boughtTogetherWeights(CONFIG), 10, Set.of());

    // c is in the set; e: co_cart 0.5 x (3 / 5)
    assertThat(together).containsExactly(new Explained("e", 0.5 * 0.6, "b", Signal.CO_CART));
    assertThat(ExplainedRecommendations.forItems(MODEL, List.of("b"), ExplainedRecommendations.similarWeights(), 10,
        Set.of())).containsExactly(new Explained("c", 0.8, "b", Signal.CO_VIEW));
    assertThat(ExplainedRecommendations.forItems(MODEL, List.of("b"), ExplainedRecommendations.similarWeights(), 10,
        Set.of("c"))).isEmpty();
  }
}
