package dev.shopstream.model;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ToDoubleFunction;

/**
 * Recommendations with their explanation: which input item contributed most to each one, and through which
 * signal. Serving turns that into a reason ("viewed together with X"); evaluation can replay the same calls.
 *
 * <ul>
 *   <li>{@link #forUser}: the co-occurrence scores are exactly
 *       {@link Recommender#recommendForUser(Collection, int, Set)}'s (as of the newest recent item); with
 *       {@link Trending} and a trend weight they are blended with trending. The source of a candidate is the recent
 *       item with the largest term {@code w(type) × decay × sim} in its score (none for a trending product
 *       with no link to them).
 *   <li>{@link #forItems}: a set of items (a product page, a cart) instead of a history:
 *       {@code score(c) = Σ over items i Σ over signals s of weight(s) × sim_s(i, c)}, with {@code sim_s} the
 *       score of c among i's top {@code maxNeighborsPerItem} neighbours for s; the items themselves are never
 *       candidates. The source is the (item, signal) with the largest term.
 * </ul>
 *
 * The signal of an explanation is the strongest same-type evidence linking source and candidate: co_purchase,
 * else co_cart, else co_view, else combined.
 */
public final class ExplainedRecommendations {
  /** Same-type signals in the order an explanation prefers them (a shared purchase says more than a view). */
  public static final List<Signal> EVIDENCE_ORDER = List.of(Signal.CO_PURCHASE, Signal.CO_CART, Signal.CO_VIEW);

  /** Score descending, then product id (written out: it runs for every comparison of every ranking). */
  private static final Comparator<Explained> BEST_FIRST = (a, b) -> {
    int byScore = Double.compare(b.score(), a.score());
    return byScore != 0 ? byScore : a.productId().compareTo(b.productId());
  };

  private ExplainedRecommendations() {}

  /**
   * A recommendation, the input item that contributed most to it, and the signal linking the two; or, for a
   * product the blend added with no link to the input items ({@link #trending()}), no source and no signal, and
   * {@code popular} when the popularity prior gave it more than trending did.
   */
  public record Explained(String productId, double score, String sourceId, Signal signal, boolean popular,
      boolean factor) {
    /** An explanation that is not led by the learned factors. */
    public Explained(String productId, double score, String sourceId, Signal signal, boolean popular) {
      this(productId, score, sourceId, signal, popular, false);
    }

    /** An explanation that is not led by the popularity prior. */
    public Explained(String productId, double score, String sourceId, Signal signal) {
      this(productId, score, sourceId, signal, false, false);
    }

    /** True for a product with no link to the user's items (trending or popular): no source to name. */
    public boolean trending() {
      return sourceId == null;
    }
  }

  /**
   * The user's {@code k} best candidates not in {@code exclude}, best first, each explained; co-occurrence only
   * (the scores of {@link Recommender#recommendForUser(Collection, int, Set)}).
   */
  public static List<Explained> forUser(Recommender recommender, Collection<Interaction> recentItems, int k,
      Set<String> exclude) {
    return forUser(recommender, recentItems, k, exclude, Trending.none());
  }

  /**
   * The user's {@code k} best candidates not in {@code exclude}, best first, each explained, with no request time
   * (the trend weight does not fade): {@link #forUser(Recommender, Collection, Instant, int, Set, Trending)}.
   */
  public static List<Explained> forUser(Recommender recommender, Collection<Interaction> recentItems, int k,
      Set<String> exclude, Trending trending) {
    return forUser(recommender, recentItems, null, k, exclude, trending);
  }

  /**
   * The user's {@code k} best candidates not in {@code exclude}, best first, each explained. One pass over the
   * recent items' lists gathers each candidate's personal score and its largest term: for the recent item {@code i}
   * at position {@code p} (0 = newest) with {@code w_i = w(type) × decay(newest − t(i)) × (1 + p)^−ρ},
   * {@code personal(c) = Σ_i w_i × sim(i, c) + Σ_i w_i × γ × sim_next(i, c) / (1 + p)} (all the combined terms of
   * an item, then its next terms; the same terms, added in the same order, as
   * {@link Recommender#recommendForUser}). With trending products and a trend weight
   * {@code β × fade + π > 0} ({@link ModelConfig#trendFade} of {@code requestTime − newest}: 1 when
   * {@code requestTime} is null; π the popularity prior) the score is the blend
   * {@code personal(c) / max personal + (β × fade + π) × trend(c) / max trend} over the personal candidates and the
   * trending products (either part 0 where absent); otherwise it is {@code personal(c)}. Only the {@code k} kept are
   * explained: by their source item whenever they have a personal part (the link to the user's items says more
   * than "trending", even where trending gave the larger part), else as trending; the signal is {@link Signal#NEXT}
   * when the largest term was a next term, else the strongest same-type evidence.
   */
  public static List<Explained> forUser(Recommender recommender, Collection<Interaction> recentItems,
      Instant requestTime, int k, Set<String> exclude, Trending trending) {
    return forUser(recommender, recentItems, requestTime, k, exclude, trending, Trending.none());
  }

