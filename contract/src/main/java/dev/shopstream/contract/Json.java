package dev.shopstream.contract;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.util.List;

/** The one JSON mapper of the contract, with explicit limits on what a hostile payload may make it do. */
public final class Json {
  /** Deepest nesting accepted in any payload (the contract itself needs 4). */
  public static final int MAX_NESTING_DEPTH = 32;
  /** Longest single string or number literal accepted, in characters. */
  public static final int MAX_STRING_LENGTH = 1 << 20;

  public static final ObjectMapper MAPPER = new ObjectMapper(JsonFactory.builder()
      .streamReadConstraints(StreamReadConstraints.builder()
          .maxNestingDepth(MAX_NESTING_DEPTH)
          .maxStringLength(MAX_STRING_LENGTH)
          .maxNumberLength(64)
          .build())
      .build())
      .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
      .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

  private Json() {}

  /**
   * {@link #MAPPER}'s {@code readTree} for text from outside (a request body, an uploaded row, a message): every way
   * the text can be bad is a {@link JsonProcessingException}. Jackson itself throws {@link NumberFormatException}
   * for a short number whose exponent no {@code BigDecimal} holds ({@code 1e-9999999990}: floats are read as
   * {@code BigDecimal}s), which would escape a caller's {@code catch (JsonProcessingException e)} and fail the
   * whole request or bundle instead of naming the bad record. Every parse of outside text goes through here
   * ({@code UntrustedJsonGoesThroughJsonTest} checks the main sources).
   */
  public static JsonNode readUntrusted(String text) throws JsonProcessingException {
    try {
      return MAPPER.readTree(text);
    } catch (NumberFormatException e) {
      throw outOfRange(e);
    }
  }

  /** {@link #readUntrusted(String)} for bytes (UTF-8 or as Jackson detects the encoding). */
  public static JsonNode readUntrusted(byte[] bytes) throws IOException {
    try {
      return MAPPER.readTree(bytes);
    } catch (NumberFormatException e) {
      throw outOfRange(e);
    }
  }

  private static JsonProcessingException outOfRange(NumberFormatException e) {
    return new JsonParseException((JsonParser) null, "a number out of range: " + e.getMessage(), e);
  }

  /**
   * Parses one JSON document of a record. Returns null, and adds a {@link FieldError} on {@code $} to
   * {@code errors}, when the text is not JSON, has trailing content or is empty: bad input is an error, never an
   * exception.
   */
  public static JsonNode parseRecord(String json, List<FieldError> errors) {
    JsonNode node;
    try {
      node = readUntrusted(json);
    } catch (JsonProcessingException e) {
      errors.add(new FieldError(FieldError.ROOT, "is not valid JSON: " + e.getOriginalMessage()));
      return null;
    }
    if (node == null || node.isMissingNode()) {
      errors.add(new FieldError(FieldError.ROOT, "is empty"));
      return null;
    }
    return node;
  }
}
