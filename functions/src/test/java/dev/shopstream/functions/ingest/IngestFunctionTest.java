package dev.shopstream.functions.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.api.core.ApiFutures;
import com.google.api.core.SettableApiFuture;
import com.google.cloud.pubsub.v1.PublisherInterface;
import com.google.pubsub.v1.PubsubMessage;
import dev.shopstream.contract.EventCodec;
import dev.shopstream.contract.Json;
import dev.shopstream.functions.FakeExchange;
import dev.shopstream.functions.HoldingPublisher;
import dev.shopstream.functions.http.AccessPolicy;
import dev.shopstream.functions.http.JsonHttpFunction;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mockito.ArgumentCaptor;

class IngestFunctionTest {
  private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-20T12:00:00Z"), ZoneOffset.UTC);
  private static final String JSON = "application/json";
  private static final String NDJSON = "application/x-ndjson";
  private static final IngestConfig DEFAULTS = new IngestConfig(IngestConfig.DEFAULT_MAX_BATCH_EVENTS,
      IngestConfig.DEFAULT_MAX_BODY_BYTES, IngestConfig.DEFAULT_PUBLISH_TIMEOUT, AccessPolicy.open());

  private final PublisherInterface publisher = mock(PublisherInterface.class);
  private final IngestFunction function = new IngestFunction(publisher, DEFAULTS, CLOCK);

  @BeforeEach
  void pubsubAcknowledgesEverything() {
    AtomicInteger messageIds = new AtomicInteger();
    when(publisher.publish(any())).thenAnswer(call -> ApiFutures.immediateFuture("m-" + messageIds.incrementAndGet()));
  }

  private static String view(String eventId, String userId) {
    return """
        {"event_id": "%s", "event_type": "view", "user_id": "%s", "event_time": "2026-11-20T10:00:00Z",
         "products": [{"product_id": "p-1", "price": 9.5}]}""".formatted(eventId, userId).replace("\n", "");
  }

  private static FakeExchange post(String contentType, String body) {
    return FakeExchange.request("POST", "/").body(contentType, body);
  }

  private List<PubsubMessage> published(int count) {
    ArgumentCaptor<PubsubMessage> messages = ArgumentCaptor.forClass(PubsubMessage.class);
    verify(publisher, times(count)).publish(messages.capture());
    return messages.getAllValues();
  }

  private static List<String> texts(JsonNode array) {
    return StreamSupport.stream(array.spliterator(), false).map(JsonNode::asText).toList();
  }

  /**
   * The publisher's batching delay is not part of a request's latency: after publishing its events the function
   * sends them at once, then waits for the acknowledgements. Here the delay never ends, so without that flush the
   * request would wait for its publish timeout and answer 503.
   */
  @Test
  void eventsAreSentAtOnceAfterPublishingNotAfterTheBatchingDelay() throws Exception {
    HoldingPublisher batching = new HoldingPublisher();
    IngestConfig config = new IngestConfig(IngestConfig.DEFAULT_MAX_BATCH_EVENTS,
        IngestConfig.DEFAULT_MAX_BODY_BYTES, Duration.ofSeconds(2), AccessPolicy.open());
    IngestFunction f = new IngestFunction(batching, config, CLOCK);

    FakeExchange single = post(JSON, view("e-1", "u-1")).serve(f);
    FakeExchange batch = post(NDJSON, view("e-2", "u-2") + "\n" + view("e-3", "u-3") + "\n").serve(f);

    assertThat(single.status()).isEqualTo(202);
    assertThat(batch.status()).isEqualTo(202);
    assertThat(texts(batch.json().get("event_ids"))).containsExactly("e-2", "e-3");
    assertThat(batching.calls).containsExactly("publish", "flush", "publish", "publish", "flush");
    assertThat(batching.sent).extracting(m -> m.getAttributesMap().get("event_id")).containsExactly("e-1", "e-2",
        "e-3");
  }

