package dev.shopstream.evaluation;

import dev.shopstream.contract.EventType;
import dev.shopstream.model.ModelConfig;
import dev.shopstream.model.Similarity;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.logging.Logger;

/**
 * Tunes the model by coordinate descent on a validation split: starting from a config, each parameter in turn
 * takes each of its candidate values (the others fixed), and the best value is kept: the highest HR@k, then
 * NDCG@k; a tie keeps the current value. Passes repeat until one changes nothing (at most {@code maxPasses}).
 * The validation split is the protocol's own split of the training part only ({@link Protocol#trainingPart}), so
 * the test part is never seen. Event-type weights are tuned only for types the log has (purchase stays the unit).
 * Configs that are not sound ({@link #valid}) are skipped.
 */
public final class Tuner {
  private static final Logger LOG = Logger.getLogger(Tuner.class.getName());

  /** One parameter: its name, candidate values and how to set it. */
  record Dimension<T>(String name, List<T> values, BiFunction<ModelConfig, T, ModelConfig> set) {
    List<ModelConfig> candidates(ModelConfig c) {
      return values.stream().map(v -> set.apply(c, v)).toList();
    }
  }

  /** A scored config. */
  public record Trial(ModelConfig config, double hitRate, double ndcg) {
    boolean beats(Trial other) {
      return hitRate > other.hitRate || hitRate == other.hitRate && ndcg > other.ndcg;
    }
  }

  /** The outcome: the best config, every config tried, in order. */
  public record Result(Trial best, List<Trial> trials) {}

  private final Protocol protocol;
  private final int maxPasses;
  private final Duration trendingWindow;

  public Tuner(Protocol protocol, int maxPasses, Duration trendingWindow) {
    this.protocol = protocol;
    this.maxPasses = maxPasses;
    this.trendingWindow = trendingWindow;
  }

  /** The parameters tuned, with their candidate values. */
  static List<Dimension<?>> dimensions(boolean views, boolean carts) {
    List<Dimension<?>> d = new ArrayList<>();
    d.add(new Dimension<>("user_horizon", List.of(Duration.ofDays(1), Duration.ofDays(7), Duration.ofDays(30),
        Duration.ofDays(90), Duration.ofDays(365)), ModelConfig::withUserHorizon));
    d.add(new Dimension<>("half_life", List.of(Duration.ZERO, Duration.ofHours(1), Duration.ofDays(1),
        Duration.ofDays(7), Duration.ofDays(30)), ModelConfig::withHalfLife));
    d.add(new Dimension<>("similarity", List.of(Similarity.values()), ModelConfig::withSimilarity));
    d.add(new Dimension<>("pair_weight", List.of(ModelConfig.PairWeight.values()), ModelConfig::withPairWeight));
    d.add(new Dimension<>("max_items_per_user", List.of(10, 20, 50, 100), ModelConfig::withMaxItemsPerUser));
    d.add(new Dimension<>("max_neighbors_per_item", List.of(20, 50, 100, 200),
        ModelConfig::withMaxNeighborsPerItem));
    d.add(new Dimension<>("trend_weight", List.of(0.0, 0.5, 1.0, 2.0, 4.0, 8.0), ModelConfig::withTrendWeight));
    if (views) {
      d.add(new Dimension<Double>("view_weight", List.of(0.25, 0.5, 1.0, 2.0),
          (c, v) -> c.withWeights(v, c.addToCartWeight(), c.purchaseWeight())));
    }
    if (carts) {
      d.add(new Dimension<Double>("add_to_cart_weight", List.of(1.0, 2.0, 3.0, 5.0),
          (c, v) -> c.withWeights(c.viewWeight(), v, c.purchaseWeight())));
    }
    return d;
  }

  /** Tunes on {@code trainingPart} (the protocol's training part of the full log) from {@code start}. */
  public Result tune(List<UserInteraction> trainingPart, ModelConfig start) {
    boolean views = trainingPart.stream().anyMatch(ui -> ui.interaction().type() == EventType.VIEW);
    boolean carts = trainingPart.stream().anyMatch(ui -> ui.interaction().type() == EventType.ADD_TO_CART);
    Map<ModelConfig, Trial> tried = new LinkedHashMap<>();
    Trial best = score(trainingPart, start, tried);
    for (int pass = 1; pass <= maxPasses; pass++) {
      boolean changed = false;
      for (Dimension<?> dimension : dimensions(views, carts)) {
        for (ModelConfig candidate : dimension.candidates(best.config())) {
          if (!valid(candidate)) {
            continue;
          }
          Trial t = score(trainingPart, candidate, tried);
          if (t.beats(best)) {
            best = t;
            changed = true;
            LOG.info(String.format("tuning pass %d: %s improves validation HR@%d to %.4f (NDCG %.4f): %s", pass,
                dimension.name(), protocol.k(), t.hitRate(), t.ndcg(), describe(t.config())));
          }
        }
      }
      if (!changed) {
        break;
      }
    }
    LOG.info(String.format("tuning done after %d configs: %s", tried.size(), describe(best.config())));
    return new Result(best, List.copyOf(tried.values()));
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
    Trial t = new Trial(config, m.hitRate(), m.ndcg());
    tried.put(config, t);
    LOG.info(String.format("tuning config %d: validation HR@%d=%.4f NDCG@%d=%.4f: %s", tried.size(), protocol.k(),
        t.hitRate(), protocol.k(), t.ndcg(), describe(config)));
    return t;
  }

  /** The tuned parameters in one line. */
  public static String describe(ModelConfig c) {
    return String.format("similarity=%s pair_weight=%s half_life=%s user_horizon=%s max_items_per_user=%d "
            + "max_neighbors_per_item=%d weights(view=%s, add_to_cart=%s, purchase=%s) trend_weight=%s",
        c.similarity().name().toLowerCase(), c.pairWeightMode().name().toLowerCase(), c.halfLife(),
        c.userHorizon(), c.maxItemsPerUser(), c.maxNeighborsPerItem(), c.viewWeight(), c.addToCartWeight(),
        c.purchaseWeight(), c.trendWeight());
  }
}
