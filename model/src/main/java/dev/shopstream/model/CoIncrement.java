package dev.shopstream.model;

import java.io.Serializable;

/**
 * A co-occurrence increment: {@code c(a,b)} and {@code c(b,a)} both grow by {@code weights} (the symmetric signals;
 * its {@link Signal#NEXT} value is ignored), and the directed transition count {@code c_next(a → b)} grows by
 * {@code next} (b came after a). {@code itemA} is the earlier (recent) item, {@code itemB} the one just interacted
 * with.
 */
public record CoIncrement(String itemA, String itemB, SignalVector weights, double next) implements Serializable {
  public CoIncrement {
    weights = weights.with(Signal.NEXT, 0);
  }

  /** A symmetric increment with no transition. */
  public CoIncrement(String itemA, String itemB, SignalVector weights) {
    this(itemA, itemB, weights, 0);
  }

  /** What a's entry for neighbour b grows by: the symmetric weights and the transition a → b. */
  public SignalVector incrementOfA() {
    return next == 0 ? weights : weights.with(Signal.NEXT, next);
  }

  /** What b's entry for neighbour a grows by: the symmetric weights only (b → a is not a transition). */
  public SignalVector incrementOfB() {
    return weights;
  }
}
