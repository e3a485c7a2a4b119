package dev.shopstream.model;

import java.io.Serializable;

/**
 * The parameters of {@link FactorModel}, the item-based factor model trained online by BPR. The defaults are the
 * literature's usual values, not fitted to a log (replay's were chosen among a few on the validation splits):
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
 *   <li>{@code reservoirSize} 10,000, {@code replaySteps} 5 and {@code sampling} RECENT: replay as in RMFX
 *       (Diaz-Aviles et al., "Real-time top-n recommendation in social streams", RecSys 2012): a reservoir of
 *       {@code reservoirSize} past steps, each with the history its user had then, and {@code replaySteps} steps
 *       drawn from it after every interaction ({@link FactorModel}, {@link ReplayReservoir}). RMFX's reservoir is
 *       uniform over the stream (Vitter's algorithm R, {@code UNIFORM}); the default is biased to recent steps
 *       (Aggarwal, VLDB 2006, {@code RECENT}), because the uniform one, and a 100,000-step one, cost protocol (a)'s
 *       validation (a time split) 2 to 5 standard errors at every φ tried. Training takes about 1 + replaySteps
 *       times as long. Memory: at most {@code reservoirSize} slots of about 100 bytes (1 MB). On Online Retail's
 *       validation splits this replay with the blend weight φ = {@code ModelConfig.factorWeight} = 4 gains on (b)
 *       (0.4618 against 0.3739 for φ = 0) and loses nothing on (a) (0.5059 against 0.5036), and the generated shop
 *       of {@code EndToEndTest} keeps HR@10 >= 0.87 at φ = 4 (0.98; 0.81 without replay); φ = 4 is the default,
 *       serving reading the embeddings from {@code item_factors} (docs/EVALUATION.md, "Learned factors trained
 *       online");
 *   <li>{@code seed}: the only randomness (initial embeddings, negative sampling): the same seed and the same
 *       interactions in the same order give the same model, bit for bit.
 * </ul>
 */
public record FactorConfig(int dimensions, double learningRate, double regularization, int negatives,
    double initialScale, long seed, int reservoirSize, int replaySteps, Sampling sampling)
    implements Serializable {

  /** The reservoir of past steps that replay draws from (RMFX), in steps. */
  public static final int DEFAULT_RESERVOIR_SIZE = 10_000;
  /** Replayed steps per interaction (RMFX); 0 = no replay, the plain one-pass model. */
  public static final int DEFAULT_REPLAY_STEPS = 5;

  /** Which past steps the replay reservoir keeps ({@link ReplayReservoir}). */
  public enum Sampling {
    /** A uniform sample of every step so far (Vitter's algorithm R, RMFX's reservoir). */
    UNIFORM,
    /** A sample biased to recent steps, exp(−age / reservoirSize) (Aggarwal, VLDB 2006). */
    RECENT
  }

  /** The default reservoir sampling. */
  public static final Sampling DEFAULT_SAMPLING = Sampling.RECENT;

  public FactorConfig {
    if (sampling == null) {
      throw new IllegalArgumentException("sampling must be given");
    }
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
    return new FactorConfig(32, 0.05, 0.01, 10, 0.1, 42, DEFAULT_RESERVOIR_SIZE, DEFAULT_REPLAY_STEPS,
        DEFAULT_SAMPLING);
  }

  public FactorConfig withDimensions(int value) {
    return new FactorConfig(value, learningRate, regularization, negatives, initialScale, seed,
        reservoirSize, replaySteps, sampling);
  }

  public FactorConfig withLearningRate(double value) {
    return new FactorConfig(dimensions, value, regularization, negatives, initialScale, seed,
        reservoirSize, replaySteps, sampling);
  }

  public FactorConfig withRegularization(double value) {
    return new FactorConfig(dimensions, learningRate, value, negatives, initialScale, seed,
        reservoirSize, replaySteps, sampling);
  }

  public FactorConfig withNegatives(int value) {
    return new FactorConfig(dimensions, learningRate, regularization, value, initialScale, seed,
        reservoirSize, replaySteps, sampling);
  }

  public FactorConfig withSeed(long value) {
    return new FactorConfig(dimensions, learningRate, regularization, negatives, initialScale, value,
        reservoirSize, replaySteps, sampling);
  }

  public FactorConfig withReservoirSize(int value) {
    return new FactorConfig(dimensions, learningRate, regularization, negatives, initialScale, seed, value,
        replaySteps, sampling);
  }

  public FactorConfig withReplaySteps(int value) {
    return new FactorConfig(dimensions, learningRate, regularization, negatives, initialScale, seed, reservoirSize,
        value, sampling);
  }

  public FactorConfig withSampling(Sampling value) {
    return new FactorConfig(dimensions, learningRate, regularization, negatives, initialScale, seed, reservoirSize,
        replaySteps, value);
  }
}
