package dev.shopstream.functions.ingest;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.clearInvocations;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.api.core.ApiFutures;
import com.google.cloud.pubsub.v1.PublisherInterface;
import com.google.pubsub.v1.PubsubMessage;
import dev.shopstream.contract.Event;
import dev.shopstream.contract.EventCodec;
import dev.shopstream.functions.FakeExchange;
import dev.shopstream.functions.http.AccessPolicy;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.mockito.ArgumentCaptor;

/**
 * The hostile corpus ({@code src/test/resources/hostile/ingest/}: malformed, truncated and deeply nested JSON,
 * huge and non-finite numbers, wrong types, invalid and overlong UTF-8, UTF-16, a BOM, duplicate keys, prototype
 * keys, empty bodies) posted to the ingest function. Every file gets a 4xx with a JSON error and nothing is
 * published, except the {@code accepted-*} files (a UTF-8 BOM before valid JSON), which are published after
 * validation. After every file the function still accepts a valid event.
 */
class HostileIngestInputTest {
  private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-20T12:00:00Z"), ZoneOffset.UTC);
  private static final IngestConfig CONFIG = new IngestConfig(IngestConfig.DEFAULT_MAX_BATCH_EVENTS,
      IngestConfig.DEFAULT_MAX_BODY_BYTES, IngestConfig.DEFAULT_PUBLISH_TIMEOUT, AccessPolicy.open());
  private static final String VALID = "{\"event_type\":\"view\",\"user_id\":\"healthy\","
      + "\"event_time\":\"2026-11-20T10:00:00Z\",\"products\":[{\"product_id\":\"p-1\"}]}";

  private final PublisherInterface publisher = mock(PublisherInterface.class);
  private final IngestFunction function = new IngestFunction(publisher, CONFIG, CLOCK);

  @BeforeEach
  void pubsubAcknowledgesEverything() {
    when(publisher.publish(any())).thenAnswer(call -> ApiFutures.immediateFuture("m-1"));
  }

  static Stream<Path> corpus() throws IOException, URISyntaxException {
    Path dir = Path.of(HostileIngestInputTest.class.getResource("/hostile/ingest").toURI());
    try (Stream<Path> files = Files.list(dir)) {
      List<Path> list = new ArrayList<>(files.sorted().toList());
      assertThat(list).hasSizeGreaterThan(25);
      return list.stream();
    }
  }

  private static String contentType(Path file) {
    return file.getFileName().toString().endsWith(".ndjson") ? "application/x-ndjson" : "application/json";
  }

  private FakeExchange post(String contentType, byte[] body) throws Exception {
    return FakeExchange.request("POST", "/").body(contentType, body).serve(function);
  }

  private List<PubsubMessage> published() {
    ArgumentCaptor<PubsubMessage> messages = ArgumentCaptor.forClass(PubsubMessage.class);
    verify(publisher, org.mockito.Mockito.atLeast(0)).publish(messages.capture());
    return messages.getAllValues();
  }

