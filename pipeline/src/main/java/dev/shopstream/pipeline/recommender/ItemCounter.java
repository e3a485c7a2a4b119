package dev.shopstream.pipeline.recommender;

import dev.shopstream.model.ItemNeighbors;
import dev.shopstream.model.Signal;
import dev.shopstream.model.SignalVector;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The state of {@link ItemToItemModel}'s item counter: the item's occurrence count and its tracked partners (the
 * items whose lists hear of its count), each with only its combined co-count, the one value that orders evictions.
 * It replaces the counter's {@link ItemNeighbors}, which kept two five-signal vectors per partner that the counter
 * never read: the same count and the same partners after the same calls (test {@code ItemCounterTest}), in a state
 * value about a third of the size, updated in place.
 *
 * <p>Bounded like {@link ItemNeighbors#addCoOccurrence}: when a new partner would exceed the cap, the partner with the
 * smallest combined co-count (ties: the greatest id) is evicted, possibly the new one. Mutable; coded by
 * {@link ModelStateCoders.ItemCounterCoder}.
 */
final class ItemCounter {
  private static final int LIGHTEST_KEPT = 16;

  /** A partner's combined co-count, summed in place. */
  private static final class Weight {
    double value;

    Weight(double value) {
      this.value = value;
    }
  }

  private final String itemId;
  private SignalVector count;
  private final Map<String, Weight> partners;
  /**
   * The next partners to evict, lightest first, or null/empty when unknown (a scan finds them again): as in
   * {@link ItemNeighbors}, every partner not in it is at least as heavy as each one in it; weights only grow.
   */
  private List<String> lightest;

  ItemCounter(String itemId) {
    this(itemId, SignalVector.ZERO, new HashMap<>());
  }

  private ItemCounter(String itemId, SignalVector count, Map<String, Weight> partners) {
    this.itemId = Objects.requireNonNull(itemId, "itemId");
    this.count = Objects.requireNonNull(count, "count");
    this.partners = partners;
  }

  /** A counter holding what {@link #count()} and {@link #partnerWeights()} returned: for the state coder. */
  static ItemCounter restore(String itemId, SignalVector count, Map<String, Double> weights) {
    Map<String, Weight> partners = new HashMap<>(weights.size() * 4 / 3 + 1);
    weights.forEach((id, w) -> partners.put(id, new Weight(w)));
    return new ItemCounter(itemId, count, partners);
  }

  String itemId() {
    return itemId;
  }

  SignalVector count() {
    return count;
  }

  int size() {
    return partners.size();
  }

  void addOccurrence(SignalVector weights) {
    count = count.plus(weights);
  }

  /** Ids of the tracked partners, sorted (as {@link ItemNeighbors#candidateIds()}). */
  List<String> partnerIds() {
    List<String> ids = new ArrayList<>(partners.keySet());
    ids.sort(null);
    return ids;
  }

  /** Each partner's combined co-count (a copy). */
  Map<String, Double> partnerWeights() {
    Map<String, Double> out = new HashMap<>(partners.size() * 4 / 3 + 1);
    partners.forEach((id, w) -> out.put(id, w.value));
    return out;
  }

  /**
   * Notes a co-occurrence with {@code partner}: its combined co-count grows by {@code increment}'s combined value
   * (the same addition, hence the same double, as {@link SignalVector#plus} in {@link ItemNeighbors}). Ignored for
   * the item itself.
   */
  void addCoOccurrence(String partner, SignalVector increment, int maxPartners) {
    if (partner.equals(itemId)) {
      return;
    }
    double add = increment.get(Signal.COMBINED);
    Weight w = partners.get(partner);
    if (w == null) {
      partners.put(partner, new Weight(add));
      if (lightest != null && !lightest.isEmpty() && lighter(partner, lightest.get(lightest.size() - 1))) {
        int i = 0;
        while (lighter(lightest.get(i), partner)) {
          i++;
        }
        lightest.add(i, partner);
        if (lightest.size() > LIGHTEST_KEPT) {
          lightest.remove(lightest.size() - 1);
        }
      }
    } else {
      w.value += add;
      if (lightest != null) {
        int i = lightest.indexOf(partner);
        if (i >= 0) {
          // it grew: it stays cached only if it is still lighter than the last cached one (then it moves to its place)
          lightest.remove(i);
          if (!lightest.isEmpty() && lighter(partner, lightest.get(lightest.size() - 1))) {
            int j = i;
            while (lighter(lightest.get(j), partner)) {
              j++;
            }
            lightest.add(j, partner);
          }
        }
      }
    }
    if (partners.size() > maxPartners) {
      if (lightest == null || lightest.isEmpty()) {
        scanLightest();
      }
      partners.remove(lightest.remove(0));
    }
  }

  private boolean lighter(String a, String b) {
    return lighter(partners.get(a).value, a, partners.get(b).value, b);
  }

  /** Evicted first: a smaller combined co-count, or on a tie the greater id (as {@link ItemNeighbors}). */
  private static boolean lighter(double ca, String a, double cb, String b) {
    return ca < cb || ca == cb && a.compareTo(b) > 0;
  }

  private void scanLightest() {
    lightest = new ArrayList<>(LIGHTEST_KEPT + 1);
    double[] weights = new double[LIGHTEST_KEPT + 1];
    for (Map.Entry<String, Weight> e : partners.entrySet()) {
      String id = e.getKey();
      double w = e.getValue().value;
      int n = lightest.size();
      if (n < LIGHTEST_KEPT || lighter(w, id, weights[n - 1], lightest.get(n - 1))) {
        int i = n;
        while (i > 0 && lighter(w, id, weights[i - 1], lightest.get(i - 1))) {
          i--;
        }
        System.arraycopy(weights, i, weights, i + 1, n - i);
        weights[i] = w;
        lightest.add(i, id);
        if (lightest.size() > LIGHTEST_KEPT) {
          lightest.remove(lightest.size() - 1);
        }
      }
    }
  }
}
