package dev.shopstream.model;

import dev.shopstream.contract.EventType;
import java.io.Serializable;
import java.time.Duration;
import java.util.Objects;

/**
 * Every parameter of the item-to-item model.
 *
 * <ul>
 *   <li>{@code viewWeight}, {@code addToCartWeight}, {@code purchaseWeight}: weight {@code w(t)} of an interaction
 *       type; search and remove_from_cart always weigh 0 (not co-occurrence signals).
 *   <li>{@code halfLife}: the exponential decay {@code decay(Δt) = 0.5^(Δt / halfLife)} applied to a pair of
 *       interactions {@code Δt} apart, and to a recent item's age in {@link Recommender#recommendForUser};
 *       {@link Duration#ZERO} means no decay (always 1).
 *   <li>{@code userHorizon}: interactions further apart than this never co-occur; a user's recent items older than
 *       this before their newest are forgotten.
 *   <li>{@code maxItemsPerUser}: the bound of a user's recent items (the purchased list keeps at least
 *       {@link UserHistory#MIN_PURCHASED_KEPT}).
 *   <li>{@code maxNeighborsPerItem}: the candidate neighbours tracked per item; beyond it the candidate with the
 *       smallest combined co-count is evicted.
 *   <li>{@code topK}: neighbours published per item and signal.
 *   <li>{@code similarity}: the normalization of co-counts.
 *   <li>{@code pairWeightMode}: {@code f(type A, type B)}: {@link PairWeight#MIN} = {@code min(w(A), w(B))} (a pair
 *       is as strong as its weaker interaction), {@link PairWeight#PRODUCT} = {@code w(A) · w(B)}.
 *   <li>{@code trendWeight}: β of the blend of a user's recommendations with trending
 *       ({@link ExplainedRecommendations#forUser(Recommender, java.util.Collection, int, java.util.Set, Trending)}):
 *       {@code score(c) = personal(c) / max personal + β × trend(c) / max trend}; 0 = co-occurrence only.
 * </ul>
 */
