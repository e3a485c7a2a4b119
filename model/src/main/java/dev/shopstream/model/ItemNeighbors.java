package dev.shopstream.model;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * One item's side of the co-occurrence store (mutable, serializable): its own occurrence count per signal and at
 * most {@code maxNeighborsPerItem} candidate neighbours, each with its co-count per signal and the neighbour's
 * occurrence count as last reported (the streaming pipeline learns a neighbour's count with each co-occurrence;
 * the in-memory {@link CoOccurrenceModel} looks counts up exactly instead).
 *
 * <p>Bounded memory: when a new candidate would exceed the cap, the candidate with the smallest combined co-count
 * (ties: the greatest id) is evicted — possibly the new one.
 */
public final class ItemNeighbors implements Serializable {
  private static final long serialVersionUID = 1L;

  private final String itemId;
  private SignalVector count = SignalVector.ZERO;
  private final Map<String, Candidate> candidates = new HashMap<>();
  /** The next candidates to evict (not serialized: a scan finds them again); created when first needed. */
  private transient EvictionOrder eviction;

  /** A candidate's co-count and its last known occurrence count, per signal. */
  public record Candidate(SignalVector coCount, SignalVector neighborCount) implements Serializable {}

  public ItemNeighbors(String itemId) {
    this.itemId = itemId;
  }

  /**
   * An item's store holding {@code count} and {@code candidates} as {@link #count()}, {@link #candidateIds()} and
   * {@link #candidate} returned them: for a state coder restoring what it wrote (the map is copied).
   */
  public static ItemNeighbors restore(String itemId, SignalVector count, Map<String, Candidate> candidates) {
    ItemNeighbors neighbors = new ItemNeighbors(itemId);
    neighbors.count = count;
    neighbors.candidates.putAll(candidates);
    return neighbors;
  }

  public String itemId() {
    return itemId;
  }

  public SignalVector count() {
    return count;
  }

  public int size() {
    return candidates.size();
  }

  public Candidate candidate(String neighborId) {
    return candidates.get(neighborId);
  }

  /** Ids of the tracked candidates, sorted. */
  public List<String> candidateIds() {
    List<String> ids = new ArrayList<>(candidates.keySet());
    ids.sort(null);
    return ids;
  }

  /**
   * Raises a tracked candidate's last known count to at least {@code reported}; ignored for an untracked one
   * (never adds a candidate). Returns whether the candidate is tracked.
   */
  public boolean reportNeighborCount(String neighborId, SignalVector reported) {
    Candidate old = candidates.get(neighborId);
    if (old == null) {
      return false;
    }
    candidates.put(neighborId, new Candidate(old.coCount(), old.neighborCount().max(reported)));
    return true;
  }

  public void addOccurrence(SignalVector weights) {
    count = count.plus(weights);
  }

  /**
   * Raises the item's own count to at least {@code reported} (element-wise): for a count reported by another
   * worker, where reports may arrive out of order; counts only grow, so the maximum is the latest.
   */
  public void reportCount(SignalVector reported) {
    count = count.max(reported);
  }

  /**
   * Adds {@code increment} to the co-count with {@code neighborId}; {@code neighborCount}, when not null, raises
   * the neighbour's last known occurrence count (element-wise maximum: reports may arrive out of order). Returns false when the candidate was not kept (evicted).
   */
  public boolean addCoOccurrence(String neighborId, SignalVector increment, SignalVector neighborCount,
      int maxCandidates) {
    if (neighborId.equals(itemId)) {
      return false;
    }
    Candidate old = candidates.get(neighborId);
    SignalVector co = old == null ? increment : old.coCount().plus(increment);
    SignalVector nb = old == null ? SignalVector.ZERO : old.neighborCount();
    if (neighborCount != null) {
      nb = nb.max(neighborCount);
    }
    candidates.put(neighborId, new Candidate(co, nb));
    if (old != null) {
      eviction().grew(neighborId);
    } else {
      eviction().added(neighborId);
    }
    if (candidates.size() > maxCandidates) {
      String evict = eviction().evict(candidates.keySet());
      candidates.remove(evict);
      return !evict.equals(neighborId);
    }
    return true;
  }

  private EvictionOrder eviction() {
    if (eviction == null) {
      eviction = new EvictionOrder(id -> candidates.get(id).coCount().get(Signal.COMBINED));
    }
    return eviction;
  }

  /** Top {@code k} neighbours for the signal, scored with the candidates' last known counts. */
  public List<Neighbor> top(int k, Signal signal, Similarity similarity, double total) {
    return top(k, signal, similarity, id -> candidates.get(id).neighborCount().get(signal), total);
  }

  /**
   * Top {@code k} neighbours for the signal: candidates with a positive co-count, by score descending, then
   * co-count descending, then id; ranks from 1. {@code neighborCount} gives a neighbour's occurrence count for the
   * signal, {@code total} the signal's total occurrence (only lift uses it).
   */
  public List<Neighbor> top(int k, Signal signal, Similarity similarity, ToDoubleFunction<String> neighborCount,
      double total) {
    record Scored(String id, double score, double co) {}
    double own = count.get(signal);
    List<Scored> scored = new ArrayList<>();
    for (Map.Entry<String, Candidate> e : candidates.entrySet()) {
      double co = e.getValue().coCount().get(signal);
      if (co <= 0) {
        continue;
      }
      double score = signal.scoredBy(similarity).score(co, own, neighborCount.applyAsDouble(e.getKey()), total);
      if (score > 0) {
        scored.add(new Scored(e.getKey(), score, co));
      }
    }
    scored.sort(Comparator.comparingDouble(Scored::score).reversed()
        .thenComparing(Comparator.comparingDouble(Scored::co).reversed())
        .thenComparing(Scored::id));
    List<Neighbor> out = new ArrayList<>();
    for (int i = 0; i < Math.min(k, scored.size()); i++) {
      Scored s = scored.get(i);
      out.add(new Neighbor(s.id(), signal, s.score(), i + 1, s.co()));
    }
    return out;
  }
}
