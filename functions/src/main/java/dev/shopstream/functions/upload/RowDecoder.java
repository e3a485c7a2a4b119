package dev.shopstream.functions.upload;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import com.google.pubsub.v1.PubsubMessage;
import dev.shopstream.contract.EventCodec;
import dev.shopstream.contract.EventIds;
import dev.shopstream.contract.FieldError;
import dev.shopstream.contract.Json;
import dev.shopstream.contract.Product;
import dev.shopstream.contract.ProductCodec;
import dev.shopstream.functions.EventMessages;
import dev.shopstream.functions.UserIdPseudonymizer;
import java.math.BigDecimal;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Turns the rows of one uploaded object into Pub/Sub messages, or into the errors naming each bad field. Rows of
 * events without {@code event_id} get {@code EventIds.fromParts("g-", bucket, name, generation, line)}; catalog rows
 * without {@code updated_at} get the object's creation time. Both are stable across redeliveries and retries.
 */
abstract class RowDecoder {
  /** Events CSV columns, in the documented order. */
  static final List<String> EVENT_COLUMNS = List.of("event_id", "event_type", "user_id", "session_id", "event_time",
      "product_id", "quantity", "price", "currency", "query");
  static final Set<String> EVENT_REQUIRED_COLUMNS = Set.of("event_type", "user_id", "event_time");
  /** Catalog CSV columns, in the documented order. */
  static final List<String> CATALOG_COLUMNS = List.of("product_id", "title", "category", "price", "currency",
      "available", "updated_at");
  static final Set<String> CATALOG_REQUIRED_COLUMNS = Set.of("product_id");

  /** One decoded row: a message to publish, or the errors (never both). */
  record Decoded(PubsubMessage message, List<FieldError> errors) {
    boolean isValid() {
      return message != null;
    }

    String reason() {
      return String.join("; ", errors.stream().map(FieldError::toString).toList());
    }

    static Decoded invalid(String reason) {
      return new Decoded(null, List.of(new FieldError(FieldError.ROOT, reason)));
    }
  }

  /** The file cannot be read as a whole (e.g. a CSV without a valid header). */
  static final class BadFileException extends Exception {
    BadFileException(String message) {
      super(message);
    }
  }

  private final boolean csv;
  private final List<String> columns;
  private final Set<String> requiredColumns;
  private List<String> header;

  private RowDecoder(FileType type, List<String> columns, Set<String> requiredColumns) {
    this.csv = type.format() == FileType.Format.CSV;
    this.columns = columns;
    this.requiredColumns = requiredColumns;
  }

  static RowDecoder forFile(FileType type, UploadedObject object, String defaultUpdatedAt, Clock clock,
      UserIdPseudonymizer pseudonymizer) {
    return type.kind() == FileType.Kind.EVENTS ? new Events(type, object, clock, pseudonymizer)
        : new Catalog(type, defaultUpdatedAt, clock);
  }

  /** Whether the first non-blank row is a header (CSV). */
  boolean expectsHeader() {
    return csv;
  }

  /** Reads the CSV header: known column names, each at most once, including the required ones. */
  void header(String text) throws BadFileException {
    String expected = "the first line must name the columns (" + String.join(",", columns) + "; required: "
        + String.join(",", requiredColumns.stream().sorted().toList()) + ")";
    List<String> names;
    try {
      names = Csv.fields(text).stream().map(s -> s.trim().toLowerCase(Locale.ROOT)).toList();
    } catch (Csv.MalformedRecordException e) {
      throw new BadFileException("CSV header is malformed (" + e.getMessage() + "): " + expected);
    }
    List<String> unknown = names.stream().filter(n -> !columns.contains(n)).toList();
    if (!unknown.isEmpty()) {
      throw new BadFileException("CSV header missing or invalid, unknown column(s) " + unknown + ": " + expected);
    }
    if (Set.copyOf(names).size() != names.size()) {
      throw new BadFileException("CSV header names a column twice: " + expected);
    }
    List<String> missing = requiredColumns.stream().filter(c -> !names.contains(c)).sorted().toList();
    if (!missing.isEmpty()) {
      throw new BadFileException("CSV header lacks required column(s) " + missing + ": " + expected);
    }
    header = names;
  }

  Decoded decode(long line, String text) {
    if (!csv) {
      JsonNode node;
      try {
        node = Json.MAPPER.readTree(text);
      } catch (JsonProcessingException e) {
        return Decoded.invalid("is not valid JSON: " + e.getOriginalMessage());
      }
      return decodeNode(line, node, false);
    }
    List<String> fields;
    try {
      fields = Csv.fields(text);
    } catch (Csv.MalformedRecordException e) {
      return Decoded.invalid("is not a valid CSV record: " + e.getMessage());
    }
    if (fields.size() != header.size()) {
      return Decoded.invalid("has " + fields.size() + " field(s), the header has " + header.size());
    }
    List<FieldError> formulas = new ArrayList<>();
    for (int i = 0; i < fields.size(); i++) {
      if (isFormula(fields.get(i))) {
        formulas.add(new FieldError(header.get(i), "starts with '" + fields.get(i).charAt(0) + "': a spreadsheet "
            + "formula cell is refused (CSV formula injection)"));
      }
    }
    if (!formulas.isEmpty()) {
      return new Decoded(null, formulas);
    }
    Map<String, String> values = new HashMap<>();
    for (int i = 0; i < fields.size(); i++) {
      if (!fields.get(i).isEmpty()) {
        values.put(header.get(i), fields.get(i));
      }
    }
    return decodeNode(line, fromCsv(values), true);
  }

