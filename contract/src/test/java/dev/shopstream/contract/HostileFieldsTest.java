package dev.shopstream.contract;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Three classes of hostile field values, each refused with the field named: a trailing line terminator after a
 * pattern (Java's {@code $} matches before one, JSON Schema's does not), an unpaired UTF-16 surrogate in any string
 * (UTF-8 cannot carry it: published, it became '?', merging ids), and an event time that is valid as written but
 * outside years 0001-9999 in UTC (the pipeline refused what the edge had accepted).
 */
class HostileFieldsTest {
  private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-22T12:00:00Z"), ZoneOffset.UTC);
  private static final EventCodec CODEC = new EventCodec(CLOCK);
  private static final String VALID = "{\"event_id\":\"e-1\",\"event_type\":\"purchase\",\"user_id\":\"alice\","
      + "\"session_id\":\"s-1\",\"event_time\":\"2026-11-20T10:00:00Z\",\"products\":[{\"product_id\":\"p-1\","
      + "\"quantity\":2,\"price\":9.5}],\"currency\":\"EUR\",\"query\":\"tea\",\"attributes\":{\"page\":\"home\"}}";

  private static ObjectNode valid() throws Exception {
    return (ObjectNode) Json.MAPPER.readTree(VALID);
  }

  private static List<String> fields(EventCodec.Decoded d) {
    return d.errors().stream().map(FieldError::field).toList();
  }

  @ParameterizedTest
  @ValueSource(strings = {"\n", "\r\n", "\r", "\u0085", "\u2028", "\u2029"})
  void aTrailingLineTerminatorIsRefusedWhereAPatternApplies(String terminator) throws Exception {
    ObjectNode id = valid();
    id.put("event_id", "e-1" + terminator);
    assertThat(fields(CODEC.decode(id))).containsExactly("event_id");
    ObjectNode currency = valid();
    currency.put("currency", "USD" + terminator);
    assertThat(fields(CODEC.decode(currency))).containsExactly("currency");
    ObjectNode product = Json.MAPPER.createObjectNode().put("product_id", "p-1").put("title", "Tea")
        .put("price", 1.0).put("currency", "USD" + terminator);
    assertThat(new ProductCodec(CLOCK).decode(product).errors()).extracting(FieldError::field)
        .contains("currency");
  }

  @ParameterizedTest
  @ValueSource(strings = {"\ud800", "\udfff", "a\ud800", "\ud800b", "\udc00\ud800", "ok\ud83d"})
  void anUnpairedSurrogateIsRefusedInEveryStringFieldByName(String bad) throws Exception {
    for (String field : List.of("event_id", "event_type", "user_id", "session_id", "event_time", "currency",
        "query")) {
      ObjectNode e = valid();
      e.put(field, bad);
      EventCodec.Decoded d = CODEC.decode(e);
      assertThat(fields(d)).as(field).contains(field);
      assertThat(d.errorSummary()).as(field).doesNotContain(bad);
    }
    ObjectNode product = valid();
    ((ObjectNode) product.get("products").get(0)).put("product_id", bad);
    assertThat(fields(CODEC.decode(product))).containsExactly("products[0].product_id");
    ObjectNode value = valid();
    ((ObjectNode) value.get("attributes")).put("page", bad);
    assertThat(fields(CODEC.decode(value))).containsExactly("attributes.page");
    ObjectNode name = valid();
    ((ObjectNode) name.get("attributes")).put("k" + bad, "v");
    EventCodec.Decoded d = CODEC.decode(name);
    assertThat(fields(d)).hasSize(1);
    assertThat(fields(d).get(0)).startsWith("attributes.k").contains("\\u").doesNotContain(bad);
    // the error itself is valid Unicode: it can be written as UTF-8 and read back unchanged
    assertThat(JsonSchema.unpairedSurrogateAt(d.errorSummary())).isEqualTo(-1);
  }

  @ParameterizedTest
  @ValueSource(strings = {"\ud83d\ude00", "caf\u00e9", "\u4e2d"})
  void aPairedSurrogateOrOtherUnicodeIsStillAccepted(String text) throws Exception {
    ObjectNode e = valid();
    e.put("user_id", "u" + text);
    EventCodec.Decoded d = CODEC.decode(e);
    assertThat(d.errors()).isEmpty();
    EventCodec.Payload p = CODEC.decodePayload(EventCodec.encode(d.event()).getBytes(StandardCharsets.UTF_8));
    assertThat(p.event()).isEqualTo(d.event());
  }

  @ParameterizedTest
  @CsvSource({
      "0001-01-01T00:00:00+01:00, false",
      "0001-01-01T00:59:59.999+01:00, false",
      "0001-01-01T01:00:00+01:00, true",
      "0001-01-01T00:00:00Z, true",
      "0001-01-01T00:00:00-00:01, true",
      "9999-12-31T23:59:59-00:01, false"})
  void anEventTimeOutsideTheUtcRangeIsRefusedAtTheEdgeAsInThePipeline(String time, boolean accepted)
      throws Exception {
    ObjectNode e = valid();
    e.put("event_time", time);
    EventCodec.Decoded d = CODEC.decode(e);
    if (!accepted) {
      assertThat(fields(d)).contains("event_time");
      return;
    }
    assertThat(d.errors()).isEmpty();
    EventCodec.Payload p = CODEC.decodePayload(EventCodec.encode(d.event()).getBytes(StandardCharsets.UTF_8));
    assertThat(p.reason()).isNull();
    assertThat(p.event()).isEqualTo(d.event());
  }
}
