package dev.shopstream.model;

/**
 * How a co-occurrence count {@code c(a,b)} is normalized by the items' occurrence counts {@code n(a)}, {@code n(b)}
 * (and, for lift, the total occurrence {@code N} of the signal). All scores are 0 when an input is not positive.
 */
public enum Similarity {
  /** {@code c / sqrt(n(a) · n(b))}. */
  COSINE,
  /** {@code c / (n(a) + n(b) − c)}. */
  JACCARD,
  /** {@code c · N / (n(a) · n(b))}: how much more often than chance the two occur together. */
  LIFT,
  /**
   * {@code c / n(a)}: the share of a's occurrences that c followed, an estimate of P(c | a). Only for a directed
   * signal ({@link Signal#NEXT}), where "what comes after a" is a conditional, not a symmetric set overlap.
   */
  CONFIDENCE;

  public double score(double coCount, double countA, double countB, double total) {
    if (coCount <= 0 || countA <= 0 || countB <= 0) {
      return 0;
    }
    return switch (this) {
      case COSINE -> coCount / Math.sqrt(countA * countB);
      case JACCARD -> {
        double union = countA + countB - coCount;
        yield union <= 0 ? 0 : coCount / union;
      }
      case LIFT -> total <= 0 ? 0 : coCount * total / (countA * countB);
      case CONFIDENCE -> coCount / countA;
    };
  }
}
