package dev.shopstream.model;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Set;

/** The blend's best products of two ranked lists by a weighted sum ({@link ExplainedRecommendations}). */
final class BestOfSums {
  private BestOfSums() {}

  /**
   * The {@code k} best products of either list (not excluded, not yet candidates) by {@code x × a(c) + y × b(c)}:
   * Fagin's threshold algorithm, reading both lists in rank order and stopping once the k-th best sum seen beats
   * the best sum a product not seen yet could have, {@code x × a[d] + y × b[d]} at depth d. Exact (ties go on
   * reading), and on a request it reads only the heads of a catalog-long popularity list.
   */
  static List<Recommendation> of(Trending a, double x, Trending b, double y, int k,
      Set<String> candidates, Set<String> exclude) {
    List<Recommendation> ra = a.ranked();
    List<Recommendation> rb = b.ranked();
    List<Recommendation> found = new ArrayList<>();
    PriorityQueue<Recommendation> kept = new PriorityQueue<>(Math.min(k, 1024) + 1, Recommender.BEST_FIRST.reversed());
    Set<String> seen = new HashSet<>();
    int depth = Math.max(ra.size(), rb.size());
    for (int d = 0; d < depth; d++) {
      for (List<Recommendation> list : List.of(ra, rb)) {
        String id = d < list.size() ? list.get(d).productId() : null;
        if (id != null && seen.add(id) && !exclude.contains(id) && !candidates.contains(id)) {
          Recommendation r = new Recommendation(id, x * a.score(id) + y * b.score(id));
          found.add(r);
          kept.add(r);
          if (kept.size() > k) {
            kept.poll();
          }
        }
      }
      double bound = x * (d < ra.size() ? ra.get(d).score() : 0) + y * (d < rb.size() ? rb.get(d).score() : 0);
      if (kept.size() >= k && kept.peek().score() > bound) {
        break;
      }
    }
    return TopK.first(found, k, Recommender.BEST_FIRST);
  }
}
