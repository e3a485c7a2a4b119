package dev.shopstream.model;

/**
 * The {@code k} best scores seen so far (a min-heap of doubles): whether a new score can still be among the k best
 * of a ranking (score descending, ties by id) that holds every score {@link #add}ed. A score below the k-th best is
 * behind k others whatever its id, so leaving it out changes no top k; an equal one is admitted (its id decides).
 */
final class KthBest {
  private final double[] heap;
  private int size;

  private KthBest(int k) {
    this.heap = new double[k];
  }

  /** The bound of the {@code k} best among at most {@code n} items; null when every item is kept (k >= n). */
  static KthBest of(int k, int n) {
    return k >= n ? null : new KthBest(Math.max(k, 0));
  }

  /** Whether {@code score} can be among the k best: fewer than k seen, or not below the k-th best (k = 0: never). */
  boolean admits(double score) {
    return size < heap.length || size > 0 && score >= heap[0];
  }

  /**
   * The raw factor score {@code s} below which an item cannot be admitted whatever its other parts, when those add
   * at most {@code bound} and the factor part is {@code phi × exp(s − max)}: {@code max + ln((kth − bound) / phi)}
   * (less a margin for rounding); −∞ while fewer than k are held or when the other parts alone could reach the k-th.
   */
  double rawCut(double bound, double phi, double max) {
    double room = size < heap.length || heap.length == 0 ? 0 : heap[0] - bound;
    return room > 0 ? max + Math.log(room / phi) - 1e-9 : Double.NEGATIVE_INFINITY;
  }

  void add(double score) {
    if (size < heap.length) {
      int i = size++;
      heap[i] = score;
      while (i > 0 && heap[(i - 1) / 2] > heap[i]) {
        swap(i, (i - 1) / 2);
        i = (i - 1) / 2;
      }
    } else if (heap.length > 0 && score > heap[0]) {
      heap[0] = score;
      int i = 0;
      while (true) {
        int l = 2 * i + 1;
        int r = l + 1;
        int min = i;
        if (l < size && heap[l] < heap[min]) {
          min = l;
        }
        if (r < size && heap[r] < heap[min]) {
          min = r;
        }
        if (min == i) {
          return;
        }
        swap(i, min);
        i = min;
      }
    }
  }

  private void swap(int a, int b) {
    double t = heap[a];
    heap[a] = heap[b];
    heap[b] = t;
  }
}