  /**
   * While the pipeline behind the topic is not working (readiness reports a problem), ingest answers 503 with
   * Retry-After and publishes nothing, rather than accepting events into a dead end; once it works again, 202.
   */
  @Test
  void whileThePipelineIsNotWorkingIngestAnswers503WithRetryAfterAndPublishesNothing() throws Exception {
    java.util.concurrent.atomic.AtomicReference<java.util.Optional<String>> problem =
        new java.util.concurrent.atomic.AtomicReference<>(java.util.Optional.of("pipeline FAILED"));
    IngestFunction gated = new IngestFunction(publisher, DEFAULTS, CLOCK,
        dev.shopstream.functions.UserIdPseudonymizer.none(), problem::get);

    FakeExchange refused = post(JSON, view("e-1", "u-1")).serve(gated);

    assertThat(refused.status()).isEqualTo(503);
    assertThat(refused.header("Retry-After")).contains("5");
    assertThat(refused.json().get("error").asText()).isEqualTo("pipeline_unavailable");
    assertThat(refused.json().get("message").asText()).contains("pipeline FAILED");
    verify(publisher, times(0)).publish(any());

    problem.set(java.util.Optional.empty());
    assertThat(post(JSON, view("e-1", "u-1")).serve(gated).status()).isEqualTo(202);
    published(1);
  }

  @Test
  void singleValidEventIsPublishedOnceWithItsDataAndAttributes() throws Exception {
    String event = view("e-1", "u-1");

    FakeExchange x = post(JSON, event).serve(function);

    assertThat(x.status()).isEqualTo(202);
    assertThat(x.contentType()).startsWith("application/json");
    assertThat(x.json()).isEqualTo(Json.MAPPER.readTree("{\"accepted\": 1, \"event_ids\": [\"e-1\"], \"rejected\": []}"));
    PubsubMessage message = published(1).get(0);
    assertThat(message.getData().toStringUtf8())
        .isEqualTo(EventCodec.encode(new EventCodec(CLOCK).decode(event).event()));
    assertThat(message.getAttributesMap()).isEqualTo(Map.of(
        "event_id", "e-1", "event_time", "2026-11-20T10:00:00Z", "schema_version", "1"));
  }

  @Test
  void ndjsonBatchPublishesEveryLineAndIgnoresBlankLines() throws Exception {
    String body = view("e-1", "u-1") + "\n\n" + view("e-2", "u-2") + "\r\n   \n" + view("e-3", "u-3") + "\n";

    FakeExchange x = post(NDJSON, body).serve(function);

    assertThat(x.status()).isEqualTo(202);
    assertThat(x.json().get("accepted").asInt()).isEqualTo(3);
    assertThat(texts(x.json().get("event_ids"))).containsExactly("e-1", "e-2", "e-3");
    assertThat(published(3)).extracting(m -> m.getAttributesOrThrow("event_id")).containsExactly("e-1", "e-2", "e-3");
  }

  @Test
  void jsonArrayBatchPublishesEveryElement() throws Exception {
    FakeExchange x = post(JSON, "[" + view("e-1", "u-1") + ", " + view("e-2", "u-2") + "]").serve(function);

    assertThat(x.status()).isEqualTo(202);
    assertThat(texts(x.json().get("event_ids"))).containsExactly("e-1", "e-2");
    assertThat(x.json().get("rejected")).isEmpty();
    published(2);
  }

  @Test
  void mixedBatchPublishesTheValidEventsAndReportsEachInvalidOneByIndexAndField() throws Exception {
    String noUser = view("e-2", "u").replace("\"user_id\": \"u\", ", "");
    String badType = view("e-4", "u-4").replace("\"view\"", "\"like\"");
    String body = String.join("\n", view("e-1", "u-1"), noUser, view("e-3", "u-3"), badType);

    FakeExchange x = post(NDJSON, body).serve(function);

    assertThat(x.status()).isEqualTo(202);
    JsonNode reply = x.json();
    assertThat(reply.get("accepted").asInt()).isEqualTo(2);
    assertThat(texts(reply.get("event_ids"))).containsExactly("e-1", "e-3");
    JsonNode rejected = reply.get("rejected");
    assertThat(rejected).hasSize(2);
    assertThat(rejected.get(0).get("index").asInt()).isEqualTo(1);
    assertThat(rejected.get(0).get("errors").get(0).get("field").asText()).isEqualTo("user_id");
    assertThat(rejected.get(0).get("errors").get(0).get("reason").asText()).isEqualTo("is required");
    assertThat(rejected.get(1).get("index").asInt()).isEqualTo(3);
    assertThat(rejected.get(1).get("errors").findValuesAsText("field")).containsExactly("event_type");
    assertThat(published(2)).extracting(m -> m.getAttributesOrThrow("event_id")).containsExactly("e-1", "e-3");
  }