  /**
   * A cell a spreadsheet would evaluate (OWASP's list: a leading {@code = + - @}, tab or carriage return), unless
   * it is a plain number such as {@code -1} or {@code +5}. Such a value would otherwise travel to the warehouse and
   * into every export of it; refusing it keeps exports safe to open.
   */
  static boolean isFormula(String cell) {
    if (cell.isEmpty() || "=+-@\t\r".indexOf(cell.charAt(0)) < 0) {
      return false;
    }
    if (cell.charAt(0) != '+' && cell.charAt(0) != '-') {
      return true;
    }
    try {
      new BigDecimal(cell);
      return false;
    } catch (NumberFormatException e) {
      return true;
    }
  }

  abstract ObjectNode fromCsv(Map<String, String> values);

  abstract Decoded decodeNode(long line, JsonNode node, boolean fromCsv);

  /** A CSV number as a JSON number when it is one, else as text (so the schema names the bad field). */
  static void putNumber(ObjectNode o, String field, String value) {
    if (value == null) {
      return;
    }
    try {
      BigDecimal n = new BigDecimal(value.trim());
      if (n.stripTrailingZeros().scale() <= 0 && n.abs().compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) < 0) {
        o.put(field, n.longValue());
      } else {
        o.put(field, n);
      }
    } catch (NumberFormatException e) {
      o.put(field, value);
    }
  }

  static void putText(ObjectNode o, String field, String value) {
    if (value != null) {
      o.put(field, value);
    }
  }

  private static final class Events extends RowDecoder {
    private final UploadedObject object;
    private final EventCodec codec;
    private final UserIdPseudonymizer pseudonymizer;

    Events(FileType type, UploadedObject object, Clock clock, UserIdPseudonymizer pseudonymizer) {
      super(type, EVENT_COLUMNS, EVENT_REQUIRED_COLUMNS);
      this.object = object;
      this.codec = new EventCodec(clock);
      this.pseudonymizer = pseudonymizer;
    }

    @Override
    ObjectNode fromCsv(Map<String, String> v) {
      ObjectNode o = Json.MAPPER.createObjectNode();
      putText(o, "event_id", v.get("event_id"));
      putText(o, "event_type", v.get("event_type"));
      putText(o, "user_id", v.get("user_id"));
      putText(o, "session_id", v.get("session_id"));
      putText(o, "event_time", v.get("event_time"));
      if (v.containsKey("product_id") || v.containsKey("quantity") || v.containsKey("price")) {
        ObjectNode product = o.putArray("products").addObject();
        putText(product, "product_id", v.get("product_id"));
        putNumber(product, "quantity", v.get("quantity"));
        putNumber(product, "price", v.get("price"));
      }
      putText(o, "currency", v.get("currency"));
      putText(o, "query", v.get("query"));
      return o;
    }

    @Override
    Decoded decodeNode(long line, JsonNode node, boolean fromCsv) {
      if (node instanceof ObjectNode o && !o.hasNonNull("event_id")) {
        o.put("event_id", EventIds.fromParts("g-", object.bucket(), object.name(),
            Long.toString(object.generation()), Long.toString(line)));
      }
      EventCodec.Decoded d = codec.decode(node);
      if (d.isValid()) {
        // ids of rows without one come from the object and line, never from the user id: nothing to re-derive
        return new Decoded(EventMessages.of(pseudonymizer.apply(d.event(), false)), List.of());
      }
      if (!fromCsv) {
        return new Decoded(null, d.errors());
      }
      // A CSV row has one product; name its columns, not the JSON path.
      List<FieldError> errors = new ArrayList<>();
      for (FieldError e : d.errors()) {
        String field = e.field().startsWith("products[0].") ? e.field().substring("products[0].".length())
            : e.field().equals("products") ? "product_id" : e.field();
        errors.add(new FieldError(field, e.reason()));
      }
      return new Decoded(null, errors);
    }
  }

  private static final class Catalog extends RowDecoder {
    private final String defaultUpdatedAt;
    private final ProductCodec codec;

    Catalog(FileType type, String defaultUpdatedAt, Clock clock) {
      super(type, CATALOG_COLUMNS, CATALOG_REQUIRED_COLUMNS);
      this.defaultUpdatedAt = defaultUpdatedAt;
      this.codec = new ProductCodec(clock);
    }

    @Override
    ObjectNode fromCsv(Map<String, String> v) {
      ObjectNode o = Json.MAPPER.createObjectNode();
      putText(o, "product_id", v.get("product_id"));
      putText(o, "title", v.get("title"));
      putText(o, "category", v.get("category"));
      putNumber(o, "price", v.get("price"));
      putText(o, "currency", v.get("currency"));
      String available = v.get("available");
      if (available != null) {
        String a = available.trim().toLowerCase(Locale.ROOT);
        if (a.equals("true") || a.equals("false")) {
          o.put("available", Boolean.parseBoolean(a));
        } else {
          o.put("available", available);
        }
      }
      putText(o, "updated_at", v.get("updated_at"));
      return o;
    }

    @Override
    Decoded decodeNode(long line, JsonNode node, boolean fromCsv) {
      if (node instanceof ObjectNode o && !o.hasNonNull("updated_at") && defaultUpdatedAt != null) {
        o.put("updated_at", defaultUpdatedAt);
      }
      ProductCodec.Decoded d = codec.decode(node);
      if (!d.isValid()) {
        return new Decoded(null, d.errors());
      }
      Product p = d.product();
      Map<String, String> attributes = new LinkedHashMap<>();
      attributes.put("product_id", p.productId());
      attributes.put("updated_at", p.updatedAt().toString());
      return new Decoded(PubsubMessage.newBuilder()
          .setData(ByteString.copyFromUtf8(ProductCodec.encode(p)))
          .putAllAttributes(attributes)
          .build(), List.of());
    }
  }
}
