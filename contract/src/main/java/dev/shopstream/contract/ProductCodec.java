package dev.shopstream.contract;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Reads and writes catalog products of contract v1 (one row of a catalog upload). Mirrors {@link EventCodec}:
 * {@link #decode} never throws on bad input; malformed JSON, wrong types and rule violations all come back as
 * {@link FieldError}s naming each bad field.
 */
public final class ProductCodec {
  /** Classpath location of the catalog contract. */
  public static final String SCHEMA_RESOURCE = "/contract/schemas/product-v1.schema.json";

  private static final JsonSchema SCHEMA = JsonSchema.fromResource(SCHEMA_RESOURCE);

  private final Clock clock;

  public ProductCodec(Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  public static JsonSchema schema() {
    return SCHEMA;
  }

  /** The result of decoding one record: a product, or the errors (never both). */
  public record Decoded(Product product, List<FieldError> errors) {
    public boolean isValid() {
      return product != null;
    }

    /** "price: must be at least 0, was -1; product_id: is required" */
    public String errorSummary() {
      return FieldError.summary(errors);
    }

    static Decoded invalid(List<FieldError> errors) {
      return new Decoded(null, List.copyOf(errors));
    }
  }

  /** Parses JSON text; see {@link #decode(JsonNode)}. */
  public Decoded decode(String json) {
    List<FieldError> errors = new ArrayList<>();
    JsonNode node = Json.parseRecord(json, errors);
    return node == null ? Decoded.invalid(errors) : decode(node);
  }

  /** Validates against the schema and builds the product; all errors at once when invalid. */
  public Decoded decode(JsonNode node) {
    List<FieldError> errors = SCHEMA.validate(node, clock);
    if (!errors.isEmpty()) {
      return Decoded.invalid(errors);
    }
    return new Decoded(toProduct(node), List.of());
  }

  private static Product toProduct(JsonNode n) {
    Map<String, String> attributes = new LinkedHashMap<>();
    n.path("attributes").fields().forEachRemaining(e -> attributes.put(e.getKey(), e.getValue().textValue()));
    return new Product(
        n.get("product_id").textValue(),
        text(n, "title"),
        text(n, "category"),
        n.hasNonNull("price") ? n.get("price").doubleValue() : null,
        text(n, "currency"),
        n.hasNonNull("available") ? n.get("available").booleanValue() : null,
        attributes,
        JsonSchema.parseDateTime(n.get("updated_at").textValue()).toInstant());
  }

  private static String text(JsonNode n, String field) {
    return n.hasNonNull(field) ? n.get(field).textValue() : null;
  }

  /** The product as contract JSON (the form published to Pub/Sub); absent optional fields are omitted. */
  public static ObjectNode toJson(Product p) {
    ObjectNode o = Json.MAPPER.createObjectNode();
    o.put("product_id", p.productId());
    if (p.title() != null) {
      o.put("title", p.title());
    }
    if (p.category() != null) {
      o.put("category", p.category());
    }
    if (p.price() != null) {
      o.put("price", p.price());
    }
    if (p.currency() != null) {
      o.put("currency", p.currency());
    }
    if (p.available() != null) {
      o.put("available", p.available());
    }
    if (!p.attributes().isEmpty()) {
      ObjectNode attributes = o.putObject("attributes");
      p.attributes().entrySet().stream().sorted(Map.Entry.comparingByKey())
          .forEach(a -> attributes.put(a.getKey(), a.getValue()));
    }
    o.put("updated_at", p.updatedAt().toString());
    return o;
  }

  public static String encode(Product p) {
    return toJson(p).toString();
  }
}
