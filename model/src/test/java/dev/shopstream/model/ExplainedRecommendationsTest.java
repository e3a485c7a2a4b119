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
  void trendingIsBlendedInAndExplainsOnlyTheItemsWithNoLinkToTheUser() {
    List<Interaction> recent = List.of(new Interaction("a", EventType.VIEW, T),
        new Interaction("b", EventType.VIEW, T.minusSeconds(3600)));
    Recommender blended = Recommender.ofNeighbors(CONFIG.toBuilder().trendWeight(2).build(), Map.of(
        "a", MODEL.neighbors("a", 100, Signal.COMBINED), "b", MODEL.neighbors("b", 100, Signal.COMBINED)));
    // personal: c 0.95, d 0.4 (over 0.95: 1, 0.421); trend over 8: d 4 (0.5), t1 8 (1), t2 2 (0.25), a 6 (0.75)
    Trending trending = Trending.of(List.of(new Recommendation("d", 4), new Recommendation("t1", 8),
        new Recommendation("t2", 2), new Recommendation("a", 6), new Recommendation("gone", 0)));

    List<Explained> out = ExplainedRecommendations.forUser(blended, recent, 10, Set.of("a"), trending);

    assertThat(out).extracting(Explained::productId).containsExactly("t1", "d", "c", "t2");
    assertThat(out).extracting(Explained::score).containsExactly(2.0, 0.4 / 0.95 + 1, 1.0, 0.5);
    assertThat(out.get(0).trending()).isTrue(); // trending only: no link to the user's items
    // d: trending gave the larger part (1 against .42), but the link to a is the better explanation
    assertThat(out.get(1)).isEqualTo(new Explained("d", 0.4 / 0.95 + 1, "a", Signal.COMBINED));
    assertThat(out.get(3).trending()).isTrue();
    assertThat(out.get(2)).isEqualTo(new Explained("c", 1.0, "a", Signal.COMBINED));
    assertThat(ExplainedRecommendations.scoreForUser(blended, recent, 2, Set.of("a"), trending))
        .containsExactly(new Recommendation("t1", 2.0), new Recommendation("d", 0.4 / 0.95 + 1));
    // no history: trending alone, in its order, minus exclusions
    assertThat(ExplainedRecommendations.forUser(blended, List.of(), 2, Set.of("t1"), trending))
        .extracting(Explained::productId).containsExactly("a", "d");
    // trend weight 0, or no trending: the co-occurrence scores unchanged
    assertThat(ExplainedRecommendations.forUser(MODEL.config().trendWeight() == 0 ? MODEL
        : Recommender.ofNeighbors(CONFIG.toBuilder().trendWeight(0).build(), Map.of("a", MODEL.neighbors("a", 100, Signal.COMBINED),
            "b", MODEL.neighbors("b", 100, Signal.COMBINED))), recent, 10, Set.of(), trending))
        .extracting(Explained::score).containsExactly(0.95, 0.4);
    assertThat(ExplainedRecommendations.forUser(blended, recent, 10, Set.of(), Trending.none()))
        .extracting(Explained::score).containsExactly(0.95, 0.4);
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

  /**
   * With ν above 0 the bought-together endpoints add the {@code next} neighbours at ν: an item shoppers took next
   * after the cart's item ranks, explained by that item and the next signal; at ν = 0 nothing changes.
   */
  @Test
  void boughtTogetherAddsTheNextNeighboursAtTheItemNextWeight() {
    Recommender withNext = Recommender.ofNeighbors(CONFIG, Map.of(
        "b", List.of(new Neighbor("e", Signal.CO_CART, 0.5, 1, 1), new Neighbor("f", Signal.NEXT, 0.4, 1, 1),
            new Neighbor("e", Signal.NEXT, 0.1, 1, 1))));
    ModelConfig nu2 = CONFIG.toBuilder().itemNextWeight(2).build();

    assertThat(ExplainedRecommendations.boughtTogetherWeights(CONFIG.toBuilder().itemNextWeight(0).build()))
        .doesNotContainKey(Signal.NEXT);
    assertThat(ExplainedRecommendations.boughtTogetherWeights(nu2)).containsEntry(Signal.NEXT, 2.0);
    assertThat(ExplainedRecommendations.forItems(withNext, List.of("b"),
        ExplainedRecommendations.boughtTogetherWeights(CONFIG.toBuilder().itemNextWeight(0).build()), 10, Set.of()))
        .containsExactly(new Explained("e", 0.5 * 0.6, "b", Signal.CO_CART));
    // f: next 0.4 x 2 = 0.8, explained by the next signal; e: co_cart 0.3 + next 0.1 x 2, its larger term co_cart
    assertThat(ExplainedRecommendations.forItems(withNext, List.of("b"),
        ExplainedRecommendations.boughtTogetherWeights(nu2), 10, Set.of()))
        .containsExactly(new Explained("f", 0.8, "b", Signal.NEXT),
            new Explained("e", 0.5 * 0.6 + 0.1 * 2, "b", Signal.CO_CART));
  }

  /**
   * With a cart recency order ρ the cart's items weigh {@code (1 + p)^−ρ} by their place before the last item: the
   * last item's neighbours lead; an item listed twice counts at its last place; ρ = 0 weighs all alike.
   */
  @Test
  void aCartsItemsWeighByTheirOrderTheLastMost() {
    Recommender cartModel = Recommender.ofNeighbors(CONFIG, Map.of(
        "x", List.of(new Neighbor("p", Signal.CO_PURCHASE, 0.6, 1, 1)),
        "y", List.of(new Neighbor("q", Signal.CO_PURCHASE, 0.5, 1, 1)),
        "z", List.of(new Neighbor("r", Signal.CO_PURCHASE, 0.4, 1, 1))));
    Map<Signal, Double> weights = Map.of(Signal.CO_PURCHASE, 1.0);

    assertThat(ExplainedRecommendations.forItems(cartModel, List.of("x", "y", "z"), weights, 0, 10, Set.of()))
        .extracting(Explained::productId).containsExactly("p", "q", "r");
    assertThat(ExplainedRecommendations.forItems(cartModel, List.of("x", "y", "z"), weights, 0, 10, Set.of()))
        .isEqualTo(ExplainedRecommendations.forItems(cartModel, List.of("x", "y", "z"), weights, 10, Set.of()));
    // ρ = 1: z (last) 0.4 x 1, y 0.5 / 2, x 0.6 / 3
    assertThat(ExplainedRecommendations.forItems(cartModel, List.of("x", "y", "z"), weights, 1, 10, Set.of()))
        .containsExactly(new Explained("r", 0.4, "z", Signal.CO_PURCHASE),
            new Explained("q", Math.pow(2, -1) * 1.0 * 0.5, "y", Signal.CO_PURCHASE), new Explained("p", Math.pow(3, -1) * 1.0 * 0.6, "x",
                Signal.CO_PURCHASE));
    // x again at the end: it is now the last (weight 1), z one before (1/2), y two before (1/3)
    assertThat(ExplainedRecommendations.forItems(cartModel, List.of("x", "y", "z", "x"), weights, 1, 10, Set.of()))
        .containsExactly(new Explained("p", 0.6, "x", Signal.CO_PURCHASE),
            new Explained("r", Math.pow(2, -1) * 1.0 * 0.4, "z", Signal.CO_PURCHASE),
            new Explained("q", Math.pow(3, -1) * 1.0 * 0.5, "y", Signal.CO_PURCHASE));
  }
}
