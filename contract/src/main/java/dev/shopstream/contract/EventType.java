package dev.shopstream.contract;

import java.util.Locale;

/** What a user did; the wire name is the lower-case enum name (the schema's {@code event_type} enum). */
public enum EventType {
  VIEW, SEARCH, ADD_TO_CART, REMOVE_FROM_CART, PURCHASE;

  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static EventType fromWireName(String name) {
    return valueOf(name.toUpperCase(Locale.ROOT));
  }
}
