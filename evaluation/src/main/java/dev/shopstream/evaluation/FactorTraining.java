package dev.shopstream.evaluation;

import dev.shopstream.model.FactorConfig;
import dev.shopstream.model.FactorModel;
import dev.shopstream.model.Interaction;
import dev.shopstream.model.ModelConfig;
import java.util.Collection;
import java.util.logging.Logger;

/**
 * Trains a {@link FactorModel} online while a training log is replayed in time order, as the stream would: each
 * interaction of a type that weighs more than 0 is one BPR step after the user's history before it. Logs progress
 * (interactions seen, steps, mean BPR loss since the last line) every {@value #EVERY} interactions and at the end.
 */
final class FactorTraining {
  private static final Logger LOG = Logger.getLogger(FactorTraining.class.getName());
  static final int EVERY = 100_000;

  private final FactorModel model;
  private final ModelConfig weights;
  private final int total;
  private final String label;
  private final long started = System.nanoTime();
  private int seen;
  private double loss;
  private int losses;

  FactorTraining(FactorConfig config, ModelConfig weights, int total, String label) {
    this.model = new FactorModel(config);
    this.weights = weights;
    this.total = total;
    this.label = label;
  }

  /** One interaction after {@code history} (the user's recent items before it). */
  void observe(Collection<Interaction> history, Interaction x) {
    if (weights.weight(x.type()) > 0) {
      double l = model.observe(history, x);
      if (!Double.isNaN(l)) {
        loss += l;
        losses++;
      }
    }
    if (++seen % EVERY == 0) {
      log();
    }
  }

  /** The trained model (logs the last progress line). */
  FactorModel done() {
    log();
    return model;
  }

  private void log() {
    LOG.info(String.format("%s: training the learned factors (online BPR, d=%d, lr=%s, reg=%s, negatives=%d, replay=%d from %,d %s): %,d of "
            + "%,d interactions, %,d steps, %,d replayed, %,d items, mean BPR loss %.4f over the last %,d steps, %.1f s", label,
        model.config().dimensions(), model.config().learningRate(), model.config().regularization(),
        model.config().negatives(), model.config().replaySteps(), model.config().reservoirSize(),
        model.config().sampling(), seen, total,
        model.steps(), model.replayed(), model.items(),
        losses == 0 ? Double.NaN : loss / losses, losses, (System.nanoTime() - started) / 1e9));
    loss = 0;
    losses = 0;
  }
}
