package dev.shopstream.contract;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * Reads and writes events of contract v1. Decoding is the contract's one {@link RecordDecoder}: {@link #decode}
 * never throws on bad input; malformed JSON, wrong types and rule violations all come back as {@link FieldError}s
 * naming each bad field.
 */
public final class EventCodec {
  /** Classpath location of the contract; terraform and the docs read the same file from the source tree. */
  public static final String SCHEMA_RESOURCE = "/contract/schemas/event-v1.schema.json";

  /** Field names of an event in contract JSON ({@code event-v1.schema.json}); a product line's fields below. */
  public static final String EVENT_ID = "event_id";
  public static final String EVENT_TYPE = "event_type";
  public static final String USER_ID = "user_id";
  public static final String SESSION_ID = "session_id";
  public static final String EVENT_TIME = "event_time";
  public static final String PRODUCTS = "products";
  public static final String CURRENCY = "currency";
  public static final String QUERY = "query";
  public static final String ATTRIBUTES = "attributes";
  /** Field names of one line of {@link #PRODUCTS}. */
  public static final String PRODUCT_ID = "product_id";
  public static final String QUANTITY = "quantity";
  public static final String PRICE = "price";

  private static final JsonSchema SCHEMA = JsonSchema.fromResource(SCHEMA_RESOURCE);

  private final RecordDecoder<Event> decoder;

  public EventCodec(Clock clock) {
    this.decoder = new RecordDecoder<>(SCHEMA, Objects.requireNonNull(clock, "clock"), EventCodec::toEvent);
  }

  public static JsonSchema schema() {
    return SCHEMA;
  }

  /** The result of decoding one record: an event, or the errors (never both). */
  public record Decoded(Event event, List<FieldError> errors) {
    public boolean isValid() {
      return event != null;
    }

    /** "event_type: must be one of [...]; user_id: is required" */
    public String errorSummary() {
      return FieldError.summary(errors);
    }

    static Decoded of(RecordDecoder.Result<Event> result) {
      return new Decoded(result.value(), result.errors());
    }
  }

  /**
   * What the pipeline makes of one message payload on the events topic: the event, or the reason it is
   * dead-lettered and at which step ({@link #STEP_PARSE}: not UTF-8 JSON; {@link #STEP_VALIDATE}: breaks the
   * contract), with the payload's {@code event_id} when it has a textual one.
   */
  public record Payload(Event event, String step, String reason, String eventId) {
    public boolean isValid() {
      return event != null;
    }
  }

  public static final String STEP_PARSE = "parse";
  public static final String STEP_VALIDATE = "validate";

  /**
   * Decodes a message payload exactly as the pipeline's parse does: strict UTF-8, one JSON document, then the same
   * {@link #decode(JsonNode) validation} as the edge. The edge publishes {@code encode(event)} as UTF-8 only for
   * events this validator accepted, so whatever the edge accepts passes here (a property test checks it).
   */
  public Payload decodePayload(byte[] payload) {
    int malformedAt = malformedUtf8Offset(payload);
    if (malformedAt >= 0) {
      return new Payload(null, STEP_PARSE,
          new FieldError(FieldError.ROOT, "is not valid UTF-8 (malformed byte at offset " + malformedAt + ")")
              .toString(), null);
    }
    List<FieldError> parseErrors = new ArrayList<>();
    JsonNode node = Json.parseRecord(new String(payload, java.nio.charset.StandardCharsets.UTF_8), parseErrors);
    if (node == null) {
      return new Payload(null, STEP_PARSE, FieldError.summary(parseErrors), null);
    }
    Decoded decoded = decode(node);
    if (!decoded.isValid()) {
      String id = node.path(EVENT_ID).isTextual() ? node.get(EVENT_ID).textValue() : null;
      return new Payload(null, STEP_VALIDATE, decoded.errorSummary(), id);
    }
    return new Payload(decoded.event(), null, null, decoded.event().eventId());
  }

  /** Offset of the first byte that is not well-formed UTF-8, or -1 when all of them are. */
  public static int malformedUtf8Offset(byte[] bytes) {
    java.nio.ByteBuffer in = java.nio.ByteBuffer.wrap(bytes);
    java.nio.charset.CoderResult result = java.nio.charset.StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
        .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
        .decode(in, java.nio.CharBuffer.allocate(bytes.length), true);
    return result.isError() ? in.position() : -1;
  }

  /** Parses JSON text; see {@link #decode(JsonNode)}. */
  public Decoded decode(String json) {
    return Decoded.of(decoder.decode(json));
  }