public record ModelConfig(
    double viewWeight,
    double addToCartWeight,
    double purchaseWeight,
    Duration halfLife,
    Duration userHorizon,
    int maxItemsPerUser,
    int maxNeighborsPerItem,
    int topK,
    Similarity similarity,
    PairWeight pairWeightMode,
    double trendWeight) implements Serializable {

  /** How the weights of the two interactions of a pair combine. */
  public enum PairWeight { MIN, PRODUCT }

  public ModelConfig {
    Objects.requireNonNull(halfLife, "halfLife");
    Objects.requireNonNull(userHorizon, "userHorizon");
    Objects.requireNonNull(similarity, "similarity");
    Objects.requireNonNull(pairWeightMode, "pairWeightMode");
    if (viewWeight < 0 || addToCartWeight < 0 || purchaseWeight < 0) {
      throw new IllegalArgumentException("weights must be >= 0");
    }
    if (!(trendWeight >= 0) || Double.isInfinite(trendWeight)) {
      throw new IllegalArgumentException("trendWeight must be finite and >= 0, was " + trendWeight);
    }
    if (halfLife.isNegative() || userHorizon.isNegative() || userHorizon.isZero()) {
      throw new IllegalArgumentException("halfLife must be >= 0 and userHorizon > 0");
    }
    if (maxItemsPerUser < 1 || maxNeighborsPerItem < 1 || topK < 1) {
      throw new IllegalArgumentException("maxItemsPerUser, maxNeighborsPerItem and topK must be >= 1");
    }
  }

  /**
   * The default trend weight: chosen on the Online Retail validation split by the tuner's one-standard-error rule
   * (weight 4 scored best, 2 within one standard error of it with four times the catalog coverage; 0 scored 0.32
   * against 0.50: docs/EVALUATION.md).
   */
  public static final double DEFAULT_TREND_WEIGHT = 2;

  /**
   * The defaults: view 1, add_to_cart 3, purchase 5, half-life 1 h, horizon 30 days, 20 recent items per user, 200
   * candidates per item, top 20, Jaccard, f = min, trend weight {@value #DEFAULT_TREND_WEIGHT}. Horizon, items per
   * user, candidates, similarity and trend weight are the values tuned on the Online Retail validation split
   * (docs/EVALUATION.md); the event-type weights could not be tuned there (purchases only).
   */
  public static ModelConfig defaults() {
    return new ModelConfig(1, 3, 5, Duration.ofHours(1), Duration.ofDays(30), 20, 200, 20, Similarity.JACCARD,
        PairWeight.MIN, DEFAULT_TREND_WEIGHT);
  }

  /**
   * The item-kNN baseline on the same store: every co-occurrence type weighs 1, no decay, plain cosine — so
   * {@code c(a,b)} counts pairs of interactions and the score is the cosine of binary co-occurrence.
   */
  public static ModelConfig itemKnnBaseline() {
    return new ModelConfig(1, 1, 1, Duration.ZERO, Duration.ofHours(24), 50, 100, 20, Similarity.COSINE,
        PairWeight.MIN, 0);
  }

  public double weight(EventType type) {
    return switch (type) {
      case VIEW -> viewWeight;
      case ADD_TO_CART -> addToCartWeight;
      case PURCHASE -> purchaseWeight;
      case SEARCH, REMOVE_FROM_CART -> 0;
    };
  }

  /** {@code f(type A, type B)}. */
  public double pairWeight(EventType a, EventType b) {
    double wa = weight(a);
    double wb = weight(b);
    return pairWeightMode == PairWeight.MIN ? Math.min(wa, wb) : wa * wb;
  }

  /** {@code 0.5^(|Δt| / halfLife)}; 1 without decay. */
  public double decay(Duration delta) {
    if (halfLife.isZero()) {
      return 1;
    }
    double seconds = Math.abs(delta.toNanos() / 1e9);
    return Math.pow(0.5, seconds / (halfLife.toNanos() / 1e9));
  }

  public ModelConfig withWeights(double view, double addToCart, double purchase) {
    return new ModelConfig(view, addToCart, purchase, halfLife, userHorizon, maxItemsPerUser, maxNeighborsPerItem,
        topK, similarity, pairWeightMode, trendWeight);
  }

  public ModelConfig withHalfLife(Duration value) {
    return new ModelConfig(viewWeight, addToCartWeight, purchaseWeight, value, userHorizon, maxItemsPerUser,
        maxNeighborsPerItem, topK, similarity, pairWeightMode, trendWeight);
  }

  public ModelConfig withUserHorizon(Duration value) {
    return new ModelConfig(viewWeight, addToCartWeight, purchaseWeight, halfLife, value, maxItemsPerUser,
        maxNeighborsPerItem, topK, similarity, pairWeightMode, trendWeight);
  }

  public ModelConfig withMaxItemsPerUser(int value) {
    return new ModelConfig(viewWeight, addToCartWeight, purchaseWeight, halfLife, userHorizon, value,
        maxNeighborsPerItem, topK, similarity, pairWeightMode, trendWeight);
  }

  public ModelConfig withMaxNeighborsPerItem(int value) {
    return new ModelConfig(viewWeight, addToCartWeight, purchaseWeight, halfLife, userHorizon, maxItemsPerUser,
        value, topK, similarity, pairWeightMode, trendWeight);
  }

  public ModelConfig withTopK(int value) {
    return new ModelConfig(viewWeight, addToCartWeight, purchaseWeight, halfLife, userHorizon, maxItemsPerUser,
        maxNeighborsPerItem, value, similarity, pairWeightMode, trendWeight);
  }

  public ModelConfig withSimilarity(Similarity value) {
    return new ModelConfig(viewWeight, addToCartWeight, purchaseWeight, halfLife, userHorizon, maxItemsPerUser,
        maxNeighborsPerItem, topK, value, pairWeightMode, trendWeight);
  }

  public ModelConfig withTrendWeight(double value) {
    return new ModelConfig(viewWeight, addToCartWeight, purchaseWeight, halfLife, userHorizon, maxItemsPerUser,
        maxNeighborsPerItem, topK, similarity, pairWeightMode, value);
  }

  public ModelConfig withPairWeight(PairWeight value) {
    return new ModelConfig(viewWeight, addToCartWeight, purchaseWeight, halfLife, userHorizon, maxItemsPerUser,
        maxNeighborsPerItem, topK, similarity, value, trendWeight);
  }
}
