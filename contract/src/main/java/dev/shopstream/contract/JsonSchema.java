package dev.shopstream.contract;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * A validator for the subset of JSON Schema (2020-12) that the contract's schema files use: {@code type},
 * {@code enum}, {@code const}, {@code minLength}, {@code maxLength}, {@code pattern}, {@code format: date-time},
 * {@code minimum}, {@code maximum}, {@code minItems}, {@code maxItems}, {@code items}, {@code properties},
 * {@code required}, {@code additionalProperties} (boolean or schema), {@code maxProperties}, {@code allOf} and
 * {@code if}/{@code then}, plus one extension, {@code x-max-future} (an ISO-8601 duration bounding a date-time
 * against the clock).
 *
 * <p>Unlike a first-error validator it reports <em>every</em> bad field at once, each by its path. A keyword the
 * validator does not know fails loudly when the schema is loaded, so the schema file can never promise a rule that
 * is silently not enforced.
 */
public final class JsonSchema {
  private static final List<String> KNOWN_KEYWORDS = List.of(
      "$schema", "$id", "title", "description", "type", "enum", "const", "minLength", "maxLength", "pattern",
      "format", "minimum", "maximum", "minItems", "maxItems", "items", "properties", "required",
      "additionalProperties", "maxProperties", "allOf", "if", "then", "x-max-future", "x-table");

  private final JsonNode root;
  private final Map<String, Pattern> patterns = new ConcurrentHashMap<>();

  private JsonSchema(JsonNode root) {
    this.root = root;
    checkKeywords(root, "#");
  }

