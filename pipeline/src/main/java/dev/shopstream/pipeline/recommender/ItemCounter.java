package dev.shopstream.pipeline.recommender;

import dev.shopstream.model.EvictionOrder;
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
  /** The next partners to evict, as {@link ItemNeighbors} finds them ({@link EvictionOrder}). */
  private final EvictionOrder eviction;

  ItemCounter(String itemId) {
    this(itemId, SignalVector.ZERO, new HashMap<>());
  }

  private ItemCounter(String itemId, SignalVector count, Map<String, Weight> partners) {
    this.itemId = Objects.requireNonNull(itemId, "itemId");
    this.count = Objects.requireNonNull(count, "count");
    this.partners = partners;
    this.eviction = new EvictionOrder(id -> partners.get(id).value);
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
      eviction.added(partner);
    } else {
      w.value += add;
      eviction.grew(partner);
    }
    if (partners.size() > maxPartners) {
      partners.remove(eviction.evict(partners.keySet()));
    }
  }
}
