package dev.shopstream.contract;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Properties of the event decoder and validator over generated input: whatever the text or JSON tree, decoding
 * returns a result (never throws), the result is either an event or a non-empty list of field errors, and a valid
 * event survives encoding and decoding unchanged. Inputs: arbitrary Unicode text, token soup made of JSON syntax and
 * the contract's field names and hostile literals ({@code 1e999999999}, {@code NaN}, deep brackets), arbitrary JSON
 * trees, and a valid event with one field replaced by an arbitrary value.
 */
class EventCodecPropertiesTest {
  private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-20T12:00:00Z"), ZoneOffset.UTC);
  private static final EventCodec CODEC = new EventCodec(CLOCK);
  private static final JsonNodeFactory F = JsonNodeFactory.instance;
  private static final List<String> FIELDS = List.of("event_id", "event_type", "user_id", "session_id",
      "event_time", "products", "product_id", "quantity", "price", "currency", "query", "attributes");
  private static final String VALID = "{\"event_id\":\"e-1\",\"event_type\":\"purchase\",\"user_id\":\"alice\","
      + "\"session_id\":\"s-1\",\"event_time\":\"2026-11-20T10:00:00Z\",\"products\":[{\"product_id\":\"p-1\","
      + "\"quantity\":2,\"price\":9.5}],\"currency\":\"EUR\",\"query\":\"tea\",\"attributes\":{\"page\":\"home\"}}";

  private static void assertWellFormed(EventCodec.Decoded d) {
    assertThat(d).isNotNull();
    if (d.isValid()) {
      assertThat(d.errors()).isEmpty();
      assertThat(d.event().eventId()).isNotBlank();
    } else {
      assertThat(d.errors()).isNotEmpty().allSatisfy(e -> {
        assertThat(e.field()).isNotBlank();
        assertThat(e.reason()).isNotBlank();
      });
      assertThat(d.errorSummary()).isNotBlank();
    }
  }

  @Property(tries = 500)
  void anyTextDecodesToAnEventOrFieldErrors(@ForAll("text") String text) {
    assertWellFormed(CODEC.decode(text));
  }

  @Property(tries = 1000)
  void jsonTokenSoupDecodesToAnEventOrFieldErrors(@ForAll("tokenSoup") String text) {
    assertWellFormed(CODEC.decode(text));
  }

  @Property(tries = 1000)
  void anyJsonTreeDecodesToAnEventOrFieldErrorsAndGetsAnId(@ForAll("json") JsonNode node) {
    assertWellFormed(CODEC.decode(node.deepCopy()));
    assertWellFormed(CODEC.decode(EventCodec.withDerivedIdIfMissing(node.deepCopy())));
    assertWellFormed(CODEC.decode(node.toString()));
  }

  @Property(tries = 1000)
  void aValidEventWithOneFieldReplacedIsRejectedByNameOrStillRoundTrips(
      @ForAll("fieldPaths") String path, @ForAll("json") JsonNode value) throws Exception {
    ObjectNode event = (ObjectNode) Json.MAPPER.readTree(VALID);
    ObjectNode parent = path.startsWith("products.") ? (ObjectNode) event.get("products").get(0) : event;
    parent.set(path.substring(path.indexOf('.') + 1), value);

    EventCodec.Decoded d = CODEC.decode(event);
    assertWellFormed(d);
    if (d.isValid()) { // whatever was accepted is written and read back unchanged
      EventCodec.Decoded again = CODEC.decode(EventCodec.encode(d.event()));
      assertThat(again.errors()).isEmpty();
      assertThat(again.event()).isEqualTo(d.event());
    }
  }