  /**
   * {@link #forUser(Recommender, Collection, Instant, int, Set, Trending)} with the popularity prior: {@code popular}
   * is the shop's all-time popularity ({@code pop(c)}), weighed by {@link ModelConfig#popularityWeight()} π in the
   * blend {@code personal(c) / max personal + β × fade × trend(c) / max trend + π × pop(c) / max pop}; it does not
   * fade, so an item with no link to the user's items still ranks above one that nobody takes. A product led by
   * either list and not by the user's items is explained as trending (no source).
   */
  public static List<Explained> forUser(Recommender recommender, Collection<Interaction> recentItems,
      Instant requestTime, int k, Set<String> exclude, Trending trending, Trending popular) {
    return forUser(recommender, recentItems, requestTime, k, exclude, trending, popular, null);
  }

  /**
   * {@link #forUser(Recommender, Collection, Instant, int, Set, Trending, Trending)} with the learned factors:
   * {@code factors} are the user's {@link FactorModel} scores (for the same recent items), weighed by
   * {@link ModelConfig#factorWeight()} φ, which fades mid-session as β does: {@code + φ × fade × exp(s(c) − max s)}
   * (the factors describe the user's standing taste; mid-visit the next signal knows better). With φ × fade > 0
   * every item the factor model
   * knows is a candidate; one with no link to the user's items whose largest part is the factors' is explained by
   * the history item contributing most to its factor score ({@link Explained#factor()}, signal null). Null factors
   * or φ = 0: exactly the ranking without them.
   */
  public static List<Explained> forUser(Recommender recommender, Collection<Interaction> recentItems,
      Instant requestTime, int k, Set<String> exclude, Trending trending, Trending popular,
      FactorModel.Scores factors) {
    List<Candidate> ranked = rank(recommender, recentItems, null, requestTime, k, exclude, trending, popular,
        factors);
    List<Explained> out = new ArrayList<>(ranked.size());
    for (Candidate c : ranked) {
      out.add(c.factorLed ? new Explained(c.productId, c.score, factors.because(c.productId), null, false, true)
          : c.trendLed ? new Explained(c.productId, c.score, null, null, c.popularLed)
          : new Explained(c.productId, c.score, c.source,
              c.sourceNext ? Signal.NEXT : evidence(recommender, c.source, c.productId)));
    }
    return out;
  }

  /**
   * The scores of {@link #forUser(Recommender, Collection, int, Set, Trending)} without the explanations (what
   * evaluation ranks by: the same candidates, the same order).
   */
  public static List<Recommendation> scoreForUser(Recommender recommender, Collection<Interaction> recentItems,
      int k, Set<String> exclude, Trending trending) {
    return scoreForUser(recommender, recentItems, null, k, exclude, trending);
  }

  /**
   * The scores of {@link #forUser(Recommender, Collection, Instant, int, Set, Trending)} without the explanations.
   */
  public static List<Recommendation> scoreForUser(Recommender recommender, Collection<Interaction> recentItems,
      Instant requestTime, int k, Set<String> exclude, Trending trending) {
    return scoreForUser(recommender, recentItems, requestTime, k, exclude, trending, Trending.none());
  }

  /**
   * The scores of {@link #forUser(Recommender, Collection, Instant, int, Set, Trending, Trending)} without the
   * explanations.
   */
  public static List<Recommendation> scoreForUser(Recommender recommender, Collection<Interaction> recentItems,
      Instant requestTime, int k, Set<String> exclude, Trending trending, Trending popular) {
    return scoreForUser(recommender, recentItems, requestTime, k, exclude, trending, popular, null);
  }

  /**
   * The scores of {@link #forUser(Recommender, Collection, Instant, int, Set, Trending, Trending,
   * FactorModel.Scores)} without the explanations.
   */
  public static List<Recommendation> scoreForUser(Recommender recommender, Collection<Interaction> recentItems,
      Instant requestTime, int k, Set<String> exclude, Trending trending, Trending popular,
      FactorModel.Scores factors) {
    return scores(rank(recommender, recentItems, null, requestTime, k, exclude, trending, popular, factors));
  }

