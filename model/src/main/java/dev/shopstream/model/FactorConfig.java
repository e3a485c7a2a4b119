package dev.shopstream.model;

import java.io.Serializable;

/**
 * The parameters of {@link FactorModel}, the item-based factor model trained online by BPR. The defaults are the
 * literature's usual values, not fitted to a log:
 *
 * <ul>
 *   <li>{@code dimensions} 32: the size of each item embedding (BPR-MF, FISM and item2vec report 10-100; 32-64 is
 *       the common middle);
 *   <li>{@code learningRate} 0.05: the SGD step of BPR (Rendle et al., "BPR: Bayesian Personalized Ranking from
 *       Implicit Feedback", 2009, and the implicit-feedback libraries' default);
 *   <li>{@code regularization} 0.01: the L2 weight decay of every parameter touched by a step;
 *   <li>{@code negatives} 10: items sampled uniformly (among those seen so far) per positive, within the
 *       negative-sampling range of word2vec / item2vec (Mikolov et al. 2013: 5-20 for small data; Barkan &amp;
 *       Koenigstein 2016); 10 rather than 5 was chosen on the validation split of protocol (b) (docs/EVALUATION.md,
 *       "Learned factors trained online"): one pass over a stream sees each positive once, and more negatives per
 *       positive is the cheap way to learn more from it;
 *   <li>{@code initialScale} 0.1: the standard deviation of the Gaussian an embedding starts from;
 *   <li>{@code reservoirSize} and {@code replaySteps}: replay as in RMFX (Diaz-Aviles et al., "Real-time top-n
 *       recommendation in social streams", RecSys 2012): a reservoir (Vitter's algorithm R) of
 *       {@code reservoirSize} past steps, each with the history its user had then, and {@code replaySteps} steps
 *       drawn from it after every interaction ({@link FactorModel}, {@link ReplayReservoir}). Memory: at most
 *       {@code reservoirSize} slots of about 100 bytes;
 *   <li>{@code seed}: the only randomness (initial embeddings, negative sampling): the same seed and the same
 *       interactions in the same order give the same model, bit for bit.
 * </ul>
 */
public record FactorConfig(int dimensions, double learningRate, double regularization, int negatives,
    double initialScale, long seed, int reservoirSize, int replaySteps) implements Serializable {

  /** The reservoir of past steps that replay draws from (RMFX), in steps. */
  public static final int DEFAULT_RESERVOIR_SIZE = 100_000;
  /** Replayed steps per interaction (RMFX); 0 = no replay, the plain one-pass model. */
  public static final int DEFAULT_REPLAY_STEPS = 0;

  public FactorConfig {
    if (dimensions < 1 || negatives < 1) {
      throw new IllegalArgumentException("dimensions and negatives must be >= 1, were " + dimensions + " and "
          + negatives);
    }
    if (reservoirSize < 1 || replaySteps < 0) {
      throw new IllegalArgumentException("reservoirSize must be >= 1 and replaySteps >= 0, were " + reservoirSize
          + " and " + replaySteps);
    }
    for (double v : new double[] {learningRate, regularization, initialScale}) {
      if (!(v >= 0) || Double.isInfinite(v)) {
        throw new IllegalArgumentException("learningRate, regularization and initialScale must be finite and >= 0,"
            + " was " + v);
      }
    }
  }

  /** The defaults listed above. */
  public static FactorConfig defaults() {
    return new FactorConfig(32, 0.05, 0.01, 10, 0.1, 42, DEFAULT_RESERVOIR_SIZE, DEFAULT_REPLAY_STEPS);
  }

  public FactorConfig withDimensions(int value) {
    return new FactorConfig(value, learningRate, regularization, negatives, initialScale, seed,
        reservoirSize, replaySteps);
  }

  public FactorConfig withLearningRate(double value) {
    return new FactorConfig(dimensions, value, regularization, negatives, initialScale, seed,
        reservoirSize, replaySteps);
  }

  public FactorConfig withRegularization(double value) {
    return new FactorConfig(dimensions, learningRate, value, negatives, initialScale, seed,
        reservoirSize, replaySteps);
  }

  public FactorConfig withNegatives(int value) {
    return new FactorConfig(dimensions, learningRate, regularization, value, initialScale, seed,
        reservoirSize, replaySteps);
  }

  public FactorConfig withSeed(long value) {
    return new FactorConfig(dimensions, learningRate, regularization, negatives, initialScale, value,
        reservoirSize, replaySteps);
  }

  public FactorConfig withReservoirSize(int value) {
    return new FactorConfig(dimensions, learningRate, regularization, negatives, initialScale, seed, value,
        replaySteps);
  }

  public FactorConfig withReplaySteps(int value) {
    return new FactorConfig(dimensions, learningRate, regularization, negatives, initialScale, seed, reservoirSize,
        value);
  }
}
