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
 *   <li>{@code seed}: the only randomness (initial embeddings, negative sampling): the same seed and the same
 *       interactions in the same order give the same model, bit for bit.
 * </ul>
 */
public record FactorConfig(int dimensions, double learningRate, double regularization, int negatives,
    double initialScale, long seed) implements Serializable {

  public FactorConfig {
    if (dimensions < 1 || negatives < 1) {
      throw new IllegalArgumentException("dimensions and negatives must be >= 1, were " + dimensions + " and "
          + negatives);
    }
    for (double v : new double[] {learningRate, regularization, initialScale}) {
      if (!(v >= 0) || Double.isInfinite(v)) {
        throw new IllegalArgumentException("learningRate, regularization and initialScale must be finite and >= 0,"
            + " was " + v);
      }
    }
  }

  /** d = 32, learning rate 0.05, regularization 0.01, 10 negatives per positive, initial scale 0.1, seed 42. */
  public static FactorConfig defaults() {
    return new FactorConfig(32, 0.05, 0.01, 10, 0.1, 42);
  }

  public FactorConfig withDimensions(int value) {
    return new FactorConfig(value, learningRate, regularization, negatives, initialScale, seed);
  }

  public FactorConfig withLearningRate(double value) {
    return new FactorConfig(dimensions, value, regularization, negatives, initialScale, seed);
  }

  public FactorConfig withRegularization(double value) {
    return new FactorConfig(dimensions, learningRate, value, negatives, initialScale, seed);
  }

  public FactorConfig withNegatives(int value) {
    return new FactorConfig(dimensions, learningRate, regularization, value, initialScale, seed);
  }

  public FactorConfig withSeed(long value) {
    return new FactorConfig(dimensions, learningRate, regularization, negatives, initialScale, value);
  }
}
