package dev.shopstream.evaluation;

import dev.shopstream.contract.EventType;
import dev.shopstream.model.ModelConfig;
import dev.shopstream.model.Similarity;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.logging.Logger;

/**
 * Tunes the model by coordinate descent on a validation split: starting from a config, each parameter in turn
 * takes each of its candidate values (the others fixed), and a value replaces the current one only when its HR@k
 * is higher by more than one standard error of the current HR@k ({@code sqrt(h (1 − h) / trials)}), so noise does
 * not move the defaults; among such values the best (HR@k, then NDCG@k) wins. Passes repeat until one changes
 * nothing (at most {@code maxPasses}). Last, the trend weight is set to the smallest candidate whose HR@k is within
 * one standard error of the best trend weight's (the one-standard-error rule): trending adds no clear gain beyond
 * it, and a smaller weight keeps recommendations personal and the catalog covered.
 *
 * <p>The validation split is the protocol's own split of the training part only ({@link Protocol#trainingPart}),
 * so the test part is never seen. Event-type weights are tuned only for types the log has (purchase stays the
 * unit). Configs that are not sound ({@link #valid}) are skipped.
 */
public final class Tuner {
  private static final Logger LOG = Logger.getLogger(Tuner.class.getName());

  /** One parameter: its name, candidate values and how to set it. */
  record Dimension<T>(String name, List<T> values, BiFunction<ModelConfig.Builder, T, ModelConfig.Builder> set) {
    List<ModelConfig> candidates(ModelConfig c) {
      return values.stream().map(v -> set.apply(c.toBuilder(), v).build()).toList();
    }
  }

  /** A scored config, over {@code trials} validation trials. */
  public record Trial(ModelConfig config, double hitRate, double ndcg, int trials) {
    boolean beats(Trial other) {
      return hitRate > other.hitRate || hitRate == other.hitRate && ndcg > other.ndcg;
    }

    /** The standard error of this HR@k: {@code sqrt(h (1 − h) / trials)}. */
    double standardError() {
      return trials == 0 ? 0 : Math.sqrt(hitRate * (1 - hitRate) / trials);
    }

    /** Higher than {@code current}'s HR@k by more than one of its standard errors. */
    boolean clearlyBeats(Trial current) {
      return hitRate > current.hitRate + current.standardError();
    }
  }

  static final String TREND_WEIGHT = "trend_weight";

  /** The outcome: the best config, every config tried, in order. */
  public record Result(Trial best, List<Trial> trials) {}

  private final Protocol protocol;
  private final int maxPasses;
  private final Duration trendingWindow;

  private final Set<String> only;

  public Tuner(Protocol protocol, int maxPasses, Duration trendingWindow) {
    this(protocol, maxPasses, trendingWindow, Set.of());
  }

  /** Tunes only the parameters named in {@code only} (all when empty); the others keep the start's values. */
  public Tuner(Protocol protocol, int maxPasses, Duration trendingWindow, Set<String> only) {
    this.protocol = protocol;
    this.maxPasses = maxPasses;
    this.trendingWindow = trendingWindow;
    this.only = Set.copyOf(only);
    Set<String> known = new java.util.HashSet<>();
    dimensions(true, true).forEach(d -> known.add(d.name()));
    for (String name : only) {
      if (!known.contains(name)) {
        throw new IllegalArgumentException("unknown parameter to tune: " + name + " (one of " + known + ")");
      }
    }
  }

