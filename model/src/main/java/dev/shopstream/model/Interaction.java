package dev.shopstream.model;

import dev.shopstream.contract.Event;
import dev.shopstream.contract.EventType;
import dev.shopstream.contract.ProductLine;
import java.io.Serializable;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** One user–product interaction: what the user did with the product, and when. */
public record Interaction(String productId, EventType type, Instant time) implements Serializable {
  public Interaction {
    Objects.requireNonNull(productId, "productId");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(time, "time");
  }

  /** One interaction per product line of the event, in the event's order (none for a search). */
  public static List<Interaction> of(Event event) {
    List<Interaction> out = new ArrayList<>();
    for (ProductLine line : event.products()) {
      out.add(new Interaction(line.productId(), event.eventType(), event.eventTime()));
    }
    return out;
  }
}
