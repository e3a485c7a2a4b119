package dev.shopstream.contract;

import java.io.Serializable;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * A valid catalog product of contract v1 ({@code product-v1.schema.json}). Instances come only from
 * {@link ProductCodec#decode}, so every instance satisfies the schema. Optional fields are null when absent;
 * {@code attributes} is never null.
 */
public record Product(
    String productId,
    String title,
    String category,
    Double price,
    String currency,
    Boolean available,
    Map<String, String> attributes,
    Instant updatedAt) implements Serializable {

  public Product {
    Objects.requireNonNull(productId, "productId");
    Objects.requireNonNull(updatedAt, "updatedAt");
    attributes = Map.copyOf(attributes == null ? Map.of() : attributes);
  }
}
