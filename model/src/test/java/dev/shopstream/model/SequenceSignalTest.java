package dev.shopstream.model;

import static dev.shopstream.contract.EventType.PURCHASE;
import static dev.shopstream.contract.EventType.VIEW;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.shopstream.model.ExplainedRecommendations.Explained;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/** The directed {@code next} signal, the session fade of the trend weight, recency order and the popularity prior. */
class SequenceSignalTest {
  private static final Instant T0 = Instant.parse("2026-11-22T10:00:00Z");
  private static final Offset<Double> EPS = within(1e-9);
  /** No decay, so counts are plain: the order of the interactions is all that differs. */
  private static final ModelConfig CONFIG = ModelConfig.defaults().toBuilder().halfLife(Duration.ZERO).nextSteps(3)
      .nextWeight(0).build();

  private static void views(CoOccurrenceModel m, String user, String... items) {
    for (int i = 0; i < items.length; i++) {
      m.observe(user, new Interaction(items[i], VIEW, T0.plusSeconds(i)));
    }
  }

  @Test
  void aThenBGivesBAfterANotAAfterB() {
    CoOccurrenceModel m = new CoOccurrenceModel(CONFIG);
    views(m, "u1", "A", "B");
    views(m, "u2", "A", "B");

    assertThat(m.coCount("A", "B", Signal.NEXT)).isEqualTo(2);
    assertThat(m.coCount("B", "A", Signal.NEXT)).as("B never came before A").isZero();
    assertThat(m.coCount("A", "B", Signal.COMBINED)).isEqualTo(m.coCount("B", "A", Signal.COMBINED)).isEqualTo(2);
    assertThat(m.neighbors("A", 10, Signal.NEXT)).extracting(Neighbor::productId).containsExactly("B");
    assertThat(m.neighbors("B", 10, Signal.NEXT)).isEmpty();
    assertThat(m.neighbors("B", 10, Signal.COMBINED)).extracting(Neighbor::productId).containsExactly("A");

    CoOccurrenceModel reversed = new CoOccurrenceModel(CONFIG);
    views(reversed, "u1", "B", "A");
    assertThat(reversed.coCount("B", "A", Signal.NEXT)).isEqualTo(1);
    assertThat(reversed.coCount("A", "B", Signal.NEXT)).isZero();
  }

  /**
   * "What do people take after A?" is P(c | A): the next signal is scored by confidence, c(A → c) / n(A). A symmetric
   * normalization (the configured Jaccard) also divides by how often c occurs, and ranked the rare C above B, the
   * successor three of A's four shoppers took, because many others view B too.
   */
  @Test
  void theNextSignalRanksWhatMostShoppersTookAfterAFirstHoweverPopularItIs() {
    CoOccurrenceModel m = new CoOccurrenceModel(CONFIG);
    views(m, "u1", "A", "B");
    views(m, "u2", "A", "B");
    views(m, "u3", "A", "B");
    views(m, "u4", "A", "C");
    for (int i = 0; i < 20; i++) {
      views(m, "b" + i, "B");
    }

    assertThat(m.neighbors("A", 10, Signal.NEXT)).extracting(Neighbor::productId).containsExactly("B", "C");
    assertThat(m.similarity("A", "B", Signal.NEXT)).isCloseTo(3.0 / 4, EPS);
    assertThat(m.similarity("A", "C", Signal.NEXT)).isCloseTo(1.0 / 4, EPS);
    assertThat(m.similarity("A", "B", Signal.COMBINED)).as("the symmetric signal keeps the configured Jaccard")
        .isCloseTo(3.0 / (4 + 23 - 3), EPS);
  }

  @Test
  void transitionsWeighOneOverTheDistanceUpToNextSteps() {
    CoOccurrenceModel m = new CoOccurrenceModel(CONFIG); // nextSteps 3
    views(m, "u", "A", "B", "C", "D", "E");

    assertThat(m.coCount("D", "E", Signal.NEXT)).isCloseTo(1.0, EPS);
    assertThat(m.coCount("C", "E", Signal.NEXT)).isCloseTo(0.5, EPS);
    assertThat(m.coCount("B", "E", Signal.NEXT)).isCloseTo(1.0 / 3, EPS);
    assertThat(m.coCount("A", "E", Signal.NEXT)).as("4 steps back: beyond nextSteps").isZero();
    assertThat(m.coCount("A", "E", Signal.COMBINED)).as("still co-occurring").isEqualTo(1);
    assertThat(m.count("E", Signal.NEXT)).isEqualTo(1);

    CoOccurrenceModel none = new CoOccurrenceModel(CONFIG.toBuilder().nextSteps(0).build());
    views(none, "u", "A", "B");
    assertThat(none.coCount("A", "B", Signal.NEXT)).isZero();
    assertThat(none.count("B", Signal.NEXT)).isZero();
  }

