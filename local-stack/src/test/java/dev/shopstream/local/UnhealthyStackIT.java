package dev.shopstream.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shopstream.contract.Json;
import dev.shopstream.warehouse.duckdb.DuckDbWarehouse;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A pipeline that fails for good on a warehouse error that is not a data error (here its {@code events} table is
 * gone, as a full disk or a broken file would fail every write): the sink retries with backoff, Flink restarts the
 * job a few times, then the job fails. The stack notices: {@code /health} is 503 with the reason, {@code /status}
 * says {@code "healthy": false}, one SEVERE line says so, ingest answers 503 with {@code Retry-After} instead of
 * accepting events into a dead end, and serving marks its answers stale.
 */
@Timeout(600)
class UnhealthyStackIT {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @TempDir
  Path dataDir;

  private static HttpResponse<String> get(String url) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> post(String url, String body) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String event(String id) {
    return "{\"event_id\":\"" + id + "\",\"event_type\":\"view\",\"user_id\":\"u-1\",\"event_time\":\""
        + Instant.now().minusSeconds(5) + "\",\"products\":[{\"product_id\":\"p-1\"}]}";
  }

  @Test
  void aPipelineThatFailsForGoodMakesTheStackUnhealthyIngest503AndServingStale() throws Exception {
    List<LogRecord> severe = new ArrayList<>();
    Handler capture = new Handler() {
      @Override
      public void publish(LogRecord r) {
        if (r.getLevel().intValue() >= Level.SEVERE.intValue() && "local stack unhealthy".equals(r.getMessage())) {
          synchronized (severe) {
            severe.add(r);
          }
        }
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    Logger.getLogger("").addHandler(capture);
    try (LocalStack stack = LocalStack.start(LocalStack.Config.ephemeral(dataDir))) {
      JsonNode endpoints = Json.MAPPER.readTree(Files.readString(dataDir.resolve("endpoints.json")));
      String ingest = endpoints.get("ingest").asText();
      String status = endpoints.get("status").asText();
      String health = status.replace("/status", "/health");
      assertThat(get(health).statusCode()).isEqualTo(200);
      assertThat(post(ingest, event("ok-1")).statusCode()).isEqualTo(202);

      // every write of events now fails for a reason that is not the data's
      try (Connection c = DuckDbWarehouse.open(dataDir.resolve("warehouse.duckdb")).connect();
           Statement s = c.createStatement()) {
        s.execute("DROP TABLE events");
      }
      assertThat(post(ingest, event("doomed-1")).statusCode()).isEqualTo(202);

      Instant deadline = Instant.now().plus(Duration.ofMinutes(8));
      HttpResponse<String> h = get(health);
      for (int i = 0; h.statusCode() == 200 && Instant.now().isBefore(deadline); i++) {
        // traffic keeps coming, so that each restarted job meets the failure at once
        post(ingest, event("doomed-" + (i + 2)));
        Thread.sleep(1000);
        h = get(health);
      }
      assertThat(h.statusCode()).as("the stack noticed the failed pipeline").isEqualTo(503);
      // the failed job is gone from the embedded cluster: its state is FAILED or can no longer be told (UNKNOWN)
      assertThat(Json.MAPPER.readTree(h.body()).get("reason").asText()).containsAnyOf("FAILED", "no longer running");
      JsonNode statusBody = Json.MAPPER.readTree(get(status).body());
      assertThat(statusBody.get("healthy").asBoolean()).isFalse();
      assertThat(statusBody.at("/pipeline/state").asText()).isIn("FAILED", "UNKNOWN");

      // The functions renew their readiness verdict every second in the background; on a loaded machine that thread
      // may run late (a fixed 2.5 s wait failed in CI: 202). Probe with an invalid event, which has no effect either
      // way (400 while ready, 503 once not), until the verdict has turned, then send a valid one.
      Instant turnDeadline = Instant.now().plusSeconds(30);
      HttpResponse<String> probe = post(ingest, "{}");
      while (probe.statusCode() != 503 && Instant.now().isBefore(turnDeadline)) {
        Thread.sleep(250);
        probe = post(ingest, "{}");
      }
      assertThat(probe.statusCode()).as("ingest's readiness turned within 30 s of /health: %s", probe.body())
          .isEqualTo(503);
      HttpResponse<String> refused = post(ingest, event("later-1"));
      assertThat(refused.statusCode()).as(refused.body()).isEqualTo(503);
      assertThat(refused.headers().firstValue("Retry-After")).isPresent();
      assertThat(Json.MAPPER.readTree(refused.body()).get("error").asText()).isEqualTo("pipeline_unavailable");

      HttpResponse<String> trending = get(endpoints.get("trending").asText());
      if (trending.statusCode() == 200) { // 503 when no snapshot was ever loaded, which is not the point here
        assertThat(Json.MAPPER.readTree(trending.body()).get("stale").asBoolean()).isTrue();
      }
      Thread.sleep(1500); // the health watch runs every second
      synchronized (severe) {
        assertThat(severe).hasSize(1);
      }
    } finally {
      Logger.getLogger("").removeHandler(capture);
    }
  }
}