  /** Loads a schema from the class path, e.g. {@code /contract/schemas/event-v1.schema.json}. */
  public static JsonSchema fromResource(String resource) {
    try (InputStream in = JsonSchema.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalArgumentException("schema not on the class path: " + resource);
      }
      return new JsonSchema(Json.MAPPER.readTree(in)); // trusted JSON: our schema resource
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read schema " + resource, e);
    }
  }

  public static JsonSchema of(JsonNode schema) {
    return new JsonSchema(schema);
  }

  /** The schema document itself (for table and doc derivation). */
  public JsonNode document() {
    return root;
  }

  /** Every violation of {@code value}, in document order; empty when valid. */
  public List<FieldError> validate(JsonNode value, Clock clock) {
    List<FieldError> errors = new ArrayList<>();
    validate(root, value, "", errors, clock);
    return errors;
  }

  private void validate(JsonNode schema, JsonNode value, String path, List<FieldError> errors, Clock clock) {
    String field = path.isEmpty() ? FieldError.ROOT : path;
    if (schema.has("type") && !typeMatches(schema.get("type"), value)) {
      errors.add(new FieldError(field, "must be " + describeType(schema.get("type")) + ", was " + describe(value)));
      return; // further keywords would only repeat the type error
    }
    if (schema.has("const") && !schema.get("const").equals(value)) {
      errors.add(new FieldError(field, "must be " + schema.get("const")));
    }
    if (schema.has("enum") && !contains(schema.get("enum"), value)) {
      errors.add(new FieldError(field, "must be one of " + schema.get("enum") + ", was " + describe(value)));
    }
    if (value.isTextual()) {
      validateString(schema, value.textValue(), field, errors, clock);
    } else if (value.isNumber() && !isFinite(value)) {
      errors.add(new FieldError(field, "must be a finite number, was one too large to represent"));
    } else if (value.isNumber()) {
      validateNumber(schema, value, field, errors);
    } else if (value.isArray()) {
      validateArray(schema, value, path, field, errors, clock);
    } else if (value.isObject()) {
      validateObject(schema, value, path, field, errors, clock);
    }
    if (schema.has("allOf")) {
      for (JsonNode sub : schema.get("allOf")) {
        validateConditional(sub, value, path, errors, clock);
      }
    }
    if (schema.has("if")) {
      validateConditional(schema, value, path, errors, clock);
    }
  }

  private void validateConditional(JsonNode schema, JsonNode value, String path, List<FieldError> errors, Clock clock) {
    if (!schema.has("if")) {
      validate(schema, value, path, errors, clock);
      return;
    }
    if (!validate(schema.get("if"), value, clock).isEmpty() || !schema.has("then")) {
      return;
    }
    List<FieldError> thenErrors = new ArrayList<>();
    validate(schema.get("then"), value, path, thenErrors, clock);
    if (thenErrors.isEmpty()) {
      return; // the common case: no description of the condition to build
    }
    String condition = describeCondition(schema.get("if"));
    for (FieldError e : thenErrors) {
      errors.add(condition.isEmpty() ? e : new FieldError(e.field(), e.reason() + " when " + condition));
    }
  }

  private List<FieldError> validate(JsonNode schema, JsonNode value, Clock clock) {
    List<FieldError> errors = new ArrayList<>();
    validate(schema, value, "", errors, clock);
    return errors;
  }

  private void validateString(JsonNode schema, String s, String field, List<FieldError> errors, Clock clock) {
    int unpaired = unpairedSurrogateAt(s);
    if (unpaired >= 0) {
      errors.add(new FieldError(field, "must be valid Unicode: an unpaired UTF-16 surrogate "
          + String.format("\\u%04x", (int) s.charAt(unpaired)) + " at character " + unpaired));
      return; // UTF-8 cannot carry it: published, it would silently become '?'
    }
    int length = s.codePointCount(0, s.length());
    if (schema.has("minLength") && length < schema.get("minLength").intValue()) {
      errors.add(new FieldError(field, length == 0 ? "must not be empty"
          : "must be at least " + schema.get("minLength").intValue() + " characters"));
    }
    if (schema.has("maxLength") && length > schema.get("maxLength").intValue()) {
      errors.add(new FieldError(field, "must be at most " + schema.get("maxLength").intValue()
          + " characters, was " + length));
    }
    if (schema.has("pattern")) {
      String regex = schema.get("pattern").textValue();
      if (!patterns.computeIfAbsent(regex, JsonSchema::compileEcma).matcher(s).find()) {
        errors.add(new FieldError(field, "must match " + regex));
      }
    }
    if (schema.has("format") && "date-time".equals(schema.get("format").textValue())) {
      OffsetDateTime time = parseDateTime(s);
      if (time == null) {
        errors.add(new FieldError(field, "must be an RFC 3339 date-time with a zone offset, e.g. 2026-11-22T10:15:30Z"));
      } else if (time.toInstant().isBefore(MIN_TIME) || time.toInstant().isAfter(MAX_TIME)) {
        errors.add(new FieldError(field, "must fall from 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999Z in UTC"
            + " (BigQuery's TIMESTAMP range), was " + time.toInstant()));
      } else if (schema.has("x-max-future")) {
        Duration ahead = MAX_FUTURE.computeIfAbsent(schema.get("x-max-future").textValue(), Duration::parse);
        if (time.toInstant().isAfter(clock.instant().plus(ahead))) {
          errors.add(new FieldError(field, "must not be more than " + ahead.toHours() + " hours in the future"));
        }
      }
    }
  }

  /** Parsed {@code x-max-future} durations (a schema has one or two): parsed once, not per validated value. */
  private static final java.util.concurrent.ConcurrentMap<String, Duration> MAX_FUTURE =
      new java.util.concurrent.ConcurrentHashMap<>();

  /** The earliest and latest instants an event time may have (BigQuery's TIMESTAMP range, in UTC). */
  public static final java.time.Instant MIN_TIME = java.time.Instant.parse("0001-01-01T00:00:00Z");
  public static final java.time.Instant MAX_TIME = java.time.Instant.parse("9999-12-31T23:59:59.999999999Z");

  /** Index of the first UTF-16 surrogate in {@code s} that is not half of a pair, or -1. */
  public static int unpairedSurrogateAt(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c)) {
        if (i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
          i++;
        } else {
          return i;
        }
      } else if (Character.isLowSurrogate(c)) {
        return i;
      }
    }
    return -1;
  }

  /** {@code s} with every unpaired surrogate written as backslash, u and four hex digits, to be shown. */
  static String escapeUnpaired(String s) {
    if (unpairedSurrogateAt(s) < 0) {
      return s;
    }
    StringBuilder out = new StringBuilder(s.length() + 8);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
        out.append(c).append(s.charAt(++i));
      } else if (Character.isSurrogate(c)) {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  /**
   * Compiles a schema pattern with JSON Schema's (ECMA-262) meaning of {@code $}: the end of the input. Java's
   * {@code $} also matches before a final line terminator, so {@code ^[A-Z]{3}$} would accept {@code "USD\n"} and
   * "USD" and U+2028; every {@code $} outside a character class becomes {@code \z}.
   */
  static Pattern compileEcma(String regex) {
    StringBuilder out = new StringBuilder(regex.length() + 4);
    boolean inClass = false;
    for (int i = 0; i < regex.length(); i++) {
      char c = regex.charAt(i);
      if (c == '\\' && i + 1 < regex.length()) {
        out.append(c).append(regex.charAt(++i));
      } else if (inClass) {
        inClass = c != ']';
        out.append(c);
      } else if (c == '[') {
        inClass = true;
        out.append(c);
        if (i + 1 < regex.length() && regex.charAt(i + 1) == ']') {
          out.append(regex.charAt(++i)); // "[]...]": a leading ']' is literal
        }
      } else if (c == '$') {
        out.append("\\z");
      } else {
        out.append(c);
      }
    }
    return Pattern.compile(out.toString());
  }

  /**
   * Parses an RFC 3339 date-time; null when it is not one. The year must be four digits from 0001 (RFC 3339 and
   * BigQuery's TIMESTAMP range): Java's ISO parser alone would also take {@code -2026-...} and {@code +10000-...}.
   */
  public static OffsetDateTime parseDateTime(String s) {
    return Rfc3339.parse(s);
  }


  private static void validateNumber(JsonNode schema, JsonNode value, String field, List<FieldError> errors) {
    BigDecimal n = value.decimalValue();
    if (schema.has("minimum") && n.compareTo(schema.get("minimum").decimalValue()) < 0) {
      errors.add(new FieldError(field, "must be at least " + schema.get("minimum").asText() + ", was " + value));
    }
    if (schema.has("maximum") && n.compareTo(schema.get("maximum").decimalValue()) > 0) {
      errors.add(new FieldError(field, "must be at most " + schema.get("maximum").asText() + ", was " + value));
    }
  }

  private void validateArray(JsonNode schema, JsonNode value, String path, String field, List<FieldError> errors,
      Clock clock) {
    if (schema.has("minItems") && value.size() < schema.get("minItems").intValue()) {
      errors.add(new FieldError(field, "must have at least " + schema.get("minItems").intValue() + " item(s)"));
    }
    if (schema.has("maxItems") && value.size() > schema.get("maxItems").intValue()) {
      errors.add(new FieldError(field, "must have at most " + schema.get("maxItems").intValue() + " items, had "
          + value.size()));
      return; // do not validate (and report on) thousands of items past the limit
    }
    if (schema.has("items")) {
      for (int i = 0; i < value.size(); i++) {
        validate(schema.get("items"), value.get(i), path + "[" + i + "]", errors, clock);
      }
    }
  }

  private void validateObject(JsonNode schema, JsonNode value, String path, String field, List<FieldError> errors,
      Clock clock) {
    String prefix = path.isEmpty() ? "" : path + ".";
    if (schema.has("required")) {
      for (JsonNode name : schema.get("required")) {
        JsonNode member = value.get(name.textValue());
        if (member == null || member.isNull()) {
          errors.add(new FieldError(prefix + name.textValue(), "is required"));
        }
      }
    }
    if (schema.has("maxProperties") && value.size() > schema.get("maxProperties").intValue()) {
      errors.add(new FieldError(field, "must have at most " + schema.get("maxProperties").intValue()
          + " entries, had " + value.size()));
      return;
    }
    JsonNode properties = schema.path("properties");
    JsonNode additional = schema.get("additionalProperties");
    for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> member = it.next();
      String key = member.getKey();
      String shown = escapeUnpaired(key);
      String memberPath = prefix + (key.isBlank() ? "\"" + key + "\"" : shown); // a blank name, quoted to be seen
      JsonNode memberSchema = properties.get(member.getKey());
      if (unpairedSurrogateAt(key) >= 0) {
        errors.add(new FieldError(memberPath, "name must be valid Unicode: it has an unpaired UTF-16 surrogate"));
      } else if (memberSchema != null) {
        if (!member.getValue().isNull()) { // null means absent; "required" reports it where it matters
          validate(memberSchema, member.getValue(), memberPath, errors, clock);
        }
      } else if (additional != null && additional.isBoolean() && !additional.booleanValue()) {
        errors.add(new FieldError(memberPath, "is not a field of this contract"));
      } else if (additional != null && additional.isObject()) {
        validate(additional, member.getValue(), memberPath, errors, clock);
      }
    }
  }

  private static boolean typeMatches(JsonNode type, JsonNode value) {
    if (type.isArray()) {
      for (JsonNode t : type) {
        if (typeMatches(t, value)) {
          return true;
        }
      }
      return false;
    }
    return switch (type.textValue()) {
      case "string" -> value.isTextual();
      case "integer" -> value.isIntegralNumber()
          || (value.isNumber() && isFinite(value) && value.decimalValue().stripTrailingZeros().scale() <= 0);
      case "number" -> value.isNumber() && isFinite(value);
      case "boolean" -> value.isBoolean();
      case "object" -> value.isObject();
      case "array" -> value.isArray();
      case "null" -> value.isNull();
      default -> throw new IllegalStateException("unknown type in schema: " + type);
    };
  }

  /**
   * False for a number that Jackson could only read as an infinite double (e.g. {@code 1e999999999}): it has no
   * decimal value, so it can match no numeric type or bound.
   */
  private static boolean isFinite(JsonNode value) {
    return !(value.isDouble() || value.isFloat()) || Double.isFinite(value.doubleValue());
  }

  private static String describeType(JsonNode type) {
    if (type.isArray()) {
      List<String> names = new ArrayList<>();
      type.forEach(t -> names.add(t.textValue()));
      return "one of " + String.join(", ", names);
    }
    String t = type.textValue();
    return switch (t) {
      case "integer", "array", "object" -> "an " + t;
      default -> "a " + t;
    };
  }

  private static String describe(JsonNode value) {
    if (value.isTextual()) {
      String s = escapeUnpaired(value.textValue());
      return s.length() > 40 ? "a string" : "\"" + s + "\"";
    }
    if (value.isNumber()) {
      return value.isIntegralNumber() ? "an integer" : isFinite(value) ? "a number" : "a number too large to represent";
    }
    if (value.isBoolean()) {
      return "a boolean";
    }
    if (value.isNull()) {
      return "null";
    }
    return value.isArray() ? "an array" : "an object";
  }

  private static boolean contains(JsonNode values, JsonNode value) {
    for (JsonNode v : values) {
      if (v.equals(value)) {
        return true;
      }
    }
    return false;
  }

  /** "event_type is search" for {@code {"properties": {"event_type": {"const": "search"}}}}. */
  private static String describeCondition(JsonNode ifSchema) {
    List<String> parts = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = ifSchema.path("properties").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> p = it.next();
      if (p.getValue().has("const")) {
        parts.add(p.getKey() + " is " + p.getValue().get("const").asText());
      } else if (p.getValue().has("enum")) {
        List<String> values = new ArrayList<>();
        p.getValue().get("enum").forEach(v -> values.add(v.asText()));
        parts.add(p.getKey() + " is " + String.join(", ", values));
      }
    }
    return String.join(" and ", parts);
  }

  private static void checkKeywords(JsonNode schema, String where) {
    if (!schema.isObject()) {
      return;
    }
    for (Iterator<String> it = schema.fieldNames(); it.hasNext(); ) {
      String keyword = it.next();
      if (!KNOWN_KEYWORDS.contains(keyword)) {
        throw new IllegalArgumentException("schema keyword not supported by the validator: " + where + "/" + keyword);
      }
    }
    for (String nested : List.of("items", "if", "then")) {
      if (schema.has(nested)) {
        checkKeywords(schema.get(nested), where + "/" + nested);
      }
    }
    if (schema.path("additionalProperties").isObject()) {
      checkKeywords(schema.get("additionalProperties"), where + "/additionalProperties");
    }
    schema.path("properties").fields().forEachRemaining(p -> checkKeywords(p.getValue(), where + "/" + p.getKey()));
    schema.path("allOf").forEach(s -> checkKeywords(s, where + "/allOf"));
  }
}
