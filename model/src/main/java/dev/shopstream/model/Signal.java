package dev.shopstream.model;

import dev.shopstream.contract.EventType;
import java.util.Locale;

/**
 * Which count a number belongs to. {@link #CO_VIEW}, {@link #CO_CART} and {@link #CO_PURCHASE} count pairs of
 * interactions of the same type (both viewed, both added to a cart, both bought); {@link #COMBINED} counts every
 * pair of co-occurrence interactions, weighted by {@link ModelConfig#pairWeight}. {@link #NEXT} is the one directed
 * signal: {@code c_next(a, b)} counts b coming after a in a user's sequence, within {@link ModelConfig#nextSteps}
 * interactions, each transition weighted by {@code 1 / distance} (see {@link UserHistory#observe}); a's {@code next}
 * neighbours are the items often taken after a, not before it.
 */
public enum Signal {
  CO_VIEW, CO_CART, CO_PURCHASE, COMBINED, NEXT;

  /**
   * How this signal's counts are scored: the configured similarity for the symmetric co-occurrence signals, and
   * {@link Similarity#CONFIDENCE} for {@link #NEXT}, whose question, "what do people take after a?", is P(c | a):
   * a symmetric normalization would also divide by how often c occurs, and push down the successors most people take.
   */
  public Similarity scoredBy(Similarity configured) {
    return this == NEXT ? Similarity.CONFIDENCE : configured;
  }

  /** The {@code signal} column value of {@code item_neighbors}: co_view, co_cart, co_purchase, combined, next. */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Signal fromWireName(String name) {
    return valueOf(name.toUpperCase(Locale.ROOT));
  }

  /**
   * The same-type signal of an event type: view → co_view, add_to_cart → co_cart, purchase → co_purchase; null for
   * search and remove_from_cart, which are not co-occurrence signals (a search names no product; removing from
   * the cart is a negative signal, never evidence that two products belong together).
   */
  public static Signal forType(EventType type) {
    return switch (type) {
      case VIEW -> CO_VIEW;
      case ADD_TO_CART -> CO_CART;
      case PURCHASE -> CO_PURCHASE;
      case SEARCH, REMOVE_FROM_CART -> null;
    };
  }
}
