package dev.shopstream.model;

import dev.shopstream.contract.EventType;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The shop's trending products at one moment, best first: {@code trend(c)} is the event-type-weighted count of
 * c's interactions in the trending window (serving reads it from {@code product_trends}, evaluation counts it in
 * the training log with {@link #fromInteractions}). The blend of
 * {@link ExplainedRecommendations#forUser(Recommender, java.util.Collection, int, java.util.Set, Trending)} uses
 * it; only positive scores are kept.
 */
public final class Trending {
  /** The window serving's trending list covers by default ({@code TRENDING_WINDOW}), and evaluation's. */
  public static final Duration DEFAULT_WINDOW = Duration.ofDays(7);

  private static final Trending NONE = new Trending(List.of());

  private final List<Recommendation> ranked;
  private final Map<String, Double> scores;
  private final double max;

  private Trending(List<Recommendation> ranked) {
    this.ranked = ranked;
    this.scores = new HashMap<>(ranked.size() * 2);
    double m = 0;
    for (Recommendation r : ranked) {
      scores.put(r.productId(), r.score());
      m = Math.max(m, r.score());
    }
    this.max = m;
  }

  /** No trending products: the blend is then co-occurrence only. */
  public static Trending none() {
    return NONE;
  }

  /**
   * From scores in any order (one per product; a product listed twice keeps its first score); non-positive and
   * non-finite scores are left out. Ranked by score descending, then product id.
   */
  public static Trending of(List<Recommendation> scores) {
    Map<String, Recommendation> unique = new HashMap<>(scores.size() * 2);
    for (Recommendation r : scores) {
      if (r.score() > 0 && Double.isFinite(r.score())) {
        unique.putIfAbsent(r.productId(), r);
      }
    }
    if (unique.isEmpty()) {
      return NONE;
    }
    List<Recommendation> ranked = new ArrayList<>(unique.values());
    ranked.sort(Recommender.BEST_FIRST);
    return new Trending(Collections.unmodifiableList(ranked));
  }

  /**
   * Trending as of {@code asOf}: for each product, {@code Σ w(type)} over the interactions with a time in
   * {@code (asOf − window, asOf]} (the weights of {@code config}; search and remove_from_cart weigh 0).
   */
  public static Trending fromInteractions(Iterable<Interaction> interactions, Instant asOf, Duration window,
      ModelConfig config) {
    if (window.isNegative() || window.isZero()) {
      throw new IllegalArgumentException("the trending window must be positive, was " + window);
    }
    Instant from = asOf.minus(window);
    Map<String, Double> sums = new HashMap<>();
    for (Interaction i : interactions) {
      EventType type = i.type();
      double w = config.weight(type);
      if (w > 0 && i.time().isAfter(from) && !i.time().isAfter(asOf)) {
        sums.merge(i.productId(), w, Double::sum);
      }
    }
    List<Recommendation> list = new ArrayList<>(sums.size());
    sums.forEach((id, s) -> list.add(new Recommendation(id, s)));
    return of(list);
  }

  /** Best first: score descending, then product id. */
  public List<Recommendation> ranked() {
    return ranked;
  }

  /** {@code trend(c)}; 0 for a product not trending. */
  public double score(String productId) {
    return scores.getOrDefault(productId, 0.0);
  }

  /** The largest score (0 when none). */
  public double max() {
    return max;
  }

  public boolean isEmpty() {
    return ranked.isEmpty();
  }
}
