package dev.shopstream.contract;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class EventCodecTest {
  private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-22T12:00:00Z"), ZoneOffset.UTC);
  private final EventCodec codec = new EventCodec(CLOCK);

  private static List<String> fields(EventCodec.Decoded d) {
    return d.errors().stream().map(FieldError::field).toList();
  }

  @Test
  void decodesAValidPurchaseWithDefaults() {
    EventCodec.Decoded d = codec.decode("""
        {"event_id":"e-1","event_type":"purchase","user_id":"u1","session_id":"s1",
         "event_time":"2026-11-22T10:15:30+01:00","currency":"EUR",
         "products":[{"product_id":"p1","quantity":2,"price":9.5},{"product_id":"p2"}],
         "attributes":{"page":"/checkout"}}""");

    assertThat(d.errors()).isEmpty();
    Event e = d.event();
    assertThat(e.eventType()).isEqualTo(EventType.PURCHASE);
    assertThat(e.eventTime()).isEqualTo(Instant.parse("2026-11-22T09:15:30Z"));
    assertThat(e.products()).containsExactly(new ProductLine("p1", 2, 9.5), new ProductLine("p2", 1, null));
    assertThat(e.value()).isEqualTo(19.0);
    assertThat(e.attributes()).containsEntry("page", "/checkout");
  }

  @Test
  void reportsEveryBadFieldAtOnceByName() {
    EventCodec.Decoded d = codec.decode("""
        {"event_type":"teleport","user_id":"","event_time":"yesterday",
         "products":[{"product_id":"p1","quantity":0,"price":-1},{"quantity":"two"}],
         "colour":"red","attributes":{"a":5}}""");

    assertThat(d.isValid()).isFalse();
    assertThat(fields(d)).containsExactlyInAnyOrder(
        "event_id", "event_type", "user_id", "event_time", "products[0].quantity", "products[0].price",
        "products[1].product_id", "products[1].quantity", "colour", "attributes.a");
    assertThat(d.errorSummary())
        .contains("event_type: must be one of [\"view\",\"search\",\"add_to_cart\",\"remove_from_cart\",\"purchase\"]")
        .contains("colour: is not a field of this contract")
        .contains("products[1].quantity: must be an integer");
  }

  @Test
  void requiresProductsOrQueryDependingOnTheEventType() {
    EventCodec.Decoded view = codec.decode(
        "{\"event_id\":\"e\",\"event_type\":\"view\",\"user_id\":\"u\",\"event_time\":\"2026-11-22T10:00:00Z\"}");
    EventCodec.Decoded search = codec.decode(
        "{\"event_id\":\"e\",\"event_type\":\"search\",\"user_id\":\"u\",\"event_time\":\"2026-11-22T10:00:00Z\"}");

    assertThat(view.errors()).containsExactly(new FieldError("products",
        "is required when event_type is view, add_to_cart, remove_from_cart, purchase"));
    assertThat(search.errors()).containsExactly(new FieldError("query", "is required when event_type is search"));
  }

  @Test
  void rejectsEventsTooFarInTheFutureButKeepsOldOnes() {
    String template = "{\"event_id\":\"e\",\"event_type\":\"view\",\"user_id\":\"u\",\"event_time\":\"%s\","
        + "\"products\":[{\"product_id\":\"p\"}]}";
    assertThat(codec.decode(template.formatted("2026-11-23T11:59:00Z")).isValid()).isTrue();
    assertThat(codec.decode(template.formatted("2010-12-01T08:26:00Z")).isValid()).isTrue();
    assertThat(codec.decode(template.formatted("2026-11-23T12:00:01Z")).errors())
        .containsExactly(new FieldError("event_time", "must not be more than 24 hours in the future"));
    assertThat(fields(codec.decode(template.formatted("2026-11-22T10:00:00")))).containsExactly("event_time");
  }

  @Test
  void malformedInputIsAnErrorNotAnException() {
    assertThat(fields(codec.decode("{\"event_id\": "))).containsExactly("$");
    assertThat(fields(codec.decode(""))).containsExactly("$");
    assertThat(fields(codec.decode("[1,2]"))).containsExactly("$");
    assertThat(fields(codec.decode("{\"a\":1} {\"b\":2}"))).containsExactly("$");
    assertThat(codec.decode("{\"user_id\":\"a\",\"user_id\":\"b\"}").errorSummary()).contains("Duplicate field");
    String deep = "[".repeat(Json.MAX_NESTING_DEPTH + 5) + "]".repeat(Json.MAX_NESTING_DEPTH + 5);
    assertThat(fields(codec.decode(deep))).containsExactly("$");
  }

  @Test
  void encodeThenDecodeGivesTheSameEvent() {
    Event original = codec.decode("""
        {"event_id":"e-2","event_type":"search","user_id":"u","event_time":"2026-11-22T10:00:00.123Z",
         "query":"red shoes","attributes":{"b":"2","a":"1"}}""").event();

    Event again = codec.decode(EventCodec.encode(original)).event();

    assertThat(again).isEqualTo(original);
    assertThat(EventCodec.encode(original)).isEqualTo(
        "{\"event_id\":\"e-2\",\"event_type\":\"search\",\"user_id\":\"u\",\"event_time\":\"2026-11-22T10:00:00.123Z\","
            + "\"query\":\"red shoes\",\"attributes\":{\"a\":\"1\",\"b\":\"2\"}}");
  }

  @Test
  void derivedIdsAreStableAndIgnoreFieldOrder() throws Exception {
    JsonNode a = Json.MAPPER.readTree("{\"event_type\":\"view\",\"user_id\":\"u\",\"products\":[{\"product_id\":\"p\"}]}");
    JsonNode b = Json.MAPPER.readTree("{\"products\":[{\"product_id\":\"p\"}],\"user_id\":\"u\",\"event_type\":\"view\"}");
    JsonNode c = Json.MAPPER.readTree("{\"products\":[{\"product_id\":\"q\"}],\"user_id\":\"u\",\"event_type\":\"view\"}");

    String idA = EventCodec.withDerivedIdIfMissing(a).get("event_id").textValue();

    assertThat(idA).matches("d-[0-9a-f]{32}");
    assertThat(EventCodec.withDerivedIdIfMissing(b).get("event_id").textValue()).isEqualTo(idA);
    assertThat(EventCodec.withDerivedIdIfMissing(c).get("event_id").textValue()).isNotEqualTo(idA);
    JsonNode withId = Json.MAPPER.readTree("{\"event_id\":\"mine\"}");
    assertThat(EventCodec.withDerivedIdIfMissing(withId).get("event_id").textValue()).isEqualTo("mine");
    assertThat(EventIds.fromParts("u-", "bucket", "obj", "7", "12"))
        .isEqualTo(EventIds.fromParts("u-", "bucket", "obj", "7", "12"))
        .isNotEqualTo(EventIds.fromParts("u-", "bucket", "obj", "7", "13"));
  }

  private static final String NO_ID =
      "{\"event_type\":\"view\",\"user_id\":\"u\",\"event_time\":\"2026-11-22T10:00:00Z\",\"products\":[{\"product_id\":\"p\"}]}";

  @Test
  void theEdgeDerivesAMissingIdOnceAsBeforeWhenTheUserIdIsPublishedAsSent() throws Exception {
    JsonNode record = Json.MAPPER.readTree(NO_ID);

    Event event = codec.decodeAtEdge(record, EventIds.Derivation.ofRecord(record), u -> u).event();

    // the id persisted for this record since the first release: it must not change
    assertThat(event.eventId()).isEqualTo("d-d59c83944e25133faeccbb1884e61923");
    assertThat(event.userId()).isEqualTo("u");
    assertThat(record.has("event_id")).isFalse(); // the validation placeholder is not left behind
  }

  @Test
  void aPseudonymizedEventsIdDigestsThePublishedEventNotTheRawUserId() throws Exception {
    JsonNode record = Json.MAPPER.readTree(NO_ID);

    Event event = codec.decodeAtEdge(record, EventIds.Derivation.ofRecord(record), u -> "u-x" + u).event();

    assertThat(event.userId()).isEqualTo("u-xu");
    assertThat(event.eventId()).isEqualTo(EventIds.derive(EventCodec.toJson(event)))
        .isNotEqualTo("d-d59c83944e25133faeccbb1884e61923");
    // a given id is kept, pseudonymized or not; a record without one and no derivation is refused by name
    Event given = codec.decodeAtEdge(Json.MAPPER.readTree(NO_ID.replaceFirst("\\{", "{\"event_id\":\"mine\",")), null,
        u -> "u-x" + u).event();
    assertThat(given.eventId()).isEqualTo("mine");
    assertThat(fields(codec.decodeAtEdge(Json.MAPPER.readTree(NO_ID), null, u -> u))).containsExactly("event_id");
  }

  @Test
  void anInvalidRecordWithoutIdIsRejectedForItsOwnFieldsOnly() throws Exception {
    JsonNode record = Json.MAPPER.readTree(NO_ID.replace("\"view\"", "\"viewed\""));

    EventCodec.Decoded d = codec.decodeAtEdge(record, EventIds.Derivation.ofRecord(record), u -> u);

    assertThat(fields(d)).containsExactly("event_type");
  }
}