  @Test
  void allInvalidIs400NamingEveryBadFieldAndPublishesNothing() throws Exception {
    String noUser = view("e-1", "u").replace("\"user_id\": \"u\", ", "");
    String badTimeAndPrice = view("e-2", "u-2").replace("2026-11-20T10:00:00Z", "yesterday").replace("9.5", "-1");

    FakeExchange x = post(JSON, "[" + noUser + "," + badTimeAndPrice + "]").serve(function);

    assertThat(x.status()).isEqualTo(400);
    JsonNode reply = x.json();
    assertThat(reply.get("error").asText()).isEqualTo("invalid_events");
    assertThat(reply.get("message").asText()).isNotBlank();
    assertThat(reply.get("accepted").asInt()).isZero();
    assertThat(reply.get("event_ids")).isEmpty();
    assertThat(reply.get("rejected").get(0).get("index").asInt()).isZero();
    assertThat(reply.get("rejected").get(0).get("errors").findValuesAsText("field")).containsExactly("user_id");
    assertThat(reply.get("rejected").get(1).get("index").asInt()).isEqualTo(1);
    assertThat(reply.get("rejected").get(1).get("errors").findValuesAsText("field"))
        .containsExactlyInAnyOrder("event_time", "products[0].price");
    verify(publisher, never()).publish(any());
  }

  @Test
  void singleInvalidEventIs400() throws Exception {
    FakeExchange x = post(JSON, view("e-1", "u-1").replace("\"view\"", "\"like\"")).serve(function);

    assertThat(x.status()).isEqualTo(400);
    assertThat(x.json().get("rejected").get(0).get("errors").findValuesAsText("field")).containsExactly("event_type");
    verify(publisher, never()).publish(any());
  }

  @Test
  void malformedJsonIsOneInvalidEventAtTheRoot() throws Exception {
    FakeExchange x = post(JSON, "{\"event_id\": \"e-1\", ").serve(function);

    assertThat(x.status()).isEqualTo(400);
    JsonNode error = x.json().get("rejected").get(0).get("errors").get(0);
    assertThat(error.get("field").asText()).isEqualTo("$");
    assertThat(error.get("reason").asText()).startsWith("is not valid JSON");
    verify(publisher, never()).publish(any());
  }

  @Test
  void malformedNdjsonLineIsRejectedAloneAtItsIndex() throws Exception {
    FakeExchange x = post(NDJSON, view("e-1", "u-1") + "\n{not json\n" + view("e-3", "u-3")).serve(function);

    assertThat(x.status()).isEqualTo(202);
    assertThat(texts(x.json().get("event_ids"))).containsExactly("e-1", "e-3");
    assertThat(x.json().get("rejected").get(0).get("index").asInt()).isEqualTo(1);
    assertThat(x.json().get("rejected").get(0).get("errors").get(0).get("field").asText()).isEqualTo("$");
  }

  @Test
  void eventWithoutIdGetsTheSameDerivedIdOnEveryRetry() throws Exception {
    String withoutId = view("x", "u-1").replace("\"event_id\": \"x\", ", "");

    String first = post(JSON, withoutId).serve(function).json().get("event_ids").get(0).asText();
    String second = post(JSON, withoutId).serve(function).json().get("event_ids").get(0).asText();

    assertThat(first).startsWith("d-").isEqualTo(second);
    assertThat(published(2)).extracting(m -> m.getAttributesOrThrow("event_id")).containsExactly(first, first);
  }

  @Test
  void emptyBatchIs400() throws Exception {
    FakeExchange x = post(NDJSON, "\n \n").serve(function);

    assertThat(x.status()).isEqualTo(400);
    assertThat(x.json().get("error").asText()).isEqualTo("invalid_events");
    assertThat(x.json().get("message").asText()).contains("no events");
  }

  @Test
  void moreEventsThanTheLimitIs413AndNothingIsPublished() throws Exception {
    IngestFunction limited = new IngestFunction(publisher,
        new IngestConfig(2, IngestConfig.DEFAULT_MAX_BODY_BYTES, Duration.ofSeconds(10), AccessPolicy.open()), CLOCK);

    FakeExchange x = post(NDJSON, String.join("\n", view("e-1", "u"), view("e-2", "u"), view("e-3", "u")))
        .serve(limited);

    assertThat(x.status()).isEqualTo(413);
    assertThat(x.json().get("error").asText()).isEqualTo("too_many_events");
    verify(publisher, never()).publish(any());
  }

