package dev.shopstream.contract;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Reads and writes catalog products of contract v1 (one row of a catalog upload). Decoding is the contract's one
 * {@link RecordDecoder}: it never throws on bad input; malformed JSON, wrong types and rule violations all come back
 * as {@link FieldError}s naming each bad field.
 */
public final class ProductCodec {
  /** Classpath location of the catalog contract. */
  public static final String SCHEMA_RESOURCE = "/contract/schemas/product-v1.schema.json";

  private static final JsonSchema SCHEMA = JsonSchema.fromResource(SCHEMA_RESOURCE);

  /** The product's id field (also the catalog message's attribute, {@link MessageEnvelope#PRODUCT_ID}). */
  public static final String PRODUCT_ID = "product_id";

  private final RecordDecoder<Product> decoder;

  public ProductCodec(Clock clock) {
    this.decoder = new RecordDecoder<>(SCHEMA, Objects.requireNonNull(clock, "clock"), ProductCodec::toProduct);
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

    static Decoded of(RecordDecoder.Result<Product> result) {
      return new Decoded(result.value(), result.errors());
    }
  }

  /** Parses JSON text; see {@link #decode(JsonNode)}. */
  public Decoded decode(String json) {
    return Decoded.of(decoder.decode(json));
  }

  /** Validates against the schema and builds the product; all errors at once when invalid. */
  public Decoded decode(JsonNode node) {
    return Decoded.of(decoder.decode(node));
  }

  private static Product toProduct(JsonNode n) {
    Map<String, String> attributes = new LinkedHashMap<>();
    n.path("attributes").fields().forEachRemaining(e -> attributes.put(e.getKey(), e.getValue().textValue()));
    return new Product(
        n.get("product_id").textValue(),
        RecordDecoder.text(n, "title"),
        RecordDecoder.text(n, "category"),
        n.hasNonNull("price") ? n.get("price").doubleValue() : null,
        RecordDecoder.text(n, "currency"),
        n.hasNonNull("available") ? n.get("available").booleanValue() : null,
        attributes,
        JsonSchema.parseDateTime(n.get("updated_at").textValue()).toInstant());
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
