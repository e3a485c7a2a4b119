package dev.shopstream.model;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

/** The first {@code k} of a list in an order: exactly the head of the sorted list, without sorting all of it. */
final class TopK {
  private TopK() {}

  /**
   * The {@code k} first elements of {@code items} by {@code order}, in that order. {@code order} must be total (no
   * two elements equal), as every ranking of the model is (ties broken by product id). May reorder {@code items}.
   */
  static <T> List<T> first(List<T> items, int k, Comparator<? super T> order) {
    if (k >= items.size()) {
      items.sort(order);
      return items;
    }
    if (k <= 0) {
      return List.of();
    }
    PriorityQueue<T> kept = new PriorityQueue<>(k + 1, (x, y) -> order.compare(y, x)); // the worst kept on top
    for (T item : items) {
      if (kept.size() < k) {
        kept.add(item);
      } else if (order.compare(item, kept.peek()) < 0) {
        kept.poll();
        kept.add(item);
      }
    }
    List<T> out = new ArrayList<>(kept);
    out.sort(order);
    return List.copyOf(out);
  }
}
