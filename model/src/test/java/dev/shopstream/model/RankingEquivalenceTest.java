package dev.shopstream.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shopstream.contract.EventType;
import dev.shopstream.model.ExplainedRecommendations.Explained;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The rankings answer exactly what a full sort and the straightforward explanation answer, on random neighbour
 * lists with many equal scores: the first k of a ranking are the head of the whole ranking, and each candidate's
 * evidence is the first same-type signal (purchase, cart, view) whose list holds it.
 */
class RankingEquivalenceTest {
  private static final Instant T = Instant.parse("2026-11-20T12:00:00Z");
  private static final EventType[] TYPES = {EventType.VIEW, EventType.ADD_TO_CART, EventType.PURCHASE};

  @Test
  void topKIsTheHeadOfTheFullSort() {
    Random random = new Random(7);
    for (int round = 0; round < 200; round++) {
      List<Recommendation> all = new ArrayList<>();
      int n = random.nextInt(40);
      for (int i = 0; i < n; i++) {
        all.add(new Recommendation("p" + i, random.nextInt(5) / 4.0));
      }
      List<Recommendation> sorted = new ArrayList<>(all);
      sorted.sort(Recommender.BEST_FIRST);
      for (int k : new int[] {0, 1, 3, 10, 39, 40, 100}) {
        assertThat(TopK.first(new ArrayList<>(all), k, Recommender.BEST_FIRST))
            .isEqualTo(sorted.subList(0, Math.min(k, sorted.size())));
      }
    }
  }

  @Test
  void userAndItemRankingsAreTheReferenceOnesAndAnyKIsAPrefix() {
    Random random = new Random(11);
    for (int round = 0; round < 100; round++) {
      Recommender model = randomModel(random);
      List<Interaction> recent = new ArrayList<>();
      for (int i = 0; i < 1 + random.nextInt(8); i++) {
        recent.add(new Interaction("p" + random.nextInt(30), TYPES[random.nextInt(3)],
            T.minus(Duration.ofMinutes(random.nextInt(600)))));
      }
      Set<String> exclude = new HashSet<>(List.of("p" + random.nextInt(30), "p" + random.nextInt(30)));
      List<Explained> all = ExplainedRecommendations.forUser(model, recent, Integer.MAX_VALUE, exclude);
      assertThat(all).isEqualTo(referenceForUser(model, recent, exclude));
      for (int k : new int[] {1, 2, 5, 20}) {
        assertThat(ExplainedRecommendations.forUser(model, recent, k, exclude))
            .isEqualTo(all.subList(0, Math.min(k, all.size())));
      }

      List<String> items = List.of("p" + random.nextInt(30), "p" + random.nextInt(30));
      Map<Signal, Double> weights = ExplainedRecommendations.boughtTogetherWeights(model.config());
      List<Explained> together = ExplainedRecommendations.forItems(model, items, weights, Integer.MAX_VALUE, exclude);
      List<Explained> sorted = new ArrayList<>(together);
      sorted.sort(Comparator.comparingDouble(Explained::score).reversed().thenComparing(Explained::productId));
      assertThat(together).isEqualTo(sorted);
      for (int k : new int[] {1, 2, 5, 20}) {
        assertThat(ExplainedRecommendations.forItems(model, items, weights, k, exclude))
            .isEqualTo(together.subList(0, Math.min(k, together.size())));
      }
    }
  }

  @Test
  void blendedRankingsAreTheFullSortOfEveryCandidateAndTrendingProductAndAnyKIsAPrefix() {
    Random random = new Random(13);
    for (int round = 0; round < 200; round++) {
      Recommender model = randomModel(random);
      List<Interaction> recent = new ArrayList<>();
      for (int i = 0; i < random.nextInt(6); i++) { // sometimes no history: trending only
        recent.add(new Interaction("p" + random.nextInt(30), TYPES[random.nextInt(3)],
            T.minus(Duration.ofMinutes(random.nextInt(600)))));
      }
      List<Recommendation> trendScores = new ArrayList<>();
      for (int i = 0; i < random.nextInt(40); i++) {
        trendScores.add(new Recommendation("p" + random.nextInt(40), 1 + random.nextInt(4)));
      }
      Trending trending = Trending.of(trendScores);
      Set<String> exclude = new HashSet<>(List.of("p" + random.nextInt(30), "p" + random.nextInt(40)));

      List<Recommendation> all = ExplainedRecommendations.scoreForUser(model, recent, Integer.MAX_VALUE, exclude,
          trending);
      List<Recommendation> reference = referenceBlend(model, recent, exclude, trending);
      assertThat(all).extracting(Recommendation::productId)
          .containsExactlyElementsOf(reference.stream().map(Recommendation::productId).toList());
      for (int i = 0; i < all.size(); i++) {
        assertThat(all.get(i).score()).isCloseTo(reference.get(i).score(), org.assertj.core.data.Offset.offset(1e-12));
      }
      for (int k : new int[] {1, 2, 5, 20}) {
        assertThat(ExplainedRecommendations.scoreForUser(model, recent, k, exclude, trending))
            .isEqualTo(all.subList(0, Math.min(k, all.size())));
        assertThat(ExplainedRecommendations.forUser(model, recent, k, exclude, trending))
            .extracting(Explained::productId)
            .containsExactlyElementsOf(all.subList(0, Math.min(k, all.size())).stream()
                .map(Recommendation::productId).toList());
      }
    }
  }

