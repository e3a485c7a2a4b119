package dev.shopstream.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shopstream.contract.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** {@code /health}: 200 while healthy, 503 with the reason once not; a terminal pipeline state is unhealthy. */
class StatusServerTest {
  @Test
  void healthIs200WhileHealthyAnd503WithTheReasonOnceNot() throws Exception {
    AtomicReference<Optional<String>> problem = new AtomicReference<>(Optional.empty());
    try (StatusServer server = StatusServer.start("127.0.0.1", 0,
        () -> Json.MAPPER.createObjectNode().put("healthy", problem.get().isEmpty()), problem::get)) {
      HttpClient http = HttpClient.newHttpClient();
      URI health = URI.create("http://127.0.0.1:" + server.port() + "/health");
      HttpResponse<String> ok = http.send(HttpRequest.newBuilder(health).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(ok.statusCode()).isEqualTo(200);
      assertThat(Json.MAPPER.readTree(ok.body()).get("healthy").asBoolean()).isTrue();

      problem.set(Optional.of("the pipeline is FAILED; restart the stack"));
      HttpResponse<String> bad = http.send(HttpRequest.newBuilder(health).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(bad.statusCode()).isEqualTo(503);
      assertThat(Json.MAPPER.readTree(bad.body()).get("reason").asText()).contains("FAILED");
      HttpResponse<String> status = http.send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + server.port() + "/status")).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(status.statusCode()).isEqualTo(200);
      assertThat(Json.MAPPER.readTree(status.body()).get("healthy").asBoolean()).isFalse();
    }
  }

  @Test
  void unhealthyOnceThePipelineStoppedForGoodNotWhileItStartsOrRestarts() {
    HealthWatch watch = new HealthWatch();
    Instant t = Instant.parse("2026-12-07T05:00:00Z");
    assertThat(watch.assess("UNKNOWN", t)).as("starting").isEmpty();
    assertThat(watch.assess("RUNNING", t.plusSeconds(1))).isEmpty();
    assertThat(watch.assess("UNKNOWN", t.plusSeconds(2))).as("a moment the runner cannot tell").isEmpty();
    assertThat(watch.assess("UNKNOWN", t.plusSeconds(11))).isEmpty();
    assertThat(watch.assess("UNKNOWN", t.plusSeconds(12)).orElseThrow()).contains("no longer running");
    assertThat(watch.assess("RUNNING", t.plusSeconds(13))).isEmpty();
    assertThat(watch.assess("FAILED", t.plusSeconds(14)).orElseThrow()).contains("FAILED");
    assertThat(new HealthWatch().assess("CANCELLED", t)).isPresent();
    assertThat(HealthWatch.isTerminal("DONE")).isTrue();
    assertThat(HealthWatch.isTerminal("STOPPED")).isFalse();
    assertThat(HealthWatch.isTerminal("RESTARTING")).isFalse();
  }

  @Test
  void aPipelineThatNeverRunsIsUnhealthyAfterTheStartupLimit() {
    HealthWatch watch = new HealthWatch();
    Instant t = Instant.parse("2026-12-07T05:00:00Z");
    assertThat(watch.assess("UNKNOWN", t)).as("starting").isEmpty();
    assertThat(watch.assess("UNKNOWN", t.plus(HealthWatch.STARTUP_LIMIT).minusSeconds(1))).isEmpty();
    assertThat(watch.assess("UNKNOWN", t.plus(HealthWatch.STARTUP_LIMIT)).orElseThrow())
        .contains("has not started running");
  }
}
