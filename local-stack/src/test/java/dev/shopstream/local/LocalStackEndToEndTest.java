package dev.shopstream.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shopstream.contract.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.beam.sdk.PipelineResult;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole flow on the local stack, through its public URLs only: events posted to the ingest function travel
 * through the Pub/Sub emulator and the Beam pipeline into DuckDB, and come back out of the recommend function.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class LocalStackEndToEndTest {
  /** Elements the DirectRunner reads from an unbounded source per bundle. */
  private static final int DIRECT_RUNNER_BUNDLE = 10;
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @TempDir
  static Path dataDir;

  private LocalStack stack;
  private JsonNode endpoints;

  @BeforeAll
  void startStack() throws Exception {
    stack = LocalStack.start(LocalStack.Config.ephemeral(dataDir));
    endpoints = Json.MAPPER.readTree(Files.readString(dataDir.resolve("endpoints.json")));
  }

  @AfterAll
  void stopStack() {
    if (stack != null) {
      stack.close();
      assertThat(dataDir.resolve("endpoints.json")).doesNotExist();
    }
  }

  /**
   * p1..p5 with strictly decreasing purchases and views, so any positive weighting ranks them p1 > p2 > ... p5;
   * user "alice" bought p1 (and must not be offered it again).
   */
  private static List<String> shopTraffic(Instant now) {
    List<String> lines = new ArrayList<>();
    int[] purchases = {5, 4, 3, 2, 1};
    int[] views = {10, 8, 6, 4, 2};
    int n = 0;
    for (int p = 0; p < 5; p++) {
      for (int i = 0; i < views[p]; i++) {
        lines.add(event("view", "viewer-" + (n % 7), "p" + (p + 1), now.minusSeconds(600 - n++)));
      }
      for (int i = 0; i < purchases[p]; i++) {
        String user = p == 0 && i == 0 ? "alice" : "buyer-" + (n % 5);
        lines.add(event("purchase", user, "p" + (p + 1), now.minusSeconds(600 - n++)));
      }
    }
    return lines;
  }

  private static String event(String type, String user, String product, Instant time) {
    return "{\"event_type\":\"" + type + "\",\"user_id\":\"" + user + "\",\"event_time\":\"" + time
        + "\",\"products\":[{\"product_id\":\"" + product + "\",\"quantity\":1,\"price\":2.5}]}";
  }

  private HttpResponse<String> post(String contentType, String body) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(endpoints.get("ingest").asText()))
        .header("Content-Type", contentType).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private JsonNode recommend(String query) throws Exception {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(endpoints.get("recommend").asText() + query))
        .GET().build(), HttpResponse.BodyHandlers.ofString());
    JsonNode body = Json.MAPPER.readTree(r.body());
    return Json.MAPPER.createObjectNode().put("status", r.statusCode()).set("body", body);
  }

  @Test
  void eventsPostedToIngestComeBackAsRecommendations() throws Exception {
    assertThat(endpoints.fieldNames()).toIterable().contains("ingest", "recommend", "pubsub_grpc", "pubsub_rest");
    assertThat(stack.pipeline().getState()).isEqualTo(PipelineResult.State.RUNNING);

    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    List<String> traffic = shopTraffic(now);
    HttpResponse<String> accepted = post("application/x-ndjson", String.join("\n", traffic));
    assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
    JsonNode acceptedBody = Json.MAPPER.readTree(accepted.body());
    assertThat(acceptedBody.get("accepted").asInt()).isEqualTo(traffic.size());

    // the same batch again (a client retry): same derived ids, so no new rows downstream
    assertThat(post("application/x-ndjson", String.join("\n", traffic)).statusCode()).isEqualTo(202);

    // a malformed event: 400 naming each bad field, and it never reaches the warehouse
    HttpResponse<String> rejected = post("application/json",
        "{\"event_id\":\"bad-1\",\"event_type\":\"teleport\",\"event_time\":\"" + now + "\"}");
    assertThat(rejected.statusCode()).isEqualTo(400);
    assertThat(rejected.body()).contains("event_type").contains("user_id");

    long expected = traffic.size();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (stack.warehouse().count("events") < expected && System.nanoTime() < deadline) {
      Thread.sleep(200);
    }
    assertThat(stack.warehouse().count("events")).as("rows in the warehouse = events accepted").isEqualTo(expected);

    JsonNode alice = recommend("?user_id=alice&k=3");
    assertThat(alice.get("status").asInt()).isEqualTo(200);
    assertThat(alice.at("/body/items").findValuesAsText("product_id")).containsExactly("p2", "p3", "p4");
    for (JsonNode item : alice.at("/body/items")) {
      assertThat(item.get("score").asDouble()).isPositive();
      assertThat(item.get("reason").asText()).isNotBlank();
    }
    assertThat(recommend("?user_id=someone-new&k=2").at("/body/items").findValuesAsText("product_id"))
        .containsExactly("p1", "p2");
    JsonNode badK = recommend("?user_id=alice&k=0");
    assertThat(badK.get("status").asInt()).isEqualTo(400);
    assertThat(badK.at("/body/parameter").asText()).isEqualTo("k");

    // the pipeline acknowledges what it read. The DirectRunner finalizes a bundle's checkpoint (PubsubIO acks)
    // when it reads the next bundle, so at most one bundle (10 messages) waits for more traffic: bounded, no leak.
    String subscription = "projects/local-project/subscriptions/events-pipeline";
    long ackDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (stack.pubsub().backlog(subscription) > DIRECT_RUNNER_BUNDLE && System.nanoTime() < ackDeadline) {
      Thread.sleep(200);
    }
    assertThat(stack.pubsub().backlog(subscription))
        .as("unacknowledged messages; emulator stats %s", stack.pubsub().stats())
        .isLessThanOrEqualTo(DIRECT_RUNNER_BUNDLE);

    // nothing was dead-lettered and the rejected event is not in the warehouse
    assertThat(stack.warehouse().count("dead_letter")).isZero();
    try (Connection c = stack.warehouse().connect(); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT count(*) FROM events WHERE event_id = 'bad-1'")) {
      rs.next();
      assertThat(rs.getLong(1)).isZero();
    }
  }
}