  @Test
  void declaredBodyOverTheLimitIs413WithoutReadingIt() throws Exception {
    IngestFunction limited = new IngestFunction(publisher, new IngestConfig(10, 100, Duration.ofSeconds(10),
        AccessPolicy.open()), CLOCK);
    FakeExchange x = FakeExchange.request("POST", "/").body(JSON, new byte[0])
        .contentLength(JsonHttpFunction.DRAIN_LIMIT_BYTES + 1);

    x.serve(limited);

    assertThat(x.status()).isEqualTo(413);
    assertThat(x.json().get("error").asText()).isEqualTo("body_too_large");
    verify(x.request, never()).getInputStream();
    // a body too large to drain is not read at all, and the client is told that this connection ends here
    assertThat(x.header("Connection")).contains("close");
  }

  /** A body over the function's limit but small enough to drain is read and dropped: the connection stays usable. */
  @Test
  void declaredBodyOverTheLimitButDrainableIs413AndKeepsTheConnection() throws Exception {
    IngestFunction limited = new IngestFunction(publisher, new IngestConfig(10, 100, Duration.ofSeconds(10),
        AccessPolicy.open()), CLOCK);
    byte[] body = ("[" + view("e-1", "u-1") + "]").getBytes(StandardCharsets.UTF_8);
    FakeExchange x = FakeExchange.request("POST", "/").body(JSON, body).contentLength(body.length);

    x.serve(limited);

    assertThat(x.status()).isEqualTo(413);
    assertThat(x.header("Connection")).isEmpty();
    verify(publisher, never()).publish(any());
  }

  @Test
  void undeclaredBodyOverTheLimitIs413() throws Exception {
    IngestFunction limited = new IngestFunction(publisher, new IngestConfig(10, 100, Duration.ofSeconds(10),
        AccessPolicy.open()), CLOCK);
    byte[] body = ("[" + view("e-1", "u-1") + "]").getBytes(StandardCharsets.UTF_8);

    FakeExchange x = FakeExchange.request("POST", "/").body(JSON, body).serve(limited);

    assertThat(body.length).isGreaterThan(100);
    assertThat(x.status()).isEqualTo(413);
    verify(publisher, never()).publish(any());
  }

  @Test
  void otherContentTypesAre415() throws Exception {
    assertThat(post("text/plain", view("e-1", "u-1")).serve(function).status()).isEqualTo(415);
    assertThat(post("application/json; charset=iso-8859-1", view("e-1", "u-1")).serve(function).status())
        .isEqualTo(415);
    FakeExchange x = post("text/csv", "a,b");
    x.serve(function);
    assertThat(x.json().get("error").asText()).isEqualTo("unsupported_media_type");
    assertThat(post("Application/JSON; charset=UTF-8", view("e-1", "u-1")).serve(function).status()).isEqualTo(202);
  }

  @Test
  void bodyThatIsNotUtf8Is400() throws Exception {
    FakeExchange x = FakeExchange.request("POST", "/").body(JSON, new byte[] {'"', (byte) 0xC3, '"'}).serve(function);

    assertThat(x.status()).isEqualTo(400);
    assertThat(x.json().get("error").asText()).isEqualTo("invalid_encoding");
  }

  @Test
  void otherMethodsAre405WithAllow() throws Exception {
    FakeExchange x = FakeExchange.request("GET", "/").serve(function);

    assertThat(x.status()).isEqualTo(405);
    assertThat(x.header("Allow")).contains("POST");
    assertThat(x.contentType()).startsWith("application/json");
    assertThat(x.json().get("error").asText()).isEqualTo("method_not_allowed");
  }

  @Test
  void failedPublishIs503ListingAcknowledgedAndUnacknowledgedEvents() throws Exception {
    when(publisher.publish(any()))
        .thenReturn(ApiFutures.immediateFuture("m-1"))
        .thenReturn(ApiFutures.immediateFailedFuture(new IllegalStateException("pubsub down")));

    FakeExchange x = post(NDJSON, view("e-1", "u-1") + "\n" + view("e-2", "u-2")).serve(function);

    assertThat(x.status()).isEqualTo(503);
    assertThat(x.header("Retry-After")).hasValue("5");
    JsonNode reply = x.json();
    assertThat(reply.get("error").asText()).isEqualTo("publish_failed");
    assertThat(texts(reply.get("acknowledged_event_ids"))).containsExactly("e-1");
    assertThat(texts(reply.get("unacknowledged_event_ids"))).containsExactly("e-2");
    assertThat(reply.has("accepted")).isFalse();
  }

