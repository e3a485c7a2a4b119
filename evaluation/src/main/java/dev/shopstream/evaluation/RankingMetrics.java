package dev.shopstream.evaluation;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Top-k ranking metrics with binary relevance, averaged over trials (a trial is one ranked list and the set of
 * relevant items it should contain).
 *
 * <ul>
 *   <li>HR@k: 1 when at least one relevant item is among the first {@code k}, else 0.
 *   <li>NDCG@k: {@code DCG / IDCG} with {@code DCG = Σ over relevant items at rank r ≤ k of 1 / log2(r + 1)} and
 *       IDCG the DCG of a list with all {@code min(|relevant|, k)} relevant items first.
 *   <li>MRR@k: {@code 1 / r} of the first relevant item at rank {@code r ≤ k}, else 0.
 *   <li>Coverage: distinct items recommended in any top-k list, over the catalog size.
 * </ul>
 */
public final class RankingMetrics {
  private int trials;
  private double hits;
  private double ndcg;
  private double reciprocalRanks;
  private final Set<String> recommended = new HashSet<>();
  private final int k;

  public RankingMetrics(int k) {
    if (k < 1) {
      throw new IllegalArgumentException("k must be >= 1");
    }
    this.k = k;
  }

  public int k() {
    return k;
  }

  /** Scores one trial: {@code ranked} best first (only its first k count), {@code relevant} not empty. */
  public void add(List<String> ranked, Set<String> relevant) {
    trials++;
    hits += hit(ranked, relevant, k);
    ndcg += ndcg(ranked, relevant, k);
    reciprocalRanks += reciprocalRank(ranked, relevant, k);
  }

  /** Scores one trial with a single relevant item at {@code rank} (1-based) of its candidate list. */
  public void addRank(int rank) {
    if (rank < 1) {
      throw new IllegalArgumentException("rank must be >= 1");
    }
    trials++;
    if (rank <= k) {
      hits++;
      ndcg += 1 / log2(rank + 1);
      reciprocalRanks += 1.0 / rank;
    }
  }

  /** Counts the first k items of a list towards coverage. */
  public void addRecommended(List<String> ranked) {
    recommended.addAll(ranked.subList(0, Math.min(k, ranked.size())));
  }

  public int trials() {
    return trials;
  }

  public double hitRate() {
    return trials == 0 ? 0 : hits / trials;
  }

  public double ndcg() {
    return trials == 0 ? 0 : ndcg / trials;
  }

  public double mrr() {
    return trials == 0 ? 0 : reciprocalRanks / trials;
  }

  public double coverage(int catalogSize) {
    return catalogSize == 0 ? 0 : (double) recommended.size() / catalogSize;
  }

  public int distinctRecommended() {
    return recommended.size();
  }

  public static double hit(List<String> ranked, Set<String> relevant, int k) {
    for (int i = 0; i < Math.min(k, ranked.size()); i++) {
      if (relevant.contains(ranked.get(i))) {
        return 1;
      }
    }
    return 0;
  }

  public static double reciprocalRank(List<String> ranked, Set<String> relevant, int k) {
    for (int i = 0; i < Math.min(k, ranked.size()); i++) {
      if (relevant.contains(ranked.get(i))) {
        return 1.0 / (i + 1);
      }
    }
    return 0;
  }

  public static double ndcg(List<String> ranked, Set<String> relevant, int k) {
    double dcg = 0;
    for (int i = 0; i < Math.min(k, ranked.size()); i++) {
      if (relevant.contains(ranked.get(i))) {
        dcg += 1 / log2(i + 2);
      }
    }
    double ideal = 0;
    for (int i = 0; i < Math.min(k, relevant.size()); i++) {
      ideal += 1 / log2(i + 2);
    }
    return ideal == 0 ? 0 : dcg / ideal;
  }

  private static double log2(double x) {
    return Math.log(x) / Math.log(2);
  }
}