  @Test
  void transitionsDecayWithTheTimeBetweenTheTwoInteractions() {
    CoOccurrenceModel m = new CoOccurrenceModel(CONFIG.toBuilder().halfLife(Duration.ofHours(1)).build());
    m.observe("u", new Interaction("A", VIEW, T0));
    m.observe("u", new Interaction("B", VIEW, T0.plus(Duration.ofHours(2))));

    assertThat(m.coCount("A", "B", Signal.NEXT)).isCloseTo(0.25, EPS);
  }

  @Test
  void theNextNeighboursOfTheLastItemRankTheUsersCandidatesAndExplainThem() {
    // many users take B then C; C and B co-occur as strongly with X, but only as "before X"
    CoOccurrenceModel m = new CoOccurrenceModel(CONFIG);
    for (int u = 0; u < 5; u++) {
      views(m, "seq" + u, "B", "C");
      views(m, "rev" + u, "X", "B");
    }
    ModelConfig sequenceAware = CONFIG.toBuilder().nextWeight(2).build();
    CoOccurrenceModel model = new CoOccurrenceModel(sequenceAware);
    for (int u = 0; u < 5; u++) {
      views(model, "seq" + u, "B", "C");
      views(model, "rev" + u, "X", "B");
    }
    List<Interaction> justViewedB = List.of(new Interaction("B", VIEW, T0));

    // co-occurrence alone: C and X tie (same counts), X first by id? no: C < X, so C first by id at equal score
    List<Explained> plain = ExplainedRecommendations.forUser(m, justViewedB, 10, Set.of());
    assertThat(plain).extracting(Explained::score).containsExactly(plain.get(0).score(), plain.get(0).score());

    List<Explained> withNext = ExplainedRecommendations.forUser(model, justViewedB, 10, Set.of());
    assertThat(withNext).extracting(Explained::productId).containsExactly("C", "X");
    assertThat(withNext.get(0).score()).isGreaterThan(withNext.get(1).score());
    assertThat(withNext.get(0)).extracting(Explained::sourceId, Explained::signal).containsExactly("B", Signal.NEXT);
    assertThat(withNext.get(1).signal()).as("X came before B: no next link").isEqualTo(Signal.CO_VIEW);
  }