  /**
   * The edge and the pipeline agree: an event the edge's validator accepts, encoded as the edge publishes it (UTF-8
   * bytes of {@link EventCodec#encode}), passes the pipeline's parse ({@link EventCodec#decodePayload}) unchanged.
   * Inputs: a valid event with its strings replaced by text over a hostile alphabet (unpaired and paired surrogates,
   * every line terminator, controls, the patterns' characters) and event times with any offset near the ends of the
   * year range.
   */
  @Property(tries = 2000)
  void anyEventTheEdgeAcceptsPassesThePipelineParse(@ForAll("stringFields") String field,
      @ForAll("hostileText") String text, @ForAll("edgeTimes") String time) throws Exception {
    ObjectNode event = (ObjectNode) Json.MAPPER.readTree(VALID);
    event.put("event_time", time);
    switch (field) {
      case "products.product_id" -> ((ObjectNode) event.get("products").get(0)).put("product_id", text);
      case "attributes.value" -> ((ObjectNode) event.get("attributes")).put("page", text);
      case "attributes.name" -> ((ObjectNode) event.get("attributes")).put(text, "v");
      default -> event.put(field, text);
    }
    EventCodec.Decoded atTheEdge = CODEC.decode(event);
    assertWellFormed(atTheEdge);
    if (atTheEdge.isValid()) {
      byte[] published = EventCodec.encode(atTheEdge.event()).getBytes(java.nio.charset.StandardCharsets.UTF_8);
      EventCodec.Payload inThePipeline = CODEC.decodePayload(published);
      assertThat(inThePipeline.reason()).as("pipeline's reason").isNull();
      assertThat(inThePipeline.event()).isEqualTo(atTheEdge.event());
    }
  }

  @Provide
  Arbitrary<String> stringFields() {
    return Arbitraries.of("event_id", "user_id", "session_id", "currency", "query", "products.product_id",
        "attributes.value", "attributes.name");
  }

  @Provide
  Arbitrary<String> hostileText() {
    Arbitrary<Character> hostile = Arbitraries.of('\ud800', '\udbff', '\udc00', '\udfff', '\n', '\r', '\u0085',
        '\u2028', '\u2029', '\u0000', '\u001f', '\u007f', '\ufeff', '\ufffd', 'A', 'Z', 'U', 'S', 'D', 'e', '-',
        ':', '.', '_', '1', ' ');
    return Arbitraries.oneOf(
        hostile.list().ofMinSize(1).ofMaxSize(6).map(cs -> cs.stream().map(String::valueOf).reduce("", String::concat)),
        Arbitraries.of("USD", "e-1", "alice").flatMap(base -> hostile.map(c -> base + c)),
        Arbitraries.strings().all().ofMinLength(1).ofMaxLength(10));
  }

  @Provide
  Arbitrary<String> edgeTimes() {
    Arbitrary<String> offsets = Arbitraries.oneOf(Arbitraries.of("Z", "+00:00", "-00:00", "+18:00", "-18:00"),
        Combinators.combine(Arbitraries.of("+", "-"), Arbitraries.integers().between(0, 18),
            Arbitraries.integers().between(0, 59)).as((sign, h, m) -> String.format("%s%02d:%02d", sign, h, m)));
    Arbitrary<String> dayTimes = Arbitraries.oneOf(
        Arbitraries.of("0001-01-01T00:00:00", "0001-01-01T17:59:59", "0001-01-01T23:59:59.999999999",
            "9999-12-31T00:00:00", "9999-12-31T23:59:59", "2026-11-21T11:59:59", "2026-11-21T12:00:00.000000001"),
        Combinators.combine(Arbitraries.integers().between(1, 9999), Arbitraries.integers().between(1, 12),
            Arbitraries.integers().between(1, 28), Arbitraries.integers().between(0, 23))
            .as((y, mo, d, h) -> String.format("%04d-%02d-%02dT%02d:00:00", y, mo, d, h)));
    return Combinators.combine(dayTimes, offsets).as(String::concat);
  }

  @Property(tries = 300)
  void productDecoderNeverThrowsEither(@ForAll("json") JsonNode node, @ForAll("tokenSoup") String text) {
    ProductCodec codec = new ProductCodec(CLOCK);
    assertThat(codec.decode(node)).isNotNull();
    assertThat(codec.decode(text)).isNotNull();
  }