  private void assertStillHealthy() throws Exception {
    clearInvocations(publisher);
    FakeExchange ok = post("application/json", VALID.getBytes(UTF_8));
    assertThat(ok.status()).as(ok.text()).isEqualTo(202);
    assertThat(published()).hasSize(1);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("corpus")
  void everyHostileFileIsRefusedWithAJsonErrorAndNothingUnvalidatedIsPublished(Path file) throws Exception {
    byte[] body = Files.readAllBytes(file);
    FakeExchange exchange = post(contentType(file), body);

    JsonNode reply = exchange.json(); // every answer is JSON, even for binary garbage
    if (file.getFileName().toString().startsWith("accepted-")) {
      assertThat(exchange.status()).as(exchange.text()).isEqualTo(202);
      List<PubsubMessage> messages = published();
      assertThat(messages).hasSize(reply.get("accepted").asInt()).isNotEmpty();
      for (PubsubMessage m : messages) { // what was published passes the pipeline's parse, byte for byte
        EventCodec.Payload parsed = new EventCodec(CLOCK).decodePayload(m.getData().toByteArray());
        assertThat(parsed.reason()).isNull();
      }
    } else {
      assertThat(exchange.status()).as(exchange.text()).isBetween(400, 499);
      assertThat(reply.get("error").asText()).isNotBlank();
      assertThat(reply.get("message").asText()).isNotBlank();
      verify(publisher, never()).publish(any());
    }
    assertStillHealthy();
  }

  /**
   * The edge and the pipeline agree: every event the ingest function accepts, published as it publishes it (the
   * message's bytes), passes the pipeline's parse ({@link EventCodec#decodePayload}, what {@code ParseEvents} runs)
   * and is the same event; what the pipeline would refuse, the edge refuses first, naming the field. Values at the
   * edges of every class found so far: time-zone offsets at the ends of the year range, line terminators after
   * patterned fields, surrogates paired and unpaired, maximum lengths.
   */
  @Test
  void everyEventTheEdgeAcceptsPassesThePipelineParse() throws Exception {
    List<String> times = List.of("0001-01-01T00:00:00Z", "0001-01-01T00:00:00+01:00", "0001-01-01T00:00:00-18:00",
        "0001-01-01T00:00:00+18:00", "0001-01-01T00:59:59.999999999+01:00", "2026-11-20T10:00:00.123456789+14:00",
        "2026-11-21T11:59:59Z", "2026-11-21T12:00:01Z", "9999-12-31T23:59:59-18:00");
    // JSON text: the escapes reach the JSON parser as written (a raw control character would be a syntax error)
    List<String> texts = List.of("a", "a\\n", "a\\u2028", "a\\u0085", "\\ud800", "a\\udfff", "\\ud83d\\ude00",
        "\\u0000", "x".repeat(128), "x".repeat(129), "USD", "USD\\r", "e-1", " e-1", "caf\u00e9");
    List<String> fields = List.of("event_id", "user_id", "session_id", "currency", "query");
    int accepted = 0;
    int refused = 0;
    for (String time : times) {
      for (String field : fields) {
        for (String text : texts) {
          Map<String, String> members = new LinkedHashMap<>();
          members.put("event_type", "\"search\"");
          members.put("user_id", "\"u-1\"");
          members.put("query", "\"tea\"");
          members.put("event_time", "\"" + time + "\"");
          members.put("products", "[{\"product_id\":\"p-1\"}]");
          members.put(field, "\"" + text + "\""); // text is JSON: its escapes reach the parser as written
          String withField = members.entrySet().stream().map(e -> "\"" + e.getKey() + "\":" + e.getValue())
              .collect(Collectors.joining(",", "{", "}"));
          String what = withField.replaceAll("\\p{Cntrl}", "?");
          clearInvocations(publisher);
          FakeExchange x = post("application/json", withField.getBytes(UTF_8));
          if (x.status() == 202) {
            accepted++;
            List<PubsubMessage> messages = published();
            assertThat(messages).hasSize(1);
            EventCodec.Payload parsed = new EventCodec(CLOCK).decodePayload(messages.get(0).getData().toByteArray());
            assertThat(parsed.reason()).as(what).isNull();
            Event sent = new EventCodec(CLOCK).decode(
                EventCodec.withDerivedIdIfMissing(dev.shopstream.contract.Json.MAPPER.readTree(withField))).event();
            assertThat(parsed.event()).as(what).isEqualTo(sent);
          } else {
            refused++;
            assertThat(x.status()).as(what + ": " + x.text()).isEqualTo(400);
            assertThat(x.json().at("/rejected/0/errors").findValuesAsText("field")).as(what).isNotEmpty();
            verify(publisher, never()).publish(any());
          }
        }
      }
    }
    assertThat(accepted).isGreaterThan(50);
    assertThat(refused).isGreaterThan(50);
  }

  @Test
  void wrongTypesAreReportedFieldByField() throws Exception {
    FakeExchange exchange = post("application/json", read("wrong-types.json"));
    assertThat(exchange.status()).isEqualTo(400);
    assertThat(exchange.json().at("/rejected/0/errors").findValuesAsText("field")).contains("event_id",
        "event_type", "user_id", "session_id", "event_time", "products", "currency", "query", "attributes");
  }

  @Test
  void deepNestingIsASyntaxErrorNamingTheLimitNotACrash() throws Exception {
    FakeExchange exchange = post("application/json", read("deeply-nested-attributes.json"));
    assertThat(exchange.status()).isEqualTo(400);
    assertThat(exchange.json().at("/rejected/0/errors/0/reason").asText()).contains("nesting depth");
  }

  @Test
  void aHugeExponentIsRefusedQuicklyInsteadOfExpandedIntoAGiantInteger() throws Exception {
    FakeExchange exchange = post("application/json", read("huge-exponent-integer.json"));
    assertThat(exchange.status()).isEqualTo(400);
    assertThat(exchange.json().at("/rejected/0/errors").findValuesAsText("field"))
        .contains("products[0].quantity");
  }

  @Test
  void aHugeStringWithinTheBodyLimitIs400NamingTheField() throws Exception {
    String huge = VALID.replace("\"healthy\"", "\"" + "x".repeat(600_000) + "\"");
    FakeExchange exchange = post("application/json", huge.getBytes(UTF_8));
    assertThat(exchange.status()).isEqualTo(400);
    assertThat(exchange.json().at("/rejected/0/errors").findValuesAsText("field")).containsExactly("user_id");
    assertStillHealthy();
  }

  @Test
  void aBodyAboveTheLimitIs413AndTooManyEventsIs413() throws Exception {
    byte[] big = ("[" + (VALID + ",").repeat(IngestConfig.DEFAULT_MAX_BODY_BYTES / VALID.length() + 1) + VALID + "]")
        .getBytes(UTF_8);
    assertThat(post("application/json", big).status()).isEqualTo(413);
    String many = (VALID + "\n").repeat(IngestConfig.DEFAULT_MAX_BATCH_EVENTS + 1);
    FakeExchange tooMany = post("application/x-ndjson", many.getBytes(UTF_8));
    assertThat(tooMany.status()).isEqualTo(413);
    assertThat(tooMany.json().get("error").asText()).isEqualTo("too_many_events");
    verify(publisher, never()).publish(any());
    assertStillHealthy();
  }

  private static byte[] read(String name) throws Exception {
    return Files.readAllBytes(Path.of(HostileIngestInputTest.class.getResource("/hostile/ingest/" + name).toURI()));
  }
}
