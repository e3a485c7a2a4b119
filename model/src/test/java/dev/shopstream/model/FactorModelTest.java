package dev.shopstream.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shopstream.contract.EventType;
import dev.shopstream.model.ExplainedRecommendations.Explained;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The online BPR factor model learns a planted structure, is deterministic for a seed, explains a score by the
 * history item that contributed most, and with φ = 0 leaves the shared ranking bit for bit as it was.
 */
class FactorModelTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final int PER_CLUSTER = 12;

  private static String item(char cluster, int i) {
    return cluster + String.valueOf(i);
  }

  /**
   * Replays a planted log: 400 users, each taking 8 distinct items of one cluster ("a" or "b", alternating, so both
   * clusters are equally popular) in a random order, users interleaved in time, each interaction after the user's
   * items before it. Only the history tells the clusters apart.
   */
  private static FactorModel trained(FactorConfig config) {
    return trained(config, 400);
  }

  private static FactorModel trained(FactorConfig config, int users) {
    FactorModel model = new FactorModel(config);
    Random r = new Random(7);
    List<List<Interaction>> histories = new ArrayList<>();
    List<List<String>> plans = new ArrayList<>();
    for (int u = 0; u < users; u++) {
      char cluster = u % 2 == 0 ? 'a' : 'b';
      List<String> items = new ArrayList<>();
      for (int i = 0; i < PER_CLUSTER; i++) {
        items.add(item(cluster, i));
      }
      java.util.Collections.shuffle(items, r);
      plans.add(items.subList(0, 8));
      histories.add(new ArrayList<>());
    }
    long t = 0;
    for (int step = 0; step < 8; step++) {
      for (int u = 0; u < users; u++) {
        Interaction x = new Interaction(plans.get(u).get(step), EventType.PURCHASE, T0.plusSeconds(t++));
        model.observe(histories.get(u), x);
        histories.get(u).add(0, x);
      }
    }
    return model;
  }

  private static List<Interaction> history(String... items) {
    List<Interaction> out = new ArrayList<>();
    for (int i = 0; i < items.length; i++) {
      out.add(new Interaction(items[i], EventType.PURCHASE, T0.plusSeconds(i)));
    }
    return out;
  }

  /** The share of (same-cluster, other-cluster) pairs the history's scores order correctly (an AUC). */
  private static double separation(FactorModel model, char cluster, List<Interaction> h) {
    FactorModel.Scores s = model.scores(h);
    char other = cluster == 'a' ? 'b' : 'a';
    int right = 0;
    int pairs = 0;
    for (int i = 3; i < PER_CLUSTER; i++) { // items 0-2 are the history
      for (int j = 0; j < PER_CLUSTER; j++) {
        pairs++;
        if (s.score(item(cluster, i)) > s.score(item(other, j))) {
          right++;
        }
      }
    }
    return right / (double) pairs;
  }

  @Test
  void itLearnsThatItemsOfTheHistorysClusterGoWithIt() {
    FactorModel model = trained(FactorConfig.defaults());
    List<Interaction> aHistory = history("a0", "a1", "a2");
    List<Interaction> bHistory = history("b0", "b1", "b2");

    assertThat(separation(model, 'a', aHistory)).isGreaterThan(0.95);
    assertThat(separation(model, 'b', bHistory)).isGreaterThan(0.95);
    List<Recommendation> top = model.recommend(aHistory, PER_CLUSTER - 3, Set.of("a0", "a1", "a2"));
    assertThat(top).extracting(Recommendation::productId).allMatch(id -> id.startsWith("a"));

    // with the gradient step disabled (learning rate 0) the same replay learns nothing
    FactorModel frozen = trained(FactorConfig.defaults().withLearningRate(0));
    assertThat(separation(frozen, 'a', aHistory)).isLessThan(0.8);
    assertThat(frozen.steps()).isEqualTo(model.steps());
  }

  @Test
  void aModelRebuiltFromItsItemsVectorsScoresAndExplainsAsTheTrainedOneDoes() {
    FactorModel model = trained(FactorConfig.defaults());
    List<FactorModel.Vectors> items = model.ids().stream().map(model::vectors).toList();

    FactorModel rebuilt = FactorModel.of(FactorConfig.defaults().withDimensions(3), items);

    assertThat(rebuilt.config().dimensions()).isEqualTo(32);
    assertThat(rebuilt.ids()).isEqualTo(model.ids());
    List<Interaction> h = history("a0", "b1", "a2");
    FactorModel.Scores trainedScores = model.scores(h);
    FactorModel.Scores rebuiltScores = rebuilt.scores(h);
    for (String id : model.ids()) {
      assertThat(rebuiltScores.score(id)).isEqualTo(trainedScores.score(id));
      assertThat(rebuiltScores.because(id)).isEqualTo(trainedScores.because(id));
    }
    assertThat(model.vectors("nope")).isNull();
    FactorModel.Vectors a0 = model.vectors("a0");
    a0.context()[0] += 1; // a copy: the model is untouched
    assertThat(model.vectors("a0").context()[0]).isNotEqualTo(a0.context()[0]);
  }

  @Test
  void aRebuiltModelHoldsEveryItemsBiasPastTheInitialCapacity() {
    List<FactorModel.Vectors> items = new ArrayList<>();
    for (int i = 0; i < 1_000; i++) { // the bias array starts at 256 and grows while items are added
      items.add(new FactorModel.Vectors("p" + i, new double[] {i, 1}, new double[] {1, 0}, i / 1000.0));
    }

    FactorModel rebuilt = FactorModel.of(FactorConfig.defaults(), items);

    assertThat(rebuilt.items()).isEqualTo(1_000);
    for (int i : new int[] {0, 255, 256, 257, 511, 512, 999}) {
      assertThat(rebuilt.vectors("p" + i).bias()).isEqualTo(i / 1000.0);
      assertThat(rebuilt.scores(List.of()).score("p" + i)).isEqualTo(i / 1000.0); // no history: the bias alone
    }
  }

  @Test
  void rebuildingRefusesItemsOfOtherDimensionsOrGivenTwiceNamingTheItem() {
    FactorModel.Vectors a = new FactorModel.Vectors("a", new double[] {1, 2}, new double[] {3, 4}, 0.5);
    FactorModel.Vectors b = new FactorModel.Vectors("b", new double[] {1}, new double[] {3}, 0.5);

    org.assertj.core.api.Assertions.assertThatThrownBy(() -> FactorModel.of(FactorConfig.defaults(), List.of(a, b)))
        .hasMessageStartingWith("b: embeddings of 1 and 1 values, the model's others have 2");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> FactorModel.of(FactorConfig.defaults(), List.of(a, a)))
        .hasMessage("a: given twice");
    assertThat(FactorModel.of(FactorConfig.defaults(), List.of()).items()).isZero();
  }

  @Test
  void onASmallLogOnePassLearnsLittleAndReplayFromTheReservoirLearnsTheClusters() {
    List<Interaction> aHistory = history("a0", "a1", "a2");
    FactorConfig plain = FactorConfig.defaults().withReplaySteps(0);
    FactorModel onePass = trained(plain, 20);
    FactorModel replayed = trained(plain.withReplaySteps(3).withReservoirSize(1_000), 20);

    assertThat(separation(onePass, 'a', aHistory)).isLessThan(0.9); // 0.84: 20 users, 160 interactions, one pass
    assertThat(separation(replayed, 'a', aHistory)).isGreaterThan(0.97); // 1.0
    assertThat(replayed.steps()).isEqualTo(onePass.steps());
    assertThat(replayed.replayed()).isEqualTo(3L * (20 * 8 - 1)); // 3 per interaction once the reservoir holds one
    assertThat(onePass.replayed()).isZero();
    // without replay the reservoir's size changes nothing, bit for bit
    FactorModel otherReservoir = trained(plain.withReservoirSize(7), 20);
    FactorModel.Scores a = onePass.scores(aHistory);
    FactorModel.Scores b = otherReservoir.scores(aHistory);
    for (int i = 0; i < a.size(); i++) {
      assertThat(Double.doubleToRawLongBits(b.score(a.id(i)))).isEqualTo(Double.doubleToRawLongBits(a.score(a.id(i))));
    }
  }

  @Test
  void theSameSeedAndLogGiveTheSameModelBitForBitAndAnotherSeedAnother() {
    sameSeedSameModel(FactorConfig.defaults().withReplaySteps(0));
    sameSeedSameModel(FactorConfig.defaults().withReplaySteps(3).withReservoirSize(500)); // the reservoir evicts
  }

  private static void sameSeedSameModel(FactorConfig config) {
    List<Interaction> h = history("a0", "b1");
    FactorModel.Scores one = trained(config).scores(h);
    FactorModel.Scores two = trained(config).scores(h);
    FactorModel.Scores other = trained(config.withSeed(43)).scores(h);
    boolean anyDifferent = false;
    for (int i = 0; i < one.size(); i++) {
      String id = one.id(i);
      assertThat(Double.doubleToRawLongBits(two.score(id))).as(id).isEqualTo(Double.doubleToRawLongBits(one.score(id)));
      anyDifferent |= other.score(id) != one.score(id);
    }
    assertThat(anyDifferent).isTrue();
  }

  @Test
  void aScoreIsExplainedByTheHistoryItemThatContributedMost() {
    FactorModel model = trained(FactorConfig.defaults());
    FactorModel.Scores s = model.scores(history("a0", "b0"));

    assertThat(s.because("a7")).isEqualTo("a0");
    assertThat(s.because("b7")).isEqualTo("b0");
    assertThat(model.scores(List.of()).because("a7")).isNull();
    assertThat(s.because("unknown")).isNull();
    assertThat(s.relative("unknown")).isZero();
  }

  @Test
  void aRepeatOfAHistoryItemIsNoStep() {
    FactorModel model = new FactorModel(FactorConfig.defaults());
    assertThat(model.observe(List.of(), new Interaction("x", EventType.PURCHASE, T0))).isNaN(); // nothing to compare
    assertThat(model.observe(List.of(), new Interaction("z", EventType.PURCHASE, T0))).isGreaterThan(0);
    // y after x: the only negative is z (not y itself, not the history's x)
    assertThat(model.observe(history("x"), new Interaction("y", EventType.PURCHASE, T0))).isGreaterThan(0);
    assertThat(model.observe(history("x", "y"), new Interaction("y", EventType.PURCHASE, T0))).isNaN();
    assertThat(model.steps()).isEqualTo(2);
    assertThat(model.items()).isEqualTo(3);
  }

  @Test
  void withFactorWeightZeroTheSharedRankingIsBitForBitTheSameAndWithAWeightTheFactorsLeadAndExplain() {
    FactorModel factors = trained(FactorConfig.defaults());
    Map<String, List<Neighbor>> lists = Map.of("a0", List.of(new Neighbor("b5", Signal.COMBINED, 0.5, 1, 1),
        new Neighbor("a4", Signal.COMBINED, 0.2, 1, 1)));
    ModelConfig config = ModelConfig.defaults().toBuilder().factorWeight(0).build();
    Recommender zero = Recommender.ofNeighbors(config, lists);
    List<Interaction> recent = history("a0", "a1");
    Instant now = T0.plusSeconds(86_400);
    Trending trending = Trending.of(List.of(new Recommendation("b9", 3), new Recommendation("a6", 1)));
    Trending popular = Trending.of(List.of(new Recommendation("b8", 10), new Recommendation("a4", 2)));

    assertThat(config.factorWeight()).isZero();
    List<Explained> without = ExplainedRecommendations.forUser(zero, recent, now, 20, Set.of(), trending, popular);
    List<Explained> withZero = ExplainedRecommendations.forUser(zero, recent, now, 20, Set.of(), trending, popular,
        factors.scores(recent));
    assertThat(withZero).isEqualTo(without);
    for (int i = 0; i < without.size(); i++) {
      assertThat(Double.doubleToRawLongBits(withZero.get(i).score()))
          .isEqualTo(Double.doubleToRawLongBits(without.get(i).score()));
    }
    assertThat(ExplainedRecommendations.scoreForUser(zero, recent, now, 20, Set.of(), trending, popular,
        factors.scores(recent))).isEqualTo(ExplainedRecommendations.scoreForUser(zero, recent, now, 20, Set.of(),
        trending, popular));

    // φ = 4: every item the factors know is a candidate, the history's cluster first, led and explained by a
    // history item; the personal link of b5 still explains b5
    Recommender weighted = Recommender.ofNeighbors(config.toBuilder().factorWeight(4).build(), lists);
    List<Explained> with = ExplainedRecommendations.forUser(weighted, recent, now, 30, Set.of("a0", "a1"), trending,
        popular, factors.scores(recent));
    assertThat(with).hasSize(2 * PER_CLUSTER - 2); // every item the factors know, minus the two excluded
    Explained led = with.stream().filter(e -> e.productId().equals("a7")).findFirst().orElseThrow();
    assertThat(led.factor()).isTrue();
    assertThat(led.sourceId()).isIn("a0", "a1");
    assertThat(with.stream().filter(e -> e.productId().equals("b5")).findFirst().orElseThrow())
        .extracting(Explained::sourceId, Explained::factor).containsExactly("a0", false);
    assertThat(with.stream().filter(Explained::factor).limit(5)).extracting(Explained::productId)
        .hasSize(5).allMatch(id -> id.startsWith("a"));
    assertThat(without).extracting(Explained::factor).containsOnly(false);

    // mid-session (the request at the newest item's time) φ fades to nothing, as β does: the ranking without them
    Instant midSession = recent.get(recent.size() - 1).time();
    assertThat(ExplainedRecommendations.scoreForUser(weighted, recent, midSession, 20, Set.of(), trending, popular,
        factors.scores(recent))).isEqualTo(ExplainedRecommendations.scoreForUser(weighted, recent, midSession, 20,
        Set.of(), trending, popular));
  }

  @Test
  void aRankingWithPriorsAndOnlyTheItemsThatCanBeAmongTheKBestIsTheWholeRankingsHead() {
    FactorModel factors = trained(FactorConfig.defaults());
    Map<String, List<Neighbor>> lists = Map.of("a0", List.of(new Neighbor("b5", Signal.COMBINED, 0.5, 1, 1),
        new Neighbor("a4", Signal.COMBINED, 0.2, 1, 1)));
    Recommender weighted = Recommender.ofNeighbors(ModelConfig.defaults().toBuilder().factorWeight(4).build(), lists);
    Trending trending = Trending.of(List.of(new Recommendation("b9", 3), new Recommendation("a6", 1),
        new Recommendation("x-unknown", 2)));
    Trending popular = Trending.of(List.of(new Recommendation("b8", 10), new Recommendation("a4", 2)));
    FactorModel.Priors priors = factors.priors(trending, popular);
    assertThat(priors.trend()[factors.ids().indexOf("b9")]).isEqualTo(3);
    assertThat(priors.popular()[factors.ids().indexOf("b8")]).isEqualTo(10);
    Instant now = T0.plusSeconds(86_400);

    for (List<Interaction> recent : List.of(history("a0", "a1"), history("b2"), history("a3", "b3", "a5"))) {
      Instant newest = recent.stream().map(Interaction::time).max(Instant::compareTo).orElseThrow();
      for (Instant at : List.of(now, newest.plusSeconds(300))) { // trending in full; faded to 1/6
        List<Explained> whole = ExplainedRecommendations.forUser(weighted, recent, at, Integer.MAX_VALUE,
            Set.of("a1"), trending, popular, factors.scores(recent)); // no bound: every item kept, looked up
        for (int k : new int[] {0, 1, 3, 7, 15, 40}) {
          List<Explained> head = ExplainedRecommendations.forUser(weighted, recent, at, k, Set.of("a1"), trending,
              popular, factors.scores(recent, priors));
          assertThat(head).as("k = %d at %s", k, at).isEqualTo(whole.subList(0, Math.min(k, whole.size())));
        }
      }
    }
  }
}
