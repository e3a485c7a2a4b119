package dev.shopstream.contract.rows;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shopstream.contract.EventIds;
import dev.shopstream.contract.FieldError;
import dev.shopstream.contract.Json;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The rows of one upload file (JSON Lines, or RFC 4180 CSV with a header) as contract JSON records, before
 * validation: the one reading of upload files shared by the upload function and the pipeline's backfill, so a file
 * yields the same records (and ids) whichever path it takes.
 *
 * <p>An events row without {@code event_id} gets {@link #rowId}: {@code EventIds.fromParts("r-", bucket, object,
 * line, SHA-256 of the row's text)} (for CSV the header line is part of the row's text: it says what the fields
 * mean). It does not depend on the object's generation, so re-uploading the same content publishes the same ids
 * (dropped downstream as duplicates), while a changed row is a new event; two identical rows on different lines are
 * two events. Stable across redeliveries, retries and backfills of the same content. A catalog row without
 * {@code updated_at} gets the default given (the object's creation time). A CSV row becomes the JSON record its
 * columns name (an events row holds one product line); CSV numbers and booleans become JSON ones when they are, else
 * stay text so that validation names the bad field.
 */
public final class RowParser {
  /** The upload bucket's folders: an object under {@code events/} holds events, under {@code catalog/} products. */
  public static final String EVENTS_FOLDER = "events";
  public static final String CATALOG_FOLDER = "catalog";

  /** Events CSV columns, in the documented order. */
  public static final List<String> EVENT_COLUMNS = List.of("event_id", "event_type", "user_id", "session_id",
      "event_time", "product_id", "quantity", "price", "currency", "query");
  public static final Set<String> EVENT_REQUIRED_COLUMNS = Set.of("event_type", "user_id", "event_time");
  /** Catalog CSV columns, in the documented order. */
  public static final List<String> CATALOG_COLUMNS = List.of("product_id", "title", "category", "price", "currency",
      "available", "updated_at");
  public static final Set<String> CATALOG_REQUIRED_COLUMNS = Set.of("product_id");

  /** Row formats: JSON Lines ({@code .jsonl}, {@code .ndjson}) and RFC 4180 CSV with a header ({@code .csv}). */
  public enum Format {
    JSONL, CSV;

    /** The supported extensions, as stated in reports. */
    public static final String SUPPORTED = ".jsonl, .ndjson or .csv, each optionally followed by .gz";

    /** The format of a file from its name (case-insensitive, after an optional {@code .gz}); empty when unknown. */
    public static Optional<Format> ofFileName(String fileName) {
      String name = fileName.toLowerCase(Locale.ROOT);
      if (isGzip(name)) {
        name = name.substring(0, name.length() - 3);
      }
      return name.endsWith(".jsonl") || name.endsWith(".ndjson") ? Optional.of(JSONL)
          : name.endsWith(".csv") ? Optional.of(CSV) : Optional.empty();
    }

    /** Whether the name ends with {@code .gz} (case-insensitive). */
    public static boolean isGzip(String fileName) {
      return fileName.toLowerCase(Locale.ROOT).endsWith(".gz");
    }
  }

  /**
   * One row read: the JSON record, or why the row could not be read as one (never both). An events record without
   * {@code event_id} comes with the {@code derivation} of its id (null otherwise), applied once: by
   * {@link dev.shopstream.contract.EventCodec#decodeAtEdge} after pseudonymization (the upload function), or by
   * {@link #node()} for the record as sent (the pipeline's backfill).
   */
  public record Parsed(JsonNode record, List<FieldError> errors, EventIds.Derivation derivation) {
    public Parsed {
      errors = List.copyOf(errors);
    }

    public Parsed(JsonNode node, List<FieldError> errors) {
      this(node, errors, null);
    }

    public boolean isValid() {
      return record != null;
    }

    /** The record with its {@code event_id}: a missing one is derived from the row as sent. */
    public JsonNode node() {
      if (derivation == null || !(record instanceof ObjectNode o)) {
        return record;
      }
      ObjectNode withId = o.deepCopy();
      withId.put("event_id", derivation.idOfDigest().apply(derivation.digestAsSent().get()));
      return withId;
    }

    /** The errors as one text: a row-level reason alone, or {@code column: reason; ...}. */
    public String error() {
      return errors.size() == 1 && errors.get(0).field().equals(FieldError.ROOT) ? errors.get(0).reason()
          : FieldError.summary(errors);
    }

    static Parsed invalid(String reason) {
      return new Parsed(null, List.of(new FieldError(FieldError.ROOT, reason)));
    }
  }

  /** The file cannot be read as a whole (e.g. a CSV without a valid header). */
  public static final class BadFileException extends Exception {
    public BadFileException(String message) {
      super(message);
    }
  }

  private final boolean csv;
  private final boolean events;
  private final List<String> columns;
  private final Set<String> requiredColumns;
  private final String[] idParts;
  private final String defaultUpdatedAt;
  private List<String> header;
  private String headerText;

  private RowParser(Format format, boolean events, String[] idParts, String defaultUpdatedAt) {
    this.csv = format == Format.CSV;
    this.events = events;
    this.columns = events ? EVENT_COLUMNS : CATALOG_COLUMNS;
    this.requiredColumns = events ? EVENT_REQUIRED_COLUMNS : CATALOG_REQUIRED_COLUMNS;
    this.idParts = idParts;
    this.defaultUpdatedAt = defaultUpdatedAt;
  }

  /** Events rows of the object {@code bucket/object}, the parts (with line and row) of the default ids. */
  public static RowParser events(Format format, String bucket, String object) {
    return new RowParser(format, true, new String[] {bucket, object}, null);
  }

  /**
   * The id of an events row that has none: from the bucket, the object name, the 1-based line and a digest of what
   * the row says ({@code rowDigest}; {@link #rowDigest} of its text, or of the pseudonymized event when user ids
   * are pseudonymized: an unkeyed digest over a raw user id would let anyone confirm a guessed id).
   */
  public static String rowId(String bucket, String object, long line, String rowDigest) {
    return EventIds.fromParts("r-", bucket, object, Long.toString(line), rowDigest);
  }

  /** SHA-256 (hex) of the row's text, preceded for CSV by the header line and a line feed. */
  public String rowDigest(String text) {
    return EventIds.fromParts("", csv ? headerText + "\n" + text : text);
  }

  /** Catalog rows; {@code defaultUpdatedAt} (RFC 3339, may be null) fills a missing {@code updated_at}. */
  public static RowParser catalog(Format format, String defaultUpdatedAt) {
    return new RowParser(format, false, null, defaultUpdatedAt);
  }

  /** Whether the first non-blank row is a header (CSV). */
  public boolean expectsHeader() {
    return csv;
  }

  /** Reads the CSV header: known column names, each at most once, including the required ones. */
  public void header(String text) throws BadFileException {
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
    headerText = text;
  }

  /**
   * The record of the row starting on 1-based {@code line}, with the default id or {@code updated_at} filled in.
   *
   * @throws IllegalStateException for a CSV row before {@link #header}
   */
  public Parsed parse(long line, String text) {
    JsonNode node;
    if (!csv) {
      try {
        node = Json.readUntrusted(text);
      } catch (JsonProcessingException e) {
        return Parsed.invalid("is not valid JSON: " + e.getOriginalMessage());
      }
    } else {
      if (header == null) {
        throw new IllegalStateException("a CSV row before the header");
      }
      List<String> fields;
      try {
        fields = Csv.fields(text);
      } catch (Csv.MalformedRecordException e) {
        return Parsed.invalid("is not a valid CSV record: " + e.getMessage());
      }
      if (fields.size() != header.size()) {
        return Parsed.invalid("has " + fields.size() + " field(s), the header has " + header.size());
      }
      List<FieldError> formulas = new ArrayList<>();
      for (int i = 0; i < fields.size(); i++) {
        if (isFormula(fields.get(i))) {
          formulas.add(new FieldError(header.get(i), "starts with '" + fields.get(i).charAt(0) + "': a spreadsheet "
              + "formula cell is refused (CSV formula injection)"));
        }
      }
      if (!formulas.isEmpty()) {
        return new Parsed(null, formulas);
      }
      Map<String, String> values = new HashMap<>();
      for (int i = 0; i < fields.size(); i++) {
        if (!fields.get(i).isEmpty()) {
          values.put(header.get(i), fields.get(i));
        }
      }
      node = events ? eventFromCsv(values) : productFromCsv(values);
    }
    if (node instanceof ObjectNode o) {
      if (events && !o.hasNonNull("event_id")) {
        String bucket = idParts[0];
        String object = idParts[1];
        return new Parsed(node, List.of(), new EventIds.Derivation(() -> rowDigest(text),
            digest -> rowId(bucket, object, line, digest)));
      } else if (!events && !o.hasNonNull("updated_at") && defaultUpdatedAt != null) {
        o.put("updated_at", defaultUpdatedAt);
      }
    }
    return new Parsed(node, List.of());
  }

  /**
   * A cell a spreadsheet would evaluate (OWASP's list: a leading {@code = + - @}, tab or carriage return), unless
   * it is a plain number such as {@code -1} or {@code +5}. Such a value would otherwise travel to the warehouse and
   * into every export of it; refusing it keeps exports safe to open.
   */
  public static boolean isFormula(String cell) {
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

  private static ObjectNode eventFromCsv(Map<String, String> v) {
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

  private static ObjectNode productFromCsv(Map<String, String> v) {
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

  /** A CSV number as a JSON number when it is one, else as text (so the schema names the bad field). */
  private static void putNumber(ObjectNode o, String field, String value) {
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

  private static void putText(ObjectNode o, String field, String value) {
    if (value != null) {
      o.put(field, value);
    }
  }
}
