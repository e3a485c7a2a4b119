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
 *       {@code score(c) = personal(c) / max personal + β × fade × trend(c) / max trend + π × trend(c) / max trend};
 *       0 = co-occurrence only.
 *   <li>{@code nextSteps}: how many of a user's previous interactions (distinct products, newest first) an
 *       interaction is a transition from, for the directed {@link Signal#NEXT} signal; the transition from the one
 *       {@code d} steps back weighs {@code f(types) × decay(Δt) / d} (the "sequential rules" of Ludewig &amp;
 *       Jannach, 2018); 0 = no transitions.
 *   <li>{@code nextWeight}: γ, the weight of a recent item's {@code next} neighbours against its {@code combined}
 *       ones in a user's score: {@code personal(c) = Σ_i w_i × (sim(i, c) + γ × sim_next(i, c) / (1 + p_i))},
 *       {@code p_i} the item's position among the recent items (0 = the newest): what comes next follows the
 *       last item most.
 *   <li>{@code recencyOrder}: ρ, recent items weigh {@code (1 + p_i)^−ρ} by their order (0 = by time decay only).
 *   <li>{@code sessionGap}: the inactivity that ends a session (30 minutes, the usual web-analytics timeout):
 *       the trend weight β fades linearly from 0 for a user active right now to full for one inactive this long
 *       ({@code fade = min(1, (now − newest) / sessionGap)}); {@link Duration#ZERO} = no fading.
 *   <li>{@code popularityWeight}: π, a prior of all-time popularity that does not fade: an item with no link to the
 *       user's items still ranks above one nobody takes. Popularity is each product's event-type-weighted count of
 *       interactions over the last {@code popularityWindow} (a year), not the trending window's.
 *   <li>{@code itemNextWeight}: ν, the weight of the {@code next} neighbours in the recommendations of given items
 *       (frequently bought together with a product or with a cart: {@link ExplainedRecommendations#forItems}),
 *       beside co-purchase at 1: what shoppers took next after the cart's items, as well as what they took with
 *       them.
 *   <li>{@code factorWeight}: φ, the weight of the learned factors ({@link FactorModel}, trained online by BPR) in
 *       the blend: {@code + φ × fade × exp(s(c) − max s)}, the item's factor score relative to the best item's,
 *       fading mid-session as the trend weight does (the same {@link #trendFade}); 0 = no factors, and the
 *       ranking is exactly what it was without them (as it is with no factor scores). The default, 4, was chosen
 *       on the validation splits with {@link FactorConfig}'s default replay; the generated shop of
 *       {@code EndToEndTest} passes at it, and serving reads the embeddings the pipeline trains
 *       ({@code item_factors}).
 *   <li>{@code cartRecencyOrder}: ρ_cart, a cart's items weigh {@code (1 + p)^−ρ_cart} in its recommendations
 *       ({@link ExplainedRecommendations#forItems(Recommender, java.util.Collection, java.util.Map, double, int,
 *       java.util.Set)}),
 *       {@code p} the item's position counted from the cart's last item (0 = the last one added): what the shopper
 *       added last says most about what they take next; 0 = every item alike.
 *   <li>{@code sessionRecencyOrder}: ρ_session, the order weighting a user's recent items get while they are
 *       mid-session, on top of ρ: {@code (1 + p_i)^−(ρ + ρ_session × (1 − fade))}, full for a user active right now
 *       and gone for one away for the session gap (the position-weighted session kNN, V-SKNN, of Ludewig &amp;
 *       Jannach 2018): mid-visit the sequence is the question, for a returning user their standing taste.
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
    double trendWeight,
    int nextSteps,
    double nextWeight,
    double recencyOrder,
    Duration sessionGap,
    double popularityWeight,
    Duration popularityWindow,
    double itemNextWeight,
    double factorWeight,
    double cartRecencyOrder,
    double sessionRecencyOrder) implements Serializable {

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
    Objects.requireNonNull(sessionGap, "sessionGap");
    Objects.requireNonNull(popularityWindow, "popularityWindow");
    if (popularityWindow.toSeconds() < 1) {
      throw new IllegalArgumentException("popularityWindow must be at least one second, was " + popularityWindow);
    }
    for (double w : new double[] {trendWeight, nextWeight, recencyOrder, popularityWeight, itemNextWeight,
        factorWeight, cartRecencyOrder, sessionRecencyOrder}) {
      if (!(w >= 0) || Double.isInfinite(w)) {
        throw new IllegalArgumentException("trendWeight, nextWeight, recencyOrder, popularityWeight, itemNextWeight,"
            + " factorWeight, cartRecencyOrder and sessionRecencyOrder must be finite and >= 0, was " + w);
      }
    }
    if (nextSteps < 0 || sessionGap.isNegative()) {
      throw new IllegalArgumentException("nextSteps and sessionGap must be >= 0");
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

  /** Transitions from the 10 previous interactions, weighted 1 / distance (sequential rules, steps = 10). */
  public static final int DEFAULT_NEXT_STEPS = 10;
  /**
   * γ = 16, with the next signal scored by confidence ({@link Signal#scoredBy}): chosen on the validation split of
   * protocol (c) (next item in a session: HR@20 0.2677 with γ = 0, 0.3092 with 2, 0.3212 with 4, 0.3296 with 8,
   * 0.3358 with 16, standard error 0.0024); on the test splits of (a) and (b) it is within one standard error of γ = 4
   * (docs/EVALUATION.md).
   */
  public static final double DEFAULT_NEXT_WEIGHT = 16;
  public static final double DEFAULT_RECENCY_ORDER = 0;
  /**
   * 30 minutes: the usual inactivity timeout that ends a web session (web analytics, and the session-based
   * recommendation literature's session split, evaluation protocol (c)); not fitted to a log. On the Online Retail
   * validation split of protocol (a) it changes nothing (HR@10 0.5036 with and without: docs/EVALUATION.md).
   */
  public static final Duration DEFAULT_SESSION_GAP = Duration.ofMinutes(30);
  public static final double DEFAULT_POPULARITY_WEIGHT = 0.1;
  /**
   * A year: the popularity prior counts every interaction of the last 365 days (serving: of the {@code events}
   * table before the newest trend window; evaluation: of the training log before its newest interaction), so a
   * product's standing follows the whole seasonal cycle rather than the last week's trending.
   */
  public static final Duration DEFAULT_POPULARITY_WINDOW = Duration.ofDays(365);
  /**
   * ν = 4: chosen on the validation split of protocol (c) (next item in a session) for the cart endpoint (the
   * session so far as the cart: HR@20 0.2268 with ν = 0, 0.2460 with 4, 0.2473 with 16, standard error 0.0022) and
   * the product endpoint (the last item: 0.3063, 0.3131, 0.3113; best 0.3135 with 1): the values within one standard
   * error of the best on both are 4 and 16, and 4 loses less in all (docs/EVALUATION.md).
   */
  public static final double DEFAULT_ITEM_NEXT_WEIGHT = 4;
  /**
   * φ = 4: chosen on Online Retail's validation splits with {@link FactorConfig}'s default replay; on the test
   * splits (a) HR@10 0.4013 against 0.3695 for φ = 0, (b) 0.4815 against 0.4030, and the generated shop of
   * {@code EndToEndTest} passes (0.98 with replay). The default since serving reads the embeddings the pipeline
   * trains ({@code item_factors}); with no factor rows the ranking is what it was without them. Set it per shop
   * from {@code --tune --tune-params=factor_weight} (docs/EVALUATION.md, "Learned factors trained online").
   */
  public static final double DEFAULT_FACTOR_WEIGHT = 4;
  /**
   * ρ_cart = 1, the cart's last item at 1, the one before at 1/2, then 1/3...: chosen on the validation split of
   * protocol (c) for the cart endpoint (the session so far as the cart, ν = 4: HR@20 0.2460 with ρ_cart = 0, 0.3210
   * with 0.5, 0.3416 with 1, 0.3355 with 2, 0.3188 with 4, standard error 0.0024); the harmonic weights of the next
   * signal's own {@code 1 / distance} (docs/EVALUATION.md).
   */
  public static final double DEFAULT_CART_RECENCY_ORDER = 1;
  /**
   * ρ_session = 0.5: chosen on the validation split of protocol (c) (next item in a session: HR@20 0.3335 with 0,
   * 0.3384 with 0.5, 0.3352 with 1, 0.3239 with 2, standard error 0.0024); on the validation splits of (a) and (b),
   * where a user is rarely mid-session, it changes nothing ((a) 0.5036 both, (b) 0.3739 → 0.3749;
   * docs/EVALUATION.md).
   */
  public static final double DEFAULT_SESSION_RECENCY_ORDER = 0.5;

  /**
   * The defaults: view 1, add_to_cart 3, purchase 5, half-life 1 h, horizon 30 days, 20 recent items per user, 200
   * candidates per item, top 20, Jaccard, f = min, trend weight {@value #DEFAULT_TREND_WEIGHT} fading within a
   * 30-minute session gap, transitions from {@value #DEFAULT_NEXT_STEPS} steps back, next weight
   * {@value #DEFAULT_NEXT_WEIGHT}, no recency order, popularity prior {@value #DEFAULT_POPULARITY_WEIGHT}, the
   * learned factors at φ = {@value #DEFAULT_FACTOR_WEIGHT}, the next signal at {@value #DEFAULT_ITEM_NEXT_WEIGHT}
   * in the item endpoints, a cart's items weighed by their order (ρ_cart = {@value #DEFAULT_CART_RECENCY_ORDER}),
   * a mid-session user's too (ρ_session = {@value #DEFAULT_SESSION_RECENCY_ORDER}). Horizon, items per user,
   * candidates, similarity, trend weight, next weight, recency order, popularity prior, φ, ν, ρ_cart and ρ_session are
   * the values chosen on the Online Retail validation splits (docs/EVALUATION.md); the event-type weights could not be tuned there (purchases
   * only).
   */
  public static ModelConfig defaults() {
    return new ModelConfig(1, 3, 5, Duration.ofHours(1), Duration.ofDays(30), 20, 200, 20, Similarity.JACCARD,
        PairWeight.MIN, DEFAULT_TREND_WEIGHT, DEFAULT_NEXT_STEPS, DEFAULT_NEXT_WEIGHT, DEFAULT_RECENCY_ORDER,
        DEFAULT_SESSION_GAP, DEFAULT_POPULARITY_WEIGHT, DEFAULT_POPULARITY_WINDOW, DEFAULT_ITEM_NEXT_WEIGHT,
        DEFAULT_FACTOR_WEIGHT, DEFAULT_CART_RECENCY_ORDER, DEFAULT_SESSION_RECENCY_ORDER);
  }

  /**
   * The item-kNN baseline on the same store: every co-occurrence type weighs 1, no decay, plain cosine — so
   * {@code c(a,b)} counts pairs of interactions and the score is the cosine of binary co-occurrence.
   */
  public static ModelConfig itemKnnBaseline() {
    return builder().weights(1, 1, 1).halfLife(Duration.ZERO).userHorizon(Duration.ofHours(24)).maxItemsPerUser(50)
        .maxNeighborsPerItem(100).topK(20).similarity(Similarity.COSINE).pairWeight(PairWeight.MIN).trendWeight(0)
        .nextSteps(0).nextWeight(0).recencyOrder(0).sessionGap(Duration.ZERO).popularityWeight(0).itemNextWeight(0)
        .factorWeight(0).cartRecencyOrder(0).sessionRecencyOrder(0).build();
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

  /** A builder starting from {@link #defaults()}. */
  public static Builder builder() {
    return new Builder(defaults());
  }

  /** A builder starting from this config. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /**
   * Sets any of the parameters (each setter returns the builder); {@link #build} checks them as the constructor
   * does. {@code ModelConfig.defaults().toBuilder().trendWeight(0).build()}.
   */
  public static final class Builder {
    private double viewWeight;
    private double addToCartWeight;
    private double purchaseWeight;
    private Duration halfLife;
    private Duration userHorizon;
    private int maxItemsPerUser;
    private int maxNeighborsPerItem;
    private int topK;
    private Similarity similarity;
    private PairWeight pairWeightMode;
    private double trendWeight;
    private int nextSteps;
    private double nextWeight;
    private double recencyOrder;
    private Duration sessionGap;
    private double popularityWeight;
    private Duration popularityWindow;
    private double itemNextWeight;
    private double cartRecencyOrder;
    private double sessionRecencyOrder;
    private double factorWeight;

    private Builder(ModelConfig c) {
      viewWeight = c.viewWeight;
      addToCartWeight = c.addToCartWeight;
      purchaseWeight = c.purchaseWeight;
      halfLife = c.halfLife;
      userHorizon = c.userHorizon;
      maxItemsPerUser = c.maxItemsPerUser;
      maxNeighborsPerItem = c.maxNeighborsPerItem;
      topK = c.topK;
      similarity = c.similarity;
      pairWeightMode = c.pairWeightMode;
      trendWeight = c.trendWeight;
      nextSteps = c.nextSteps;
      nextWeight = c.nextWeight;
      recencyOrder = c.recencyOrder;
      sessionGap = c.sessionGap;
      popularityWeight = c.popularityWeight;
      popularityWindow = c.popularityWindow;
      itemNextWeight = c.itemNextWeight;
      cartRecencyOrder = c.cartRecencyOrder;
      sessionRecencyOrder = c.sessionRecencyOrder;
      factorWeight = c.factorWeight;
    }

    /** The three event-type weights at once. */
    public Builder weights(double view, double addToCart, double purchase) {
      return viewWeight(view).addToCartWeight(addToCart).purchaseWeight(purchase);
    }

    public Builder viewWeight(double value) {
      viewWeight = value;
      return this;
    }

    public Builder addToCartWeight(double value) {
      addToCartWeight = value;
      return this;
    }

    public Builder purchaseWeight(double value) {
      purchaseWeight = value;
      return this;
    }

    public Builder halfLife(Duration value) {
      halfLife = value;
      return this;
    }

    public Builder userHorizon(Duration value) {
      userHorizon = value;
      return this;
    }

    public Builder maxItemsPerUser(int value) {
      maxItemsPerUser = value;
      return this;
    }

    public Builder maxNeighborsPerItem(int value) {
      maxNeighborsPerItem = value;
      return this;
    }

    public Builder topK(int value) {
      topK = value;
      return this;
    }

    public Builder similarity(Similarity value) {
      similarity = value;
      return this;
    }

    public Builder pairWeight(PairWeight value) {
      pairWeightMode = value;
      return this;
    }

    public Builder trendWeight(double value) {
      trendWeight = value;
      return this;
    }

    public Builder nextSteps(int value) {
      nextSteps = value;
      return this;
    }

    public Builder nextWeight(double value) {
      nextWeight = value;
      return this;
    }

    public Builder recencyOrder(double value) {
      recencyOrder = value;
      return this;
    }

    public Builder sessionGap(Duration value) {
      sessionGap = value;
      return this;
    }

    public Builder popularityWeight(double value) {
      popularityWeight = value;
      return this;
    }

    public Builder popularityWindow(Duration value) {
      popularityWindow = value;
      return this;
    }

    public Builder itemNextWeight(double value) {
      itemNextWeight = value;
      return this;
    }

    public Builder factorWeight(double value) {
      factorWeight = value;
      return this;
    }

    public Builder cartRecencyOrder(double value) {
      cartRecencyOrder = value;
      return this;
    }

    public Builder sessionRecencyOrder(double value) {
      sessionRecencyOrder = value;
      return this;
    }

    /** The config; fails with {@link IllegalArgumentException} or {@link NullPointerException} as the constructor. */
    public ModelConfig build() {
      return new ModelConfig(viewWeight, addToCartWeight, purchaseWeight, halfLife, userHorizon, maxItemsPerUser,
          maxNeighborsPerItem, topK, similarity, pairWeightMode, trendWeight, nextSteps, nextWeight, recencyOrder,
          sessionGap, popularityWeight, popularityWindow, itemNextWeight, factorWeight, cartRecencyOrder,
          sessionRecencyOrder);
    }
  }

  /** {@code 1 / distance} for a transition from {@code distance} steps back, 0 beyond {@code nextSteps}. */
  public double nextStepWeight(int distance) {
    return distance >= 1 && distance <= nextSteps ? 1.0 / distance : 0;
  }

  /**
   * The share of the trend weight for a user whose newest interaction is {@code sinceNewest} before the request:
   * {@code min(1, sinceNewest / sessionGap)}; 1 without a session gap.
   */
  public double trendFade(Duration sinceNewest) {
    if (sessionGap.isZero() || sinceNewest == null) {
      return 1;
    }
    if (sinceNewest.isNegative()) {
      return 0;
    }
    return Math.min(1, sinceNewest.toNanos() / (double) sessionGap.toNanos());
  }

  /** {@code (1 + position)^−ρ}: the weight of the recent item at {@code position} (0 = newest) by its order. */
  public double orderWeight(int position) {
    return recencyOrder == 0 ? 1 : Math.pow(1 + position, -recencyOrder);
  }

  /**
   * {@code (1 + position)^−(ρ + ρ_session × (1 − fade))}: the weight by its order of the recent item at
   * {@code position} (0 = newest) for a user whose trend fade is {@code fade} ({@link #trendFade}: 0 mid-session,
   * 1 for a returning user).
   */
  public double orderWeight(int position, double fade) {
    double order = recencyOrder + sessionRecencyOrder * (1 - fade);
    return order == 0 ? 1 : Math.pow(1 + position, -order);
  }
}
