package dev.shopstream.functions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyInt;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.api.core.ApiFutures;
import com.google.cloud.pubsub.v1.PublisherInterface;
import dev.shopstream.contract.Json;
import dev.shopstream.contract.logging.CloudLogging;
import dev.shopstream.functions.http.AccessPolicy;
import dev.shopstream.functions.ingest.IngestConfig;
import dev.shopstream.functions.ingest.IngestFunction;
import dev.shopstream.functions.recommend.RecommendConfig;
import dev.shopstream.functions.recommend.RecommendFunction;
import dev.shopstream.functions.recommend.RecommendationStore;
import dev.shopstream.functions.recommend.StoreException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.logging.StreamHandler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The API key, the keys callers send and the pseudonymization key never reach the logs, and with pseudonymization
 * on neither does a raw user id: every log line the functions write (in the Cloud Logging JSON shape, stack traces
 * included) is captured from the root handler while requests with the right key, a wrong key, a failing Pub/Sub
 * and a misconfigured key are served by the ingest function, and requests with the right key, a wrong key, no key
 * and a key in the query string are served by the recommend function while its warehouse fails.
 */
class SecretsNeverLoggedTest {
  private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-20T12:00:00Z"), ZoneOffset.UTC);
  private static final String API_KEY = "api-key-3f9c1e7a-do-not-log";
  private static final String WRONG_KEY = "guessed-key-77b2-do-not-log";
  private static final String HMAC_KEY = "hmac-key-0123456789abcdef0123456789abcdef";
  private static final String RAW_USER = "alice-raw-identifier@example.com";

  private final ByteArrayOutputStream logs = new ByteArrayOutputStream();
  private Handler handler;
  private Level rootLevel;

  @BeforeEach
  void captureEveryLogLine() {
    handler = new StreamHandler(logs, CloudLogging.formatter());
    handler.setLevel(Level.ALL);
    Logger root = Logger.getLogger("");
    rootLevel = root.getLevel();
    root.setLevel(Level.ALL);
    root.addHandler(handler);
  }

  @AfterEach
  void release() {
    Logger root = Logger.getLogger("");
    root.removeHandler(handler);
    root.setLevel(rootLevel);
  }

  private String logged() {
    handler.flush();
    return logs.toString(StandardCharsets.UTF_8);
  }

  /** Every captured line is one JSON object in the Cloud Logging shape; returns their messages. */
  private String messages() throws Exception {
    StringBuilder out = new StringBuilder();
    for (String line : logged().split("\n")) {
      JsonNode record = Json.MAPPER.readTree(line);
      assertThat(record.isObject()).as(line).isTrue();
      assertThat(record.get("severity").asText()).as(line).isNotEmpty();
      out.append(record.get("message").asText()).append('\n');
    }
    return out.toString();
  }

  private static FakeExchange post(String key) {
    String body = "{\"event_type\":\"view\",\"user_id\":\"" + RAW_USER + "\",\"event_time\":\"2026-11-20T10:00:00Z\","
        + "\"products\":[{\"product_id\":\"p-1\"}]}";
    FakeExchange exchange = FakeExchange.request("POST", "/").body("application/json", body);
    return key == null ? exchange : exchange.header(AccessPolicy.API_KEY_HEADER, key);
  }