  /** The parameters tuned, with their candidate values. */
  static List<Dimension<?>> dimensions(boolean views, boolean carts) {
    List<Dimension<?>> d = new ArrayList<>();
    d.add(new Dimension<>("user_horizon", List.of(Duration.ofDays(1), Duration.ofDays(7), Duration.ofDays(30),
        Duration.ofDays(90), Duration.ofDays(365)), ModelConfig.Builder::userHorizon));
    d.add(new Dimension<>("half_life", List.of(Duration.ZERO, Duration.ofHours(1), Duration.ofDays(1),
        Duration.ofDays(7), Duration.ofDays(30)), ModelConfig.Builder::halfLife));
    d.add(new Dimension<>("similarity", List.of(Similarity.values()), ModelConfig.Builder::similarity));
    d.add(new Dimension<>("pair_weight", List.of(ModelConfig.PairWeight.values()), ModelConfig.Builder::pairWeight));
    d.add(new Dimension<>("max_items_per_user", List.of(10, 20, 50, 100), ModelConfig.Builder::maxItemsPerUser));
    d.add(new Dimension<>("max_neighbors_per_item", List.of(20, 50, 100, 200),
        ModelConfig.Builder::maxNeighborsPerItem));
    d.add(new Dimension<>("session_gap", List.of(Duration.ZERO, Duration.ofMinutes(30), Duration.ofHours(2)),
        ModelConfig.Builder::sessionGap));
    d.add(new Dimension<>(TREND_WEIGHT, List.of(0.0, 0.5, 1.0, 2.0, 4.0, 8.0), ModelConfig.Builder::trendWeight));
    d.add(new Dimension<>("next_weight", List.of(0.0, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0), ModelConfig.Builder::nextWeight));
    d.add(new Dimension<>("next_steps", List.of(1, 3, 10), ModelConfig.Builder::nextSteps));
    d.add(new Dimension<>("recency_order", List.of(0.0, 0.5, 1.0), ModelConfig.Builder::recencyOrder));
    d.add(new Dimension<>("popularity_weight", List.of(0.0, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0),
        ModelConfig.Builder::popularityWeight));
    d.add(new Dimension<>("factor_weight", List.of(0.0, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0),
        ModelConfig.Builder::factorWeight));
    if (views) {
      d.add(new Dimension<>("view_weight", List.of(0.25, 0.5, 1.0, 2.0), ModelConfig.Builder::viewWeight));
    }
    if (carts) {
      d.add(new Dimension<>("add_to_cart_weight", List.of(1.0, 2.0, 3.0, 5.0), ModelConfig.Builder::addToCartWeight));
    }
    return d;
  }

  /** Tunes on {@code trainingPart} (the protocol's training part of the full log) from {@code start}. */
  public Result tune(List<UserInteraction> trainingPart, ModelConfig start) {
    boolean views = trainingPart.stream().anyMatch(ui -> ui.interaction().type() == EventType.VIEW);
    boolean carts = trainingPart.stream().anyMatch(ui -> ui.interaction().type() == EventType.ADD_TO_CART);
    Map<ModelConfig, Trial> tried = new LinkedHashMap<>();
    Trial best = score(trainingPart, start, tried);
    List<Dimension<?>> dimensions = new ArrayList<>(dimensions(views, carts));
    dimensions.removeIf(d -> !only.isEmpty() && !only.contains(d.name()));
    for (int pass = 1; pass <= maxPasses; pass++) {
      boolean changed = false;
      for (Dimension<?> dimension : dimensions) {
        Trial current = best;
        for (ModelConfig candidate : dimension.candidates(current.config())) {
          if (!valid(candidate)) {
            continue;
          }
          Trial t = score(trainingPart, candidate, tried);
          if (t.clearlyBeats(current) && t.beats(best)) {
            best = t;
          }
        }
        if (best != current) {
          changed = true;
          LOG.info(String.format("tuning pass %d: %s improves validation HR@%d from %.4f (± %.4f) to %.4f: %s",
              pass, dimension.name(), protocol.k(), current.hitRate(), current.standardError(), best.hitRate(),
              describe(best.config())));
        }
      }
      if (!changed) {
        break;
      }
    }
    Dimension<?> trend = dimensions.stream().filter(d -> d.name().equals(TREND_WEIGHT)).findFirst().orElse(null);
    if (trend == null) {
      LOG.info(String.format("tuning done after %d configs: %s", tried.size(), describe(best.config())));
      return new Result(best, List.copyOf(tried.values()));
    }
    List<Trial> byTrendWeight = new ArrayList<>(List.of(best));
    for (ModelConfig c : trend.candidates(best.config())) {
      byTrendWeight.add(score(trainingPart, c, tried));
    }
    best = smallestTrendWeightWithinOneStandardError(byTrendWeight);
    LOG.info(String.format("tuning done after %d configs: %s", tried.size(), describe(best.config())));
    return new Result(best, List.copyOf(tried.values()));
  }

  /**
   * The one-standard-error rule over trials that differ in the trend weight only: the one with the smallest trend
   * weight whose HR@k is at least the best HR@k minus the best's standard error.
   */
  static Trial smallestTrendWeightWithinOneStandardError(List<Trial> byTrendWeight) {
    Trial top = byTrendWeight.get(0);
    for (Trial t : byTrendWeight) {
      if (t.beats(top)) {
        top = t;
      }
    }
    double floor = top.hitRate() - top.standardError();
    Trial chosen = top;
    for (Trial t : byTrendWeight) {
      if (t.hitRate() >= floor && t.config().trendWeight() < chosen.config().trendWeight()) {
        chosen = t;
      }
    }
    if (chosen != top) {
      LOG.info(String.format("tuning: trend weight %s (validation HR@k %.4f) is within one standard error of the"
              + " best, %s (%.4f ± %.4f): the smaller weight is kept", chosen.config().trendWeight(),
          chosen.hitRate(), top.config().trendWeight(), top.hitRate(), top.standardError()));
    }
    return chosen;
  }

