package dev.shopstream.contract;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
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
   * Parses one JSON document of a record. Returns null, and adds a {@link FieldError} on {@code $} to
   * {@code errors}, when the text is not JSON, has trailing content or is empty: bad input is an error, never an
   * exception.
   */
  public static JsonNode parseRecord(String json, List<FieldError> errors) {
    JsonNode node;
    try {
      node = MAPPER.readTree(json);
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
