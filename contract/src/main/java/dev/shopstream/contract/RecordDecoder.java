package dev.shopstream.contract;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * The one decoder of contract records (events, products): parse JSON, validate against the record's schema, and
 * build the typed record from a valid node. Never throws on bad input: malformed JSON, wrong types and rule
 * violations all come back as {@link FieldError}s naming each bad field.
 *
 * @param <T> the typed record ({@link Event}, {@link Product})
 */
public final class RecordDecoder<T> {
  private final JsonSchema schema;
  private final Clock clock;
  private final Function<JsonNode, T> build;

  /** {@code build} is called only with nodes {@code schema} accepted. */
  public RecordDecoder(JsonSchema schema, Clock clock, Function<JsonNode, T> build) {
    this.schema = Objects.requireNonNull(schema, "schema");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.build = Objects.requireNonNull(build, "build");
  }

  /** The result of decoding one record: the record, or the errors (never both). */
  public record Result<T>(T value, List<FieldError> errors) {
    public Result {
      errors = List.copyOf(errors);
    }

    public boolean isValid() {
      return value != null;
    }
  }

  /** Parses JSON text; see {@link #decode(JsonNode)}. */
  public Result<T> decode(String json) {
    List<FieldError> errors = new ArrayList<>();
    JsonNode node = Json.parseRecord(json, errors);
    return node == null ? new Result<>(null, errors) : decode(node);
  }

  /** Validates against the schema and builds the record; all errors at once when invalid. */
  public Result<T> decode(JsonNode node) {
    List<FieldError> errors = schema.validate(node, clock);
    return errors.isEmpty() ? new Result<>(build.apply(node), List.of()) : new Result<>(null, errors);
  }

  /** The text of an optional field, null when absent or null. */
  static String text(JsonNode n, String field) {
    return n.hasNonNull(field) ? n.get(field).textValue() : null;
  }
}