  /** {@link Recommender#recommendForUser(Collection, Instant, int, Set)}: no blend, decay as of {@code decayAsOf}. */
  static List<Recommendation> personal(Recommender recommender, Collection<Interaction> recentItems,
      Instant decayAsOf, int k, Set<String> exclude) {
    return scores(rank(recommender, recentItems, decayAsOf, null, k, exclude, Trending.none(), Trending.none(),
        null));
  }

  private static List<Recommendation> scores(List<Candidate> ranked) {
    List<Recommendation> out = new ArrayList<>(ranked.size());
    for (Candidate c : ranked) {
      out.add(new Recommendation(c.productId, c.score));
    }
    return out;
  }

  /** The items newest first (a stable sort: items of equal time keep their order, as a history lists them). */
  static List<Interaction> newestFirst(Collection<Interaction> items) {
    List<Interaction> sorted = new ArrayList<>(items);
    sorted.sort((a, b) -> b.time().compareTo(a.time()));
    return sorted;
  }

  private static List<Candidate> rank(Recommender recommender, Collection<Interaction> recentItems,
      Instant decayAsOf, Instant requestTime, int k, Set<String> exclude, Trending trending, Trending popular,
      FactorModel.Scores factors) {
    ModelConfig config = recommender.config();
    List<Interaction> ordered = newestFirst(recentItems);
    Instant newest = ordered.isEmpty() ? null : ordered.get(0).time();
    double fade = newest == null || requestTime == null ? 1
        : config.trendFade(Duration.between(newest, requestTime));
    double beta = trending.isEmpty() ? 0 : config.trendWeight() * fade;
    double pi = popular.isEmpty() ? 0 : config.popularityWeight();
    double phi = factors == null ? 0 : config.factorWeight() * fade; // a standing taste: fades mid-session
    boolean blend = beta > 0 || pi > 0 || phi > 0;
    if (ordered.isEmpty() && !blend) {
      return List.of();
    }
    Map<String, Candidate> candidates = new HashMap<>(ordered.size() * 16); // ~12 per item before a rehash
    List<Candidate> all = new ArrayList<>(ordered.size() * 16);
    Instant now = decayAsOf != null ? decayAsOf : newest;
    double gamma = config.nextWeight();
    for (int p = 0; p < ordered.size(); p++) {
      Interaction i = ordered.get(p);
      double weight = config.weight(i.type()) * config.decay(Duration.between(i.time(), now))
          * config.orderWeight(p, fade);
      if (weight <= 0) {
        continue;
      }
      add(candidates, all, recommender.neighbors(i.productId(), config.maxNeighborsPerItem(), Signal.COMBINED),
          weight, i.productId(), false, exclude);
      if (gamma > 0) {
        add(candidates, all, recommender.neighbors(i.productId(), config.maxNeighborsPerItem(), Signal.NEXT),
            weight * gamma / (1 + p), i.productId(), true, exclude);
      }
    }
    if (blend) {
      blend(candidates, all, k, exclude, trending, beta, popular, pi, factors, phi);
    }
    return TopK.first(all, k, Candidate.BEST_FIRST);
  }

  private static void add(Map<String, Candidate> candidates, List<Candidate> all, List<Neighbor> neighbors,
      double weight, String from, boolean next, Set<String> exclude) {
    for (Neighbor n : neighbors) {
      String c = n.productId();
      if (exclude.contains(c)) {
        continue;
      }
      double term = weight * n.score();
      Candidate seen = candidates.get(c);
      if (seen == null) {
        Candidate first = new Candidate(c, term, from, next);
        candidates.put(c, first);
        all.add(first);
      } else {
        seen.add(term, from, next);
      }
    }
  }

  /**
   * Turns the personal scores into the blend and adds the best trending products that are not candidates yet: only
   * the first {@code k} of them that are not excluded can be in a top k (they are in the blend's order already).
   */
  private static void blend(Map<String, Candidate> candidates, List<Candidate> all, int k, Set<String> exclude,
      Trending trending, double beta, Trending popular, double pi, FactorModel.Scores factors, double phi) {
    double maxPersonal = 0;
    for (Candidate c : all) {
      maxPersonal = Math.max(maxPersonal, c.score);
    }
    double trendScale = beta > 0 ? beta / trending.max() : 0;
    double popularScale = pi > 0 ? pi / popular.max() : 0;
    for (Candidate c : all) {
      double personal = maxPersonal > 0 ? c.score / maxPersonal : 0;
      c.score = personal + trendScale * trending.score(c.productId) + popularScale * popular.score(c.productId)
          + (phi > 0 ? phi * factors.relative(c.productId) : 0);
    }
    if (phi > 0) {
      addFactorLed(candidates, all, k, exclude, factors, phi, trending, trendScale, popular, popularScale);
      return;
    }
    List<Recommendation> ranked;
    if (popularScale == 0) {
      ranked = trending.ranked();
    } else if (trendScale == 0) {
      ranked = popular.ranked();
    } else {
      ranked = BestOfSums.of(trending, trendScale, popular, popularScale, k, candidates.keySet(), exclude);
    }
    addLed(candidates, all, k, exclude, ranked, p -> trendScale * trending.score(p),
        p -> popularScale * popular.score(p));
  }

