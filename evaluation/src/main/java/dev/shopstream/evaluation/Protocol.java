package dev.shopstream.evaluation;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Logger;

/**
 * An evaluation protocol: how a log (in time order) is split into training and test, and how a trained method is
 * scored on the test part. {@link #trainingPart} is all a tuning run may see: tuning evaluates the same protocol
 * on it, so its validation split is carved from the training period and never touches the test.
 */
public interface Protocol {
  /** Name on the command line and in the report. */
  String name();

  /** The cut-off of the metrics (HR@k, NDCG@k, MRR@k). */
  int k();

  /** The training part of this protocol's split of {@code log}. */
  List<UserInteraction> trainingPart(List<UserInteraction> log);

  /** Trains each method on the training part and scores it on the test part. */
  Report evaluate(List<UserInteraction> log, List<Method.Spec> methods);

  /** HR and NDCG are kept at every cut-off up to this (or k when larger), for the report's plots. */
  int CURVE_DEPTH = 20;

  /** The figures of one run: per method its metrics and training + scoring time. */
  record Report(String protocol, int k, int trainingInteractions, int catalogSize, int trials,
      Map<String, RankingMetrics> metrics, Map<String, Double> seconds) {}

  /** Collects per-method metrics and times, logging each method's result. */
  final class Runner {
    private static final Logger LOG = Logger.getLogger(Protocol.class.getName());
    private final Map<String, RankingMetrics> metrics = new LinkedHashMap<>();
    private final Map<String, Double> seconds = new LinkedHashMap<>();
    private final String protocol;

    Runner(String protocol) {
      this.protocol = protocol;
    }

    private final Map<Object, String> scoredByKey = new java.util.HashMap<>();

    /**
     * Trains the method, then runs {@code score} with it; times both. A method with the {@link Method.Spec#key}
     * of one already run gets its figures (0 s).
     */
    void run(Method.Spec spec, List<UserInteraction> training, int k, Scorer score) {
      Object key = spec.key();
      String same = key == null ? null : scoredByKey.get(key);
      if (same != null) {
        metrics.put(spec.name(), metrics.get(same));
        seconds.put(spec.name(), 0.0);
        LOG.info(String.format("%s: %s is the same model as %s: its figures", protocol, spec.name(), same));
        return;
      }
      if (key != null) {
        scoredByKey.put(key, spec.name());
      }
      long start = System.nanoTime();
      LOG.info(String.format("%s: training %s on %,d interactions", protocol, spec.name(), training.size()));
      Method method = spec.train(training);
      RankingMetrics m = new RankingMetrics(k, Math.max(k, CURVE_DEPTH));
      score.score(method, m);
      double s = (System.nanoTime() - start) / 1e9;
      metrics.put(spec.name(), m);
      seconds.put(spec.name(), s);
      LOG.info(String.format("%s: %s HR@%d=%.4f NDCG@%d=%.4f MRR@%d=%.4f over %,d trials in %.1f s", protocol,
          spec.name(), k, m.hitRate(), k, m.ndcg(), k, m.mrr(), m.trials(), s));
    }

    Report report(int k, int trainingInteractions, int catalogSize, int trials) {
      return new Report(protocol, k, trainingInteractions, catalogSize, trials, metrics, seconds);
    }

    /** Logs progress every {@code every} trials of {@code total}. */
    static void progress(String protocol, String method, int done, int total, int every) {
      if (done % every == 0) {
        LOG.info(String.format("%s: %s scored %,d of %,d trials", protocol, method, done, total));
      }
    }
  }

  /** Scores a trained method into the metrics. */
  @FunctionalInterface
  interface Scorer {
    void score(Method method, RankingMetrics metrics);
  }

  /** The distinct items of a log, in first-seen order. */
  static Set<String> catalog(List<UserInteraction> log) {
    Set<String> items = new LinkedHashSet<>();
    log.forEach(ui -> items.add(ui.item()));
    return items;
  }
}