  /** Validates against the schema and builds the event; all errors at once when invalid. */
  public Decoded decode(JsonNode node) {
    return Decoded.of(decoder.decode(node));
  }

  /**
   * Sets {@code event_id} to the id {@link #decodeAtEdge} gives a record published with its user id as sent
   * ({@link EventIds.Derivation#ofRecord}) when the object has none. Returns the same node for chaining.
   */
  public static JsonNode withDerivedIdIfMissing(JsonNode node) {
    if (node instanceof ObjectNode o && (!o.hasNonNull(EVENT_ID))) {
      o.put(EVENT_ID, EventIds.Derivation.ofRecord(o).digestAsSent().get());
    }
    return node;
  }

  /** Stands in for a missing {@code event_id} during validation only; never published. */
  static final String PENDING_ID = "pending-derivation";

  /**
   * Decodes a record at the edge (ingest and upload functions): validates it as sent (raw user id), replaces the
   * user id by {@code pseudonym} ({@link UnaryOperator#identity} when user ids are published unchanged), then, when
   * the record has no {@code event_id}, sets the id {@code derivation} (null: none, the id is required) gives the published event: the one place an
   * event id is derived. {@code node} may be modified.
   */
  public Decoded decodeAtEdge(JsonNode node, EventIds.Derivation derivation, UnaryOperator<String> pseudonym) {
    boolean derive = derivation != null && node instanceof ObjectNode o && !o.hasNonNull(EVENT_ID);
    if (derive) {
      ((ObjectNode) node).put(EVENT_ID, PENDING_ID);
    }
    Decoded decoded = decode(node);
    if (derive) {
      ((ObjectNode) node).remove(EVENT_ID);
    }
    if (!decoded.isValid()) {
      return decoded;
    }
    Event sent = decoded.event();
    Event published = sent.withUserId(pseudonym.apply(sent.userId()));
    if (derive) {
      published = published.withEventId(derivation.idOf(published, sent.userId()));
    }
    return new Decoded(published, List.of());
  }

  private static Event toEvent(JsonNode n) {
    List<ProductLine> products = new ArrayList<>();
    for (JsonNode p : n.path(PRODUCTS)) {
      products.add(new ProductLine(
          p.get(PRODUCT_ID).textValue(),
          p.hasNonNull(QUANTITY) ? p.get(QUANTITY).longValue() : 1L,
          p.hasNonNull(PRICE) ? p.get(PRICE).doubleValue() + 0.0 : null)); // + 0.0: no negative zero
    }
    Map<String, String> attributes = new LinkedHashMap<>();
    n.path(ATTRIBUTES).fields().forEachRemaining(e -> attributes.put(e.getKey(), e.getValue().textValue()));
    return new Event(
        n.get(EVENT_ID).textValue(),
        EventType.fromWireName(n.get(EVENT_TYPE).textValue()),
        n.get(USER_ID).textValue(),
        RecordDecoder.text(n, SESSION_ID),
        JsonSchema.parseDateTime(n.get(EVENT_TIME).textValue()).toInstant(),
        products,
        RecordDecoder.text(n, CURRENCY),
        RecordDecoder.text(n, QUERY),
        attributes);
  }

  /** The event as contract JSON (the form published to Pub/Sub); absent optional fields are omitted. */
  public static ObjectNode toJson(Event e) {
    ObjectNode o = Json.MAPPER.createObjectNode();
    o.put(EVENT_ID, e.eventId());
    o.put(EVENT_TYPE, e.eventType().wireName());
    o.put(USER_ID, e.userId());
    if (e.sessionId() != null) {
      o.put(SESSION_ID, e.sessionId());
    }
    o.put(EVENT_TIME, e.eventTime().toString());
    if (!e.products().isEmpty()) {
      ArrayNode products = o.putArray(PRODUCTS);
      for (ProductLine p : e.products()) {
        ObjectNode line = products.addObject();
        line.put(PRODUCT_ID, p.productId());
        line.put(QUANTITY, p.quantity());
        if (p.price() != null) {
          line.put(PRICE, p.price());
        }
      }
    }
    if (e.currency() != null) {
      o.put(CURRENCY, e.currency());
    }
    if (e.query() != null) {
      o.put(QUERY, e.query());
    }
    if (!e.attributes().isEmpty()) {
      ObjectNode attributes = o.putObject(ATTRIBUTES);
      e.attributes().entrySet().stream().sorted(Map.Entry.comparingByKey())
          .forEach(a -> attributes.put(a.getKey(), a.getValue()));
    }
    return o;
  }

  public static String encode(Event e) {
    return toJson(e).toString();
  }
}
