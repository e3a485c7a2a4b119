package dev.shopstream.model;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * The next entries to evict from a bounded set of weighted ids whose weights only grow: the lightest first (a
 * smaller weight, or on a tie the greater id). A cache of up to {@value #KEPT} ids, or unknown (empty), in which
 * case {@link #evict} scans the ids once. Invariant: every id not in it is at least as heavy as each one in it. As
 * weights only grow, two updates keep it valid: a cached id that grew moves to its new place, or leaves the cache
 * when it is no longer lighter than the cache's last ({@link #grew}); a new id lighter than the cache's last is
 * inserted in order ({@link #added}). Used by {@link ItemNeighbors} and the pipeline's item counter, so both evict
 * the same candidates after the same calls. Not thread-safe; not part of any serialized state.
 */
public final class EvictionOrder {
  static final int KEPT = 16;

  private final ToDoubleFunction<String> weight;
  private List<String> lightest = new ArrayList<>(KEPT + 1);

  /** {@code weight}: an id's current weight (only called for ids that are in the set). */
  public EvictionOrder(ToDoubleFunction<String> weight) {
    this.weight = weight;
  }

  /** An id just added to the set. */
  public void added(String id) {
    if (!lightest.isEmpty() && lighter(id, lightest.get(lightest.size() - 1))) {
      int i = 0;
      while (lighter(lightest.get(i), id)) {
        i++;
      }
      lightest.add(i, id);
      if (lightest.size() > KEPT) {
        lightest.remove(lightest.size() - 1);
      }
    }
  }

  /** An id of the set whose weight grew. */
  public void grew(String id) {
    int i = lightest.indexOf(id);
    if (i >= 0) {
      lightest.remove(i);
      if (!lightest.isEmpty() && lighter(id, lightest.get(lightest.size() - 1))) {
        int j = i;
        while (lighter(lightest.get(j), id)) {
          j++;
        }
        lightest.add(j, id);
      }
    }
  }

  /** Removes and returns the lightest of {@code ids} (the set's ids, not empty); the caller removes it from the set. */
  public String evict(Iterable<String> ids) {
    if (lightest.isEmpty()) {
      scan(ids);
    }
    return lightest.remove(0);
  }

  private void scan(Iterable<String> ids) {
    lightest = new ArrayList<>(KEPT + 1);
    double[] weights = new double[KEPT + 1]; // the weights of lightest, in its order
    for (String id : ids) {
      double w = weight.applyAsDouble(id);
      int n = lightest.size();
      if (n < KEPT || lighter(w, id, weights[n - 1], lightest.get(n - 1))) {
        int i = n;
        while (i > 0 && lighter(w, id, weights[i - 1], lightest.get(i - 1))) {
          i--;
        }
        System.arraycopy(weights, i, weights, i + 1, n - i);
        weights[i] = w;
        lightest.add(i, id);
        if (lightest.size() > KEPT) {
          lightest.remove(lightest.size() - 1);
        }
      }
    }
  }

  private boolean lighter(String a, String b) {
    return lighter(weight.applyAsDouble(a), a, weight.applyAsDouble(b), b);
  }

  /** Evicted first: a smaller weight, or on a tie the greater id. */
  static boolean lighter(double wa, String a, double wb, String b) {
    return wa < wb || wa == wb && a.compareTo(b) > 0;
  }
}
