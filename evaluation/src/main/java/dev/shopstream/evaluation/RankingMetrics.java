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
 *
 * <p>HR and NDCG are also kept at every cut-off from 1 to {@link #depth} (at least k) for the report's plots: the
 * ranked lists are then asked for {@code depth} items, and the figures at k are those of the table.
 */
public final class RankingMetrics {
  private int trials;
  private double hits;
  private double ndcg;
  private double reciprocalRanks;
  private final Set<String> recommended = new HashSet<>();
  private final int k;
  private final double[] hitsAt;
  private final double[] ndcgAt;

  public RankingMetrics(int k) {
    this(k, k);
  }

  /** Metrics at {@code k}, and HR and NDCG at every cut-off 1..{@code depth} ({@code depth >= k}). */
  public RankingMetrics(int k, int depth) {
    if (k < 1 || depth < k) {
      throw new IllegalArgumentException("k must be >= 1 and depth >= k");
    }
    this.k = k;
    this.hitsAt = new double[depth];
    this.ndcgAt = new double[depth];
  }

  public int k() {
    return k;
  }

  /** The deepest cut-off kept: ranked lists should hold this many items. */
  public int depth() {
    return hitsAt.length;
  }

  /** Scores one trial: {@code ranked} best first (only its first k count), {@code relevant} not empty. */
  public void add(List<String> ranked, Set<String> relevant) {
    trials++;
    hits += hit(ranked, relevant, k);
    ndcg += ndcg(ranked, relevant, k);
    reciprocalRanks += reciprocalRank(ranked, relevant, k);
    double dcg = 0;
    double ideal = 0;
    boolean hit = false;
    for (int i = 0; i < hitsAt.length; i++) {
      if (i < ranked.size() && relevant.contains(ranked.get(i))) {
        hit = true;
        dcg += 1 / log2(i + 2);
      }
      if (i < relevant.size()) {
        ideal += 1 / log2(i + 2);
      }
      hitsAt[i] += hit ? 1 : 0;
      ndcgAt[i] += ideal == 0 ? 0 : dcg / ideal;
    }
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
    for (int i = rank - 1; i < hitsAt.length; i++) {
      hitsAt[i]++;
      ndcgAt[i] += 1 / log2(rank + 1);
    }
  }

  /** HR@1 .. HR@depth. */
  public double[] hitRateCurve() {
    return curve(hitsAt);
  }

  /** NDCG@1 .. NDCG@depth. */
  public double[] ndcgCurve() {
    return curve(ndcgAt);
  }

  private double[] curve(double[] sums) {
    double[] out = new double[sums.length];
    for (int i = 0; i < sums.length; i++) {
      out[i] = trials == 0 ? 0 : sums[i] / trials;
    }
    return out;
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