  @Provide
  Arbitrary<String> text() {
    return Arbitraries.oneOf(Arbitraries.strings().all().ofMaxLength(300),
        Arbitraries.strings().withCharRange('\u0000', '\u007f').ofMaxLength(300));
  }

  @Provide
  Arbitrary<String> tokenSoup() {
    Arbitrary<String> token = Arbitraries.oneOf(
        Arbitraries.of("{", "}", "[", "]", ":", ",", "\"", "\\", " ", "\n", "\ufeff", "null", "true", "false", "NaN",
            "Infinity", "-", "0", "-0", "1e999999999", "1E+999999999", "1e-999999999", "9".repeat(80),
            "0.0000000000000000001", "\"view\"", "\"purchase\"", "\"search\"", "\"2026-11-20T10:00:00Z\"",
            "\"-2026-11-20T10:00:00Z\"", "\"2026-02-30T10:00:00Z\"", "\"\\u0000\"", "\"\\ud800\"", "[".repeat(40),
            "{\"a\":".repeat(40), "\"EUR\"", "100000", "100001", "-1", "1.5"),
        Arbitraries.of(FIELDS).map(f -> "\"" + f + "\""),
        Arbitraries.strings().all().ofMaxLength(5));
    return token.list().ofMaxSize(60).map(tokens -> String.join("", tokens));
  }

  @Provide
  Arbitrary<String> fieldPaths() {
    return Arbitraries.of("event_id", "event_type", "user_id", "session_id", "event_time", "products", "currency",
        "query", "attributes", "unknown", "products.product_id", "products.quantity", "products.price",
        "products.extra");
  }

  /** JSON trees at most 4 levels deep (deeper nesting is refused by the parser's limit before decoding). */
  @Provide
  Arbitrary<JsonNode> json() {
    return Arbitraries.recursive(EventCodecPropertiesTest::scalar,
        inner -> Arbitraries.oneOf(scalar(), array(inner), object(inner)), 0, 4);
  }

  private static Arbitrary<JsonNode> scalar() {
    return Arbitraries.oneOf(
        Arbitraries.just(F.nullNode()),
        Arbitraries.of(true, false).map(F::booleanNode),
        Arbitraries.strings().all().ofMaxLength(200).map(F::textNode),
        Arbitraries.of("view", "search", "add_to_cart", "remove_from_cart", "purchase", "2026-11-20T10:00:00Z",
            "2026-11-20T10:00:00+14:00", "9999-12-31T23:59:59Z", "EUR", "eur", "p-1", "").map(F::textNode),
        Arbitraries.longs().map(F::numberNode),
        Arbitraries.doubles().map(F::numberNode),
        Arbitraries.of(Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, -0.0, Double.MIN_VALUE)
            .map(F::numberNode),
        Arbitraries.bigIntegers().between(BigInteger.TEN.pow(30).negate(), BigInteger.TEN.pow(30))
            .map(F::numberNode),
        Combinators.combine(Arbitraries.integers().between(-1000, 1000),
                Arbitraries.integers().between(-999_999_999, 999_999_999))
            .as((unscaled, scale) -> F.numberNode(BigDecimal.valueOf(unscaled, scale))));
  }

  private static Arbitrary<JsonNode> array(Arbitrary<JsonNode> elements) {
    return elements.list().ofMaxSize(4).map(list -> {
      ArrayNode a = F.arrayNode();
      list.forEach(a::add);
      return a;
    });
  }

  private static Arbitrary<JsonNode> object(Arbitrary<JsonNode> values) {
    Arbitrary<String> key = Arbitraries.oneOf(Arbitraries.of(FIELDS), Arbitraries.strings().all().ofMaxLength(8));
    return Combinators.combine(key, values).as((k, v) -> new Object[] {k, v}).list().ofMaxSize(6).map(pairs -> {
      ObjectNode o = F.objectNode();
      for (Object[] p : pairs) {
        o.set((String) p[0], (JsonNode) p[1]);
      }
      return o;
    });
  }
}
