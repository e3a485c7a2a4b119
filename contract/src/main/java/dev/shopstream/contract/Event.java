package dev.shopstream.contract;

import java.io.Serializable;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A valid event of contract v1. Instances come only from {@link EventCodec#decode}, so every instance satisfies
 * the schema. Optional fields are null when absent; {@code products} and {@code attributes} are never null.
 */
public record Event(
    String eventId,
    EventType eventType,
    String userId,
    String sessionId,
    Instant eventTime,
    List<ProductLine> products,
    String currency,
    String query,
    Map<String, String> attributes) implements Serializable {

  public Event {
    Objects.requireNonNull(eventId, "eventId");
    Objects.requireNonNull(eventType, "eventType");
    Objects.requireNonNull(userId, "userId");
    Objects.requireNonNull(eventTime, "eventTime");
    products = List.copyOf(products == null ? List.of() : products);
    attributes = Map.copyOf(attributes == null ? Map.of() : attributes);
  }

  /** The same event with another id (the edge sets a derived id once, after pseudonymization). */
  public Event withEventId(String id) {
    return new Event(id, eventType, userId, sessionId, eventTime, products, currency, query, attributes);
  }

  /** The same event with another user id (pseudonymization). */
  public Event withUserId(String user) {
    return new Event(eventId, eventType, user, sessionId, eventTime, products, currency, query, attributes);
  }

  /** Total value of the event's products (quantity × price, unknown prices count 0). */
  public double value() {
    double total = 0;
    for (ProductLine p : products) {
      total += p.price() == null ? 0 : p.price() * p.quantity();
    }
    return total;
  }
}