  /**
   * Whether the config is a sound model: Jaccard {@code c / (n(a) + n(b) − c)} assumes {@code c ≤ min(n(a), n(b))},
   * which the product pair weight breaks (two purchases pair with 25 but occur with 5): scores above 1, and 0 for
   * the strongest pairs. That combination is never tried.
   */
  static boolean valid(ModelConfig c) {
    return !(c.similarity() == Similarity.JACCARD && c.pairWeightMode() == ModelConfig.PairWeight.PRODUCT);
  }

  private Trial score(List<UserInteraction> trainingPart, ModelConfig config, Map<ModelConfig, Trial> tried) {
    Trial known = tried.get(config);
    if (known != null) {
      return known;
    }
    Protocol.Report r = protocol.evaluate(trainingPart, List.of(Method.model("candidate", config, trendingWindow)));
    RankingMetrics m = r.metrics().get("candidate");
    Trial t = new Trial(config, m.hitRate(), m.ndcg(), m.trials());
    tried.put(config, t);
    LOG.info(String.format("tuning config %d: validation HR@%d=%.4f NDCG@%d=%.4f: %s", tried.size(), protocol.k(),
        t.hitRate(), protocol.k(), t.ndcg(), describe(config)));
    return t;
  }

  /** The tuned parameters by name (the names of {@code --tune-params}, plus the purchase weight), as text. */
  public static Map<String, String> parameters(ModelConfig c) {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("user_horizon", c.userHorizon().toString());
    p.put("half_life", c.halfLife().toString());
    p.put("similarity", c.similarity().name().toLowerCase());
    p.put("pair_weight", c.pairWeightMode().name().toLowerCase());
    p.put("max_items_per_user", String.valueOf(c.maxItemsPerUser()));
    p.put("max_neighbors_per_item", String.valueOf(c.maxNeighborsPerItem()));
    p.put("session_gap", c.sessionGap().toString());
    p.put(TREND_WEIGHT, String.valueOf(c.trendWeight()));
    p.put("next_weight", String.valueOf(c.nextWeight()));
    p.put("next_steps", String.valueOf(c.nextSteps()));
    p.put("recency_order", String.valueOf(c.recencyOrder()));
    p.put("popularity_weight", String.valueOf(c.popularityWeight()));
    p.put("factor_weight", String.valueOf(c.factorWeight()));
    p.put("view_weight", String.valueOf(c.viewWeight()));
    p.put("add_to_cart_weight", String.valueOf(c.addToCartWeight()));
    p.put("purchase_weight", String.valueOf(c.purchaseWeight()));
    return p;
  }

  /** The parameters of {@code c} whose value differs from {@code from}'s, as {@code name=value}. */
  public static List<String> changes(ModelConfig from, ModelConfig c) {
    Map<String, String> base = parameters(from);
    List<String> out = new ArrayList<>();
    parameters(c).forEach((name, value) -> {
      if (!value.equals(base.get(name))) {
        out.add(name + "=" + value);
      }
    });
    return out;
  }

  /** The tuned parameters in one line. */
  public static String describe(ModelConfig c) {
    return String.format("similarity=%s pair_weight=%s half_life=%s user_horizon=%s max_items_per_user=%d "
            + "max_neighbors_per_item=%d weights(view=%s, add_to_cart=%s, purchase=%s) trend_weight=%s "
            + "session_gap=%s next_weight=%s next_steps=%d recency_order=%s popularity_weight=%s factor_weight=%s "
            + "item_next_weight=%s cart_recency_order=%s session_recency_order=%s",
        c.similarity().name().toLowerCase(), c.pairWeightMode().name().toLowerCase(), c.halfLife(),
        c.userHorizon(), c.maxItemsPerUser(), c.maxNeighborsPerItem(), c.viewWeight(), c.addToCartWeight(),
        c.purchaseWeight(), c.trendWeight(), c.sessionGap(), c.nextWeight(), c.nextSteps(), c.recencyOrder(),
        c.popularityWeight(), c.factorWeight(), c.itemNextWeight(), c.cartRecencyOrder(),
        c.sessionRecencyOrder());
  }
}