  @Test
  void neitherKeysNorRawUserIdsAppearInAnyLogLine() throws Exception {
    PublisherInterface publisher = mock(PublisherInterface.class);
    when(publisher.publish(any()))
        .thenReturn(ApiFutures.immediateFuture("m-1"))
        .thenReturn(ApiFutures.immediateFailedFuture(new IllegalStateException("Pub/Sub is down")))
        .thenThrow(new IllegalStateException("publisher shut down"));
    Settings settings = new Settings(Map.of("API_KEY", API_KEY, UserIdPseudonymizer.KEY_SETTING, HMAC_KEY)::get);
    IngestConfig config = new IngestConfig(10, 1 << 20, Duration.ofSeconds(1), AccessPolicy.from(settings));
    IngestFunction function = new IngestFunction(publisher, config, CLOCK, UserIdPseudonymizer.from(settings));

    assertThat(post(API_KEY).serve(function).status()).isEqualTo(202);
    assertThat(post(WRONG_KEY).serve(function).status()).isEqualTo(401);
    assertThat(post(null).serve(function).status()).isEqualTo(401);
    assertThat(post(API_KEY).serve(function).status()).isEqualTo(503); // logged with the exception
    assertThat(post(API_KEY).serve(function).status()).isEqualTo(503);
    assertThatThrownBy(() -> UserIdPseudonymizer.from(new Settings(
        Map.of(UserIdPseudonymizer.KEY_SETTING, "short-secret-value")::get)))
        .hasMessageContaining(UserIdPseudonymizer.KEY_SETTING).hasMessageNotContaining("short-secret-value");
    Logger.getLogger(getClass().getName()).info("configured: " + UserIdPseudonymizer.from(settings)
        + ", " + config);

    String logged = logged();
    assertThat(logged).contains("POST / -> 202").contains("POST / -> 401").contains("POST / -> 503")
        .contains("Pub/Sub is down").contains("USER_ID_HMAC_KEY"); // the capture works
    for (String secret : List.of(API_KEY, WRONG_KEY, HMAC_KEY, RAW_USER, "short-secret-value")) {
      assertThat(logged).as("logs must not contain %s", secret).doesNotContain(secret);
    }
  }

  private static FakeExchange recommend(String path, String key) {
    FakeExchange exchange = FakeExchange.request("GET", path);
    if (path.equals("/recommendations")) {
      exchange.query("user_id", "u-1");
    }
    return key == null ? exchange : exchange.header(AccessPolicy.API_KEY_HEADER, key);
  }

  @Test
  void recommendNeverLogsTheKeyNorAKeyACallerSent() throws Exception {
    RecommendationStore store = mock(RecommendationStore.class);
    when(store.neighbors(anyInt()))
        .thenThrow(new StoreException("warehouse down (test)", new IllegalStateException("connection refused")))
        .thenReturn(List.of());
    when(store.trends(any(), any(), anyInt())).thenReturn(RecommendationStore.Trends.empty());
    when(store.catalog(anyInt())).thenReturn(List.of());
    when(store.userActivity(any()))
        .thenThrow(new StoreException("user_activity unreadable (test)", null))
        .thenThrow(new IllegalStateException("bug (test)"));
    RecommendConfig config = RecommendConfig.from(new Settings(Map.of("API_KEY", API_KEY)::get));
    RecommendFunction function = new RecommendFunction(store, config, CLOCK, mock(ScheduledExecutorService.class));

    assertThat(function.refreshSnapshot()).isFalse();
    assertThat(recommend("/recommendations", API_KEY).serve(function).status()).isEqualTo(503);
    assertThat(recommend("/recommendations", WRONG_KEY).serve(function).status()).isEqualTo(401);
    assertThat(recommend("/recommendations", null).serve(function).status()).isEqualTo(401);
    assertThat(function.refreshSnapshot()).isTrue();
    assertThat(recommend("/recommendations", WRONG_KEY).serve(function).status()).isEqualTo(401);
    assertThat(recommend("/recommendations", API_KEY).serve(function).status()).isEqualTo(200); // activity failed
    assertThat(recommend("/recommendations", API_KEY).serve(function).status()).isEqualTo(500); // stack trace
    assertThat(recommend("/trending", API_KEY).query("api_key", WRONG_KEY).serve(function).status())
        .isEqualTo(400); // a key sent as a parameter: refused by name, the value is neither echoed nor logged
    Logger.getLogger(getClass().getName()).info("configured: " + config);

    String messages = messages();
    assertThat(messages).contains("GET /recommendations -> 503", "GET /recommendations -> 401",
        "GET /recommendations -> 200", "GET /recommendations -> 500", "GET /trending -> 400",
        "snapshot refresh failed", "user_activity unavailable", "unexpected failure", "configured: ");
    assertThat(logged()).contains("bug (test)"); // stack traces are captured too
    for (String secret : List.of(API_KEY, WRONG_KEY)) {
      assertThat(logged()).as("logs must not contain %s", secret).doesNotContain(secret);
    }
  }
}