  @Test
  void publishNotAcknowledgedInTimeIs503() throws Exception {
    when(publisher.publish(any())).thenReturn(SettableApiFuture.create());
    IngestFunction impatient = new IngestFunction(publisher,
        new IngestConfig(10, 10_000, Duration.ofMillis(1), AccessPolicy.open()), CLOCK);

    FakeExchange x = post(JSON, view("e-1", "u-1")).serve(impatient);

    assertThat(x.status()).isEqualTo(503);
    assertThat(x.header("Retry-After")).isPresent();
    assertThat(texts(x.json().get("unacknowledged_event_ids"))).containsExactly("e-1");
  }

  @Test
  void publisherThatThrowsIs503() throws Exception {
    when(publisher.publish(any())).thenThrow(new IllegalStateException("Cannot publish on a shut-down publisher."));

    FakeExchange x = post(JSON, view("e-1", "u-1")).serve(function);

    assertThat(x.status()).isEqualTo(503);
    assertThat(texts(x.json().get("unacknowledged_event_ids"))).containsExactly("e-1");
  }

  @Test
  void apiKeyIsRequiredWhenConfigured() throws Exception {
    IngestFunction guarded = new IngestFunction(publisher, new IngestConfig(10, 10_000, Duration.ofSeconds(10),
        new AccessPolicy("s3cret-key", List.of())), CLOCK);

    FakeExchange missing = post(JSON, view("e-1", "u-1")).serve(guarded);
    FakeExchange wrong = post(JSON, view("e-1", "u-1")).header("X-Api-Key", "s3cret-kez").serve(guarded);
    verify(publisher, never()).publish(any());
    FakeExchange right = post(JSON, view("e-1", "u-1")).header("x-api-key", "s3cret-key").serve(guarded);

    assertThat(missing.status()).isEqualTo(401);
    assertThat(missing.json().get("error").asText()).isEqualTo("unauthorized");
    assertThat(wrong.status()).isEqualTo(401);
    assertThat(wrong.text()).doesNotContain("s3cret");
    assertThat(right.status()).isEqualTo(202);
    published(1);
  }

  @Test
  void corsPreflightAndHeadersForAnAllowedOrigin() throws Exception {
    IngestFunction cors = new IngestFunction(publisher, new IngestConfig(10, 10_000, Duration.ofSeconds(10),
        new AccessPolicy("k", List.of("https://shop.example"))), CLOCK);

    FakeExchange preflight = FakeExchange.request("OPTIONS", "/").header("Origin", "https://shop.example")
        .header("Access-Control-Request-Method", "POST").serve(cors);
    FakeExchange post = post(JSON, view("e-1", "u-1")).header("Origin", "https://shop.example")
        .header("X-Api-Key", "k").serve(cors);
    FakeExchange stranger = FakeExchange.request("OPTIONS", "/").header("Origin", "https://evil.example").serve(cors);

    assertThat(preflight.status()).isEqualTo(204);
    assertThat(preflight.header("Access-Control-Allow-Origin")).hasValue("https://shop.example");
    assertThat(preflight.header("Access-Control-Allow-Methods")).hasValue("POST, OPTIONS");
    assertThat(preflight.header("Access-Control-Allow-Headers").orElseThrow()).contains("Content-Type", "X-Api-Key");
    assertThat(preflight.header("Vary")).hasValue("Origin");
    assertThat(post.status()).isEqualTo(202);
    assertThat(post.header("Access-Control-Allow-Origin")).hasValue("https://shop.example");
    assertThat(stranger.status()).isEqualTo(403);
    assertThat(stranger.header("Access-Control-Allow-Origin")).isEmpty();
  }

  @Test
  void optionsWithoutCorsIs405() throws Exception {
    FakeExchange x = FakeExchange.request("OPTIONS", "/").header("Origin", "https://shop.example").serve(function);

    assertThat(x.status()).isEqualTo(405);
    assertThat(x.header("Allow")).hasValue("POST");
    assertThat(x.header("Access-Control-Allow-Origin")).isEmpty();
  }
}