  @Test
  void theTrendWeightFadesWhileTheUserIsMidSessionAndThePriorStays() {
    Recommender r = Recommender.ofNeighbors(ModelConfig.defaults().toBuilder().trendWeight(2)
        .sessionGap(Duration.ofMinutes(30)).build(), Map.of("a", List.of(new Neighbor("c", Signal.COMBINED, 0.5, 1, 1))));
    Trending trending = Trending.of(List.of(new Recommendation("t", 10), new Recommendation("c", 1)));
    List<Interaction> recent = List.of(new Interaction("a", VIEW, T0));

    // returning after a day: full β = 2; t 2.0, c 1 + 0.2
    assertThat(ExplainedRecommendations.scoreForUser(r, recent, T0.plus(Duration.ofDays(1)), 10, Set.of(), trending))
        .containsExactly(new Recommendation("t", 2.0), new Recommendation("c", 1.2));
    // 15 minutes in: half of it
    assertThat(ExplainedRecommendations.scoreForUser(r, recent, T0.plus(Duration.ofMinutes(15)), 10, Set.of(),
        trending)).extracting(Recommendation::productId, Recommendation::score)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("c", 1.1), org.assertj.core.groups.Tuple.tuple("t", 1.0));
    // right now: no trending at all
    assertThat(ExplainedRecommendations.scoreForUser(r, recent, T0, 10, Set.of(), trending))
        .containsExactly(new Recommendation("c", 0.5));
    // a prior π = 0.1 over all-time popularity does not fade: popular products still rank (below c)
    Trending popular = Trending.of(List.of(new Recommendation("p", 50), new Recommendation("c", 5)));
    Recommender prior = Recommender.ofNeighbors(r.config().toBuilder().popularityWeight(0.1).build(),
        Map.of("a", List.of(new Neighbor("c", Signal.COMBINED, 0.5, 1, 1))));
    assertThat(ExplainedRecommendations.scoreForUser(prior, recent, T0, 10, Set.of(), trending, popular))
        .containsExactly(new Recommendation("c", 1 + 0.1 * 5 / 50), new Recommendation("p", 0.1));
    // the prior reads the popularity list, not trending: with none, π adds nothing
    assertThat(ExplainedRecommendations.scoreForUser(prior, recent, T0, 10, Set.of(), trending))
        .containsExactly(new Recommendation("c", 0.5));
    // returning after a day, both: t 2 × 10/10; c 1 + 2 × 1/10 + 0.1 × 5/50; p 0.1 × 50/50, led by no item
    List<Explained> both = ExplainedRecommendations.forUser(prior, recent, T0.plus(Duration.ofDays(1)), 10,
        Set.of(), trending, popular);
    assertThat(both).extracting(Explained::productId, Explained::score).containsExactly(
        org.assertj.core.groups.Tuple.tuple("t", 2.0), org.assertj.core.groups.Tuple.tuple("c", 1 + 0.2 + 0.01),
        org.assertj.core.groups.Tuple.tuple("p", 0.1));
    assertThat(both.get(2).trending()).isTrue();
    assertThat(both.get(2).popular()).as("p: led by the prior, not by trending").isTrue();
    assertThat(both.get(0).trending()).isTrue();
    assertThat(both.get(0).popular()).as("t: led by trending").isFalse();
    assertThat(both.get(1).sourceId()).isEqualTo("a");
    // only the k best of the two lists' sum are added, and exclusions are never added
    assertThat(ExplainedRecommendations.scoreForUser(prior, recent, T0.plus(Duration.ofDays(1)), 2, Set.of("t"),
        trending, popular)).extracting(Recommendation::productId).containsExactly("c", "p");
    // no request time: as before, the full trend weight
    assertThat(ExplainedRecommendations.scoreForUser(r, recent, 10, Set.of(), trending))
        .extracting(Recommendation::productId).containsExactly("t", "c");
  }

  @Test
  void theProductsLedByTrendingAndThePriorTogetherAreTheBestSumsOfBothLists() {
    Recommender none = Recommender.ofNeighbors(ModelConfig.defaults().toBuilder().trendWeight(1.5)
        .popularityWeight(0.7).build(), Map.of());
    for (long seed = 1; seed <= 300; seed++) {
      java.util.Random random = new java.util.Random(seed);
      List<Recommendation> t = new java.util.ArrayList<>();
      List<Recommendation> p = new java.util.ArrayList<>();
      for (int i = 0; i < 40; i++) {
        if (random.nextInt(3) > 0) {
          t.add(new Recommendation("i" + i, random.nextInt(6))); // small integers: many ties
        }
        if (random.nextInt(3) > 0) {
          p.add(new Recommendation("i" + i, 1 + random.nextInt(20)));
        }
      }
      Trending trending = Trending.of(t);
      Trending popular = Trending.of(p);
      Set<String> exclude = new java.util.HashSet<>();
      for (int i = 0; i < 40; i++) {
        if (random.nextInt(5) == 0) {
          exclude.add("i" + i);
        }
      }
      int k = 1 + random.nextInt(12);
      // every product of either list, scored by the sum, best first: what the blend must add
      List<Recommendation> expected = java.util.stream.Stream.concat(t.stream(), p.stream())
          .map(Recommendation::productId).distinct().filter(id -> !exclude.contains(id))
          .map(id -> new Recommendation(id, (trending.isEmpty() ? 0 : 1.5 / trending.max()) * trending.score(id)
              + (popular.isEmpty() ? 0 : 0.7 / popular.max()) * popular.score(id)))
          .filter(r -> r.score() > 0).sorted(Recommender.BEST_FIRST).limit(k).toList();

      List<Recommendation> actual = ExplainedRecommendations.scoreForUser(none, List.of(), null, k, exclude,
          trending, popular);

      assertThat(actual).as("seed %d", seed).isEqualTo(expected);
    }
  }

  @Test
  void recencyOrderMakesTheLastItemCountMost() {
    Instant t = T0;
    // a (newest) and b at the same time: only their order tells them apart
    List<Interaction> recent = List.of(new Interaction("a", PURCHASE, t), new Interaction("b", PURCHASE, t));
    Map<String, List<Neighbor>> lists = Map.of("a", List.of(new Neighbor("x", Signal.COMBINED, 0.4, 1, 1)),
        "b", List.of(new Neighbor("y", Signal.COMBINED, 0.5, 1, 1)));
    Recommender flat = Recommender.ofNeighbors(ModelConfig.defaults(), lists);
    Recommender ordered = Recommender.ofNeighbors(ModelConfig.defaults().toBuilder().recencyOrder(1).build(), lists);

    assertThat(flat.recommendForUser(recent, 10, Set.of())).extracting(Recommendation::productId)
        .containsExactly("y", "x");
    assertThat(ordered.recommendForUser(recent, 10, Set.of())).extracting(Recommendation::productId)
        .containsExactly("x", "y"); // b weighs 1/2: 0.25 < 0.4
  }

  @Test
  void aVectorSerializedBeforeTheNextSignalReadsItAsZero() throws Exception {
    SignalVector v = SignalVector.of(1, 2, 3, 4, 5);
    assertThat(roundTrip(v)).isEqualTo(v);
    // as the pipeline's state held it before: four values
    SignalVector old = SignalVector.of(1, 2, 3, 4);
    java.lang.reflect.Field values = SignalVector.class.getDeclaredField("values");
    values.setAccessible(true);
    values.set(old, new double[] {1, 2, 3, 4});
    SignalVector restored = (SignalVector) roundTrip(old);
    assertThat(restored.get(Signal.NEXT)).isZero();
    assertThat(restored).isEqualTo(SignalVector.of(1, 2, 3, 4));
    assertThat(restored.plus(v)).isEqualTo(SignalVector.of(2, 4, 6, 8, 5));
    ItemNeighbors n = new ItemNeighbors("a");
    n.addCoOccurrence("b", v, null, 10);
    assertThat(((ItemNeighbors) roundTrip(n)).candidate("b").coCount().get(Signal.NEXT)).isEqualTo(5);
  }

  private static Object roundTrip(Object o) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(o);
    }
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      return in.readObject();
    }
  }

  /**
   * ρ_session weighs a user's recent items by their order while they are mid-session only: right after the last
   * interaction the newest item's neighbour leads, a day later (a returning user) every item weighs alike again.
   */
  @Test
  void theSessionRecencyOrderWeighsTheNewestItemMostMidSessionOnly() {
    ModelConfig config = ModelConfig.defaults().toBuilder().halfLife(Duration.ZERO).trendWeight(0)
        .popularityWeight(0).nextWeight(0).sessionGap(Duration.ofMinutes(30)).sessionRecencyOrder(1).build();
    Recommender r = Recommender.ofNeighbors(config, Map.of(
        "old", List.of(new Neighbor("x", Signal.COMBINED, 0.6, 1, 1)),
        "new", List.of(new Neighbor("y", Signal.COMBINED, 0.4, 1, 1))));
    List<Interaction> recent = List.of(new Interaction("old", VIEW, T0.minusSeconds(60)),
        new Interaction("new", VIEW, T0));

    // mid-session (fade 0): new 0.4 x 1, old 0.6 x 1/2
    assertThat(ExplainedRecommendations.scoreForUser(r, recent, T0, 10, Set.of(), Trending.none()))
        .containsExactly(new Recommendation("y", 0.4), new Recommendation("x", 0.6 * Math.pow(2, -1.0)));
    // 15 minutes away: half the order, (1 + 1)^-0.5 for old
    assertThat(ExplainedRecommendations.scoreForUser(r, recent, T0.plus(Duration.ofMinutes(15)), 10, Set.of(),
        Trending.none())).containsExactly(new Recommendation("x", 0.6 * Math.pow(2, -0.5)),
            new Recommendation("y", 0.4));
    // returning after a day, or no request time: as without it
    assertThat(ExplainedRecommendations.scoreForUser(r, recent, T0.plus(Duration.ofDays(1)), 10, Set.of(),
        Trending.none())).containsExactly(new Recommendation("x", 0.6), new Recommendation("y", 0.4));
    assertThat(ExplainedRecommendations.scoreForUser(r, recent, 10, Set.of(), Trending.none()))
        .containsExactly(new Recommendation("x", 0.6), new Recommendation("y", 0.4));
  }
}
