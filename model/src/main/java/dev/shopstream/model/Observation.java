package dev.shopstream.model;

import java.io.Serializable;
import java.util.List;

/**
 * What one interaction contributes to the item store: the interacted item's occurrence increment (per signal) and
 * the co-occurrence increments with the user's recent items. Both are empty for a repeated interaction (same
 * product, same type, already among the user's recent items), which only refreshes its time.
 */
public record Observation(Interaction interaction, SignalVector occurrence, List<CoIncrement> pairs)
    implements Serializable {
  public Observation {
    pairs = List.copyOf(pairs);
  }

  public boolean isEmpty() {
    return occurrence.isZero() && pairs.isEmpty();
  }
}