  /**
   * The blend written out: the co-occurrence sums of {@link #referenceForUser}, each over their maximum, plus
   * β × trend / max trend, for every candidate and every trending product not excluded, fully sorted (without
   * trending products: the sums as they are).
   */
  private static List<Recommendation> referenceBlend(Recommender recommender, List<Interaction> recent,
      Set<String> exclude, Trending trending) {
    Map<String, Double> personal = new HashMap<>();
    if (!recent.isEmpty()) {
      referenceForUser(recommender, recent, exclude).forEach(e -> personal.put(e.productId(), e.score()));
    }
    double maxPersonal = personal.values().stream().mapToDouble(Double::doubleValue).max().orElse(0);
    double beta = recommender.config().trendWeight();
    Map<String, Double> blended = new HashMap<>();
    personal.forEach((id, p) -> blended.put(id, trending.isEmpty() ? p : p / maxPersonal)); // no blend: as they are
    if (!trending.isEmpty()) {
      for (Recommendation t : trending.ranked()) {
        if (!exclude.contains(t.productId())) {
          blended.merge(t.productId(), beta * t.score() / trending.max(), Double::sum);
        }
      }
    }
    List<Recommendation> out = new ArrayList<>();
    blended.forEach((id, score) -> out.add(new Recommendation(id, score)));
    out.sort(Comparator.comparingDouble(Recommendation::score).reversed().thenComparing(Recommendation::productId));
    return out;
  }

  private static Recommender randomModel(Random random) {
    Map<String, List<Neighbor>> lists = new HashMap<>();
    for (int item = 0; item < 30; item++) {
      List<Neighbor> neighbors = new ArrayList<>();
      for (Signal signal : Signal.values()) {
        Set<String> seen = new HashSet<>();
        int rank = 1;
        for (int j = 0; j < random.nextInt(8); j++) {
          String other = "p" + random.nextInt(30);
          if (seen.add(other)) {
            neighbors.add(new Neighbor(other, signal, random.nextInt(4) / 4.0 + 0.25, rank++, 1));
          }
        }
      }
      lists.put("p" + item, neighbors);
    }
    double[] gammas = {0, 0.5, 1, 2};
    double[] rhos = {0, 0.5, 1};
    ModelConfig config = ModelConfig.defaults().toBuilder().nextWeight(gammas[random.nextInt(gammas.length)])
        .recencyOrder(rhos[random.nextInt(rhos.length)]).build();
    return Recommender.ofNeighbors(config, lists);
  }

  /**
   * The explanation as first written: every candidate ranked, evidence maps built per source. The recent items are
   * taken newest first (equal times in their order); item {@code i} at position {@code p} weighs
   * {@code w × decay × (1 + p)^−ρ} for its combined neighbours, and that times {@code γ / (1 + p)} for its next ones.
   */
  private static List<Explained> referenceForUser(Recommender recommender, List<Interaction> recentInAnyOrder,
      Set<String> exclude) {
    ModelConfig config = recommender.config();
    List<Interaction> recentItems = new ArrayList<>(recentInAnyOrder);
    recentItems.sort(Comparator.comparing(Interaction::time).reversed());
    Instant now = recentItems.get(0).time();
    record Term(String item, String source, double value, boolean next) {}
    List<Term> terms = new ArrayList<>();
    for (int p = 0; p < recentItems.size(); p++) {
      Interaction i = recentItems.get(p);
      double weight = config.weight(i.type()) * config.decay(Duration.between(i.time(), now))
          * Math.pow(1 + p, -config.recencyOrder());
      if (weight <= 0) {
        continue;
      }
      for (Neighbor n : recommender.neighbors(i.productId(), config.maxNeighborsPerItem(), Signal.COMBINED)) {
        terms.add(new Term(n.productId(), i.productId(), weight * n.score(), false));
      }
      if (config.nextWeight() > 0) {
        for (Neighbor n : recommender.neighbors(i.productId(), config.maxNeighborsPerItem(), Signal.NEXT)) {
          terms.add(new Term(n.productId(), i.productId(), weight * config.nextWeight() / (1 + p) * n.score(), true));
        }
      }
    }
    Map<String, Double> scores = new HashMap<>();
    Map<String, Term> best = new HashMap<>();
    for (Term t : terms) {
      if (exclude.contains(t.item())) {
        continue;
      }
      scores.merge(t.item(), t.value(), Double::sum);
      Term b = best.get(t.item());
      if (b == null || t.value() > b.value()) {
        best.put(t.item(), t);
      }
    }
    List<Recommendation> ranked = new ArrayList<>();
    scores.forEach((id, score) -> ranked.add(new Recommendation(id, score)));
    ranked.sort(Comparator.comparingDouble(Recommendation::score).reversed().thenComparing(Recommendation::productId));
    List<Explained> out = new ArrayList<>();
    for (Recommendation r : ranked) {
      Term b = best.get(r.productId());
      Signal signal = Signal.COMBINED;
      if (b.next()) {
        signal = Signal.NEXT;
      } else {
        Map<String, Signal> evidence = new HashMap<>();
        for (Signal s : ExplainedRecommendations.EVIDENCE_ORDER) {
          for (Neighbor n : recommender.neighbors(b.source(), config.maxNeighborsPerItem(), s)) {
            evidence.putIfAbsent(n.productId(), s);
          }
        }
        signal = evidence.getOrDefault(r.productId(), Signal.COMBINED);
      }
      out.add(new Explained(r.productId(), r.score(), b.source(), signal));
    }
    return out;
  }
}
