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
  /** The other field names of a product in contract JSON ({@code product-v1.schema.json}). */
  public static final String TITLE = "title";
  public static final String CATEGORY = "category";
  public static final String PRICE = "price";
  public static final String CURRENCY = "currency";
  public static final String AVAILABLE = "available";
  public static final String ATTRIBUTES = "attributes";
  public static final String UPDATED_AT = "updated_at";

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
    n.path(ATTRIBUTES).fields().forEachRemaining(e -> attributes.put(e.getKey(), e.getValue().textValue()));
    return new Product(
        n.get(PRODUCT_ID).textValue(),
        RecordDecoder.text(n, TITLE),
        RecordDecoder.text(n, CATEGORY),
        n.hasNonNull(PRICE) ? n.get(PRICE).doubleValue() : null,
        RecordDecoder.text(n, CURRENCY),
        n.hasNonNull(AVAILABLE) ? n.get(AVAILABLE).booleanValue() : null,
        attributes,
        JsonSchema.parseDateTime(n.get(UPDATED_AT).textValue()).toInstant());
  }

  /** The product as contract JSON (the form published to Pub/Sub); absent optional fields are omitted. */
  public static ObjectNode toJson(Product p) {
    ObjectNode o = Json.MAPPER.createObjectNode();
    o.put(PRODUCT_ID, p.productId());
    if (p.title() != null) {
      o.put(TITLE, p.title());
    }
    if (p.category() != null) {
      o.put(CATEGORY, p.category());
    }
    if (p.price() != null) {
      o.put(PRICE, p.price());
    }
    if (p.currency() != null) {
      o.put(CURRENCY, p.currency());
    }
    if (p.available() != null) {
      o.put(AVAILABLE, p.available());
    }
    if (!p.attributes().isEmpty()) {
      ObjectNode attributes = o.putObject(ATTRIBUTES);
      p.attributes().entrySet().stream().sorted(Map.Entry.comparingByKey())
          .forEach(a -> attributes.put(a.getKey(), a.getValue()));
    }
    o.put(UPDATED_AT, p.updatedAt().toString());
    return o;
  }

  public static String encode(Product p) {
    return toJson(p).toString();
  }
}