  /**
   * Adds the first {@code k} products of {@code ranked} that are neither excluded nor candidates, led by no item:
   * scored by their trend and popularity parts, popular-led when the second is the larger.
   */
  private static void addLed(Map<String, Candidate> candidates, List<Candidate> all, int k, Set<String> exclude,
      List<Recommendation> ranked, ToDoubleFunction<String> trendPart, ToDoubleFunction<String> popularPart) {
    int added = 0;
    for (Recommendation t : ranked) {
      if (added >= k) {
        break;
      }
      if (exclude.contains(t.productId()) || candidates.containsKey(t.productId())) {
        continue;
      }
      double trend = trendPart.applyAsDouble(t.productId());
      double pop = popularPart.applyAsDouble(t.productId());
      Candidate c = new Candidate(t.productId(), trend + pop, null, false);
      c.trendLed = true;
      c.popularLed = pop > trend;
      all.add(c);
      added++;
    }
  }

  /**
   * With the learned factors every item they score is a candidate: adds those neither excluded nor candidates yet,
   * scored by their trend, popularity and factor parts; factor-led (explained by the history item that contributed
   * most to the factor score) when the factor part is the largest and the user has a history, else as
   * {@link #addLed} marks them. Only an item that can be among the {@code k} best is added ({@link KthBest}: the
   * ranking is the same), and the parts are read from the scores' {@link FactorModel.Priors} when they were
   * computed for these lists (serving's snapshot), else looked up.
   */
  private static void addFactorLed(Map<String, Candidate> candidates, List<Candidate> all, int k,
      Set<String> exclude, FactorModel.Scores factors, double phi, Trending trending, double trendScale,
      Trending popular, double popularScale) {
    FactorModel.Priors priors = factors.priors();
    boolean read = priors != null && priors.trendingList() == trending && priors.popularList() == popular;
    KthBest best = KthBest.of(k, all.size() + factors.size());
    double bound = trendScale * trending.max() + popularScale * popular.max(); // the most the lists add
    double cut = Double.NEGATIVE_INFINITY; // an item scoring below it in the factors alone cannot be admitted
    if (best != null) {
      all.forEach(c -> best.add(c.score));
      cut = best.rawCut(bound, phi, factors.max());
    }
    for (int i = 0; i < factors.size(); i++) {
      if (factors.raw(i) < cut) {
        continue;
      }
      String id = factors.id(i);
      double trend = trendScale * (read ? priors.trend()[i] : trending.score(id));
      double pop = popularScale * (read ? priors.popular()[i] : popular.score(id));
      double factor = phi * factors.relative(i);
      double score = trend + pop + factor;
      if (best != null && !best.admits(score) || exclude.contains(id) || candidates.containsKey(id)) {
        continue;
      }
      Candidate c = new Candidate(id, score, null, false);
      c.factorLed = factor >= trend && factor >= pop && factors.hasHistory(); // explained once kept
      c.trendLed = !c.factorLed;
      c.popularLed = pop > trend;
      all.add(c);
      if (best != null) {
        best.add(score);
        cut = best.rawCut(bound, phi, factors.max());
      }
    }
  }

  /**
   * A candidate of {@link #forUser} being scored: its sum so far, its largest term, that term's item and whether it
   * was a next term.
   */
  private static final class Candidate {
    static final Comparator<Candidate> BEST_FIRST = (a, b) -> {
      int byScore = Double.compare(b.score, a.score);
      return byScore != 0 ? byScore : a.productId.compareTo(b.productId);
    };

    final String productId;
    double score;
    double bestTerm;
    String source;
    boolean sourceNext;
    boolean trendLed;
    boolean popularLed;
    boolean factorLed;

    Candidate(String productId, double term, String from, boolean next) {
      this.productId = productId;
      this.score = term;
      this.bestTerm = term;
      this.source = from;
      this.sourceNext = next;
    }

    void add(double term, String from, boolean next) {
      score += term;
      if (term > bestTerm) { // the first of equal terms stays the source
        bestTerm = term;
        source = from;
        sourceNext = next;
      }
    }
  }


  /** The {@code k} best candidates for a set of items, best first (score, then id), each explained. */
  public static List<Explained> forItems(Recommender recommender, Collection<String> items,
      Map<Signal, Double> signalWeights, int k, Set<String> exclude) {
    return forItems(recommender, items, signalWeights, 0, k, exclude);
  }

  /**
   * {@link #forItems(Recommender, Collection, Map, int, Set)} with the items weighed by their order: the one
   * {@code p} places before the last weighs {@code (1 + p)^−recencyOrder} ({@link ModelConfig#cartRecencyOrder});
   * an item listed twice counts once, at its last place.
   */
  public static List<Explained> forItems(Recommender recommender, Collection<String> items,
      Map<Signal, Double> signalWeights, double recencyOrder, int k, Set<String> exclude) {
    int perItem = recommender.config().maxNeighborsPerItem();
    Set<String> inputs = new LinkedHashSet<>(items);
    Map<String, Integer> placesBeforeLast = recencyOrder == 0 ? Map.of() : placesBeforeLast(items);
    Map<String, double[]> scores = new HashMap<>(); // {score, best term}
    Map<String, String> source = new HashMap<>();
    Map<String, Signal> sourceSignal = new HashMap<>();
    for (String item : inputs) { // in their first order, so that the first of equal terms stays the source
      double itemWeight = recencyOrder == 0 ? 1 : Math.pow(1 + placesBeforeLast.get(item), -recencyOrder);
      for (Map.Entry<Signal, Double> s : signalWeights.entrySet()) {
        if (s.getValue() <= 0) {
          continue;
        }
        for (Neighbor n : recommender.neighbors(item, perItem, s.getKey())) {
          String c = n.productId();
          if (inputs.contains(c) || exclude.contains(c)) {
            continue;
          }
          double term = itemWeight * s.getValue() * n.score();
          double[] acc = scores.computeIfAbsent(c, x -> new double[] {0, Double.NEGATIVE_INFINITY});
          acc[0] += term;
          if (term > acc[1]) {
            acc[1] = term;
            source.put(c, item);
            sourceSignal.put(c, s.getKey());
          }
        }
      }
    }
    List<Explained> out = new ArrayList<>(scores.size());
    scores.forEach((c, acc) -> {
      if (acc[0] > 0) {
        out.add(new Explained(c, acc[0], source.get(c), sourceSignal.get(c)));
      }
    });
    return TopK.first(out, k, BEST_FIRST);
  }

  /** Each item's place counted back from the last one (0 = the last), an item listed twice at its last place. */
  private static Map<String, Integer> placesBeforeLast(Collection<String> items) {
    List<String> newestFirst = new ArrayList<>(items);
    Collections.reverse(newestFirst);
    Map<String, Integer> places = new HashMap<>();
    for (String item : newestFirst) {
      places.putIfAbsent(item, places.size());
    }
    return places;
  }

  /** Co-view only: "others you may like". */
  public static Map<Signal, Double> similarWeights() {
    return Map.of(Signal.CO_VIEW, 1.0);
  }

  /**
   * "Frequently bought together": co_purchase at 1 and co_cart at {@code w(add_to_cart) / w(purchase)} of the
   * config (a shared cart is weaker evidence than a shared purchase by the model's own type weights), and the
   * {@code next} neighbours (what shoppers took next after the given items) at {@link ModelConfig#itemNextWeight}
   * when it is above 0.
   */
  public static Map<Signal, Double> boughtTogetherWeights(ModelConfig config) {
    Map<Signal, Double> w = new EnumMap<>(Signal.class);
    w.put(Signal.CO_PURCHASE, 1.0);
    w.put(Signal.CO_CART, config.purchaseWeight() > 0
        ? Math.min(1.0, config.addToCartWeight() / config.purchaseWeight()) : 1.0);
    if (config.itemNextWeight() > 0) {
      w.put(Signal.NEXT, config.itemNextWeight());
    }
    return w;
  }

  /** The strongest same-type signal linking {@code source} to {@code candidate}: a scan of up to three lists. */
  private static Signal evidence(Recommender recommender, String source, String candidate) {
    int perItem = recommender.config().maxNeighborsPerItem();
    for (Signal s : EVIDENCE_ORDER) {
      for (Neighbor n : recommender.neighbors(source, perItem, s)) {
        if (n.productId().equals(candidate)) {
          return s;
        }
      }
    }
    return Signal.COMBINED;
  }
}
