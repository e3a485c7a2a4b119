package dev.shopstream.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shopstream.contract.Json;
import com.google.cloud.NoCredentials;
import com.google.cloud.storage.BlobInfo;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.StorageOptions;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPOutputStream;
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
class LocalStackEndToEndIT {
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

  /** Waits (bounded) until the events matching {@code where} reach {@code expected}; returns the last count. */
  private long awaitEvents(String where, long expected) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    long count;
    while ((count = countEvents(where)) < expected && System.nanoTime() < deadline) {
      Thread.sleep(200);
    }
    return count;
  }

  private long countEvents(String where) throws Exception {
    return count("SELECT count(*) FROM events WHERE " + where);
  }

  private long count(String sql) throws Exception {
    try (Connection c = stack.warehouse().connect(); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /** Waits (bounded) until {@code countSql} reaches {@code atLeast}; returns the last count. */
  private long awaitRows(String countSql, long atLeast) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    long n;
    while ((n = count(countSql)) < atLeast && System.nanoTime() < deadline) {
      Thread.sleep(200);
    }
    return n;
  }

  private static String uploadEvent(String user, String product, Instant time) {
    return "{\"event_type\":\"view\",\"user_id\":\"" + user + "\",\"event_time\":\"" + time
        + "\",\"products\":[{\"product_id\":\"" + product + "\"}]}";
  }

  @Test
  void filesUploadedToTheBucketLandInTheWarehouseAndBadRowsInTheErrorReport() throws Exception {
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    Storage storage = StorageOptions.newBuilder().setHost(endpoints.get("gcs").asText())
        .setProjectId("local-project").setCredentials(NoCredentials.getInstance()).build().getService();

    // JSONL through the Java client: 5 valid rows and 2 bad ones (lines 3 and 6)
    List<String> jsonl = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      jsonl.add(uploadEvent("upl-json-" + i, "p" + i, now.minusSeconds(i)));
      if (i == 1) {
        jsonl.add("{\"event_type\":\"view\",\"user_id\":\"upl-bad\"}");
      }
      if (i == 3) {
        jsonl.add("not json at all");
      }
    }
    storage.create(BlobInfo.newBuilder("uploads", "events/batch-1.jsonl").build(),
        String.join("\n", jsonl).getBytes(StandardCharsets.UTF_8));

    // gzipped CSV the way curl uploads it (media upload to the bucket URL)
    String csv = "event_type,user_id,event_time,product_id,quantity\n"
        + "purchase,upl-csv-1," + now + ",p1,2\n"
        + "view,upl-csv-2," + now + ",p2,\n"
        + "add_to_cart,upl-csv-3," + now + ",p3,1\n";
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
      out.write(csv.getBytes(StandardCharsets.UTF_8));
    }
    HttpResponse<String> uploaded = HTTP.send(HttpRequest.newBuilder(
            URI.create(endpoints.get("upload_url").asText() + "events/batch-2.csv.gz"))
        .header("Content-Type", "application/gzip").POST(HttpRequest.BodyPublishers.ofByteArray(gz.toByteArray()))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertThat(uploaded.statusCode()).as(uploaded.body()).isEqualTo(200);

    assertThat(awaitEvents("user_id LIKE 'upl-json-%'", 5)).isEqualTo(5);
    assertThat(awaitEvents("user_id LIKE 'upl-csv-%'", 3)).isEqualTo(3);
    assertThat(countEvents("user_id = 'upl-bad'")).isZero();

    assertThat(stack.gcs().awaitIdle(Duration.ofSeconds(30))).isTrue();
    JsonNode summary = Json.MAPPER.readTree(storage.readAllBytes("uploads", "errors/events/batch-1.jsonl.summary.json"));
    assertThat(summary.get("status").asText()).isEqualTo("succeeded_with_rejections");
    assertThat(summary.get("rows_read").asLong()).isEqualTo(7);
    assertThat(summary.get("published").asLong()).isEqualTo(5);
    assertThat(summary.get("rejected").asLong()).isEqualTo(2);
    List<JsonNode> errors = new ArrayList<>();
    for (String line : new String(storage.readAllBytes("uploads", "errors/events/batch-1.jsonl.jsonl"),
        StandardCharsets.UTF_8).split("\n")) {
      errors.add(Json.MAPPER.readTree(line));
    }
    assertThat(errors).extracting(e -> e.get("line").asInt()).containsExactly(3, 6);
    assertThat(errors.get(0).get("reason").asText()).contains("event_time").contains("products");
    assertThat(errors.get(1).get("raw").asText()).isEqualTo("not json at all");
    JsonNode csvSummary = Json.MAPPER.readTree(storage.readAllBytes("uploads",
        "errors/events/batch-2.csv.gz.summary.json"));
    assertThat(csvSummary.get("status").asText()).isEqualTo("succeeded");
    assertThat(csvSummary.get("published").asLong()).isEqualTo(3);

    // a catalog file: every valid product lands in the products table (latest version per id)
    String catalog = "{\"product_id\":\"upl-p1\",\"title\":\"Teapot\",\"category\":\"home/kitchen\","
        + "\"price\":20.5,\"currency\":\"EUR\",\"available\":true}\n"
        + "{\"product_id\":\"upl-p2\",\"title\":\"Mug\",\"price\":-1}\n";
    storage.create(BlobInfo.newBuilder("uploads", "catalog/products.jsonl").build(),
        catalog.getBytes(StandardCharsets.UTF_8));
    assertThat(awaitRows("SELECT count(*) FROM products WHERE product_id = 'upl-p1' AND price = 20.5"
        + " AND category = 'home/kitchen'", 1)).isEqualTo(1);
    assertThat(stack.gcs().awaitIdle(Duration.ofSeconds(30))).isTrue();
    assertThat(Json.MAPPER.readTree(storage.readAllBytes("uploads", "errors/catalog/products.jsonl.summary.json"))
        .get("rejected").asLong()).isEqualTo(1);
    assertThat(count("SELECT count(*) FROM products WHERE product_id = 'upl-p2'")).isZero();

    // a redelivered upload (the same object re-finalized) publishes the same ids: still one row per event
    storage.create(BlobInfo.newBuilder("uploads", "events/batch-1.jsonl").build(),
        String.join("\n", jsonl).getBytes(StandardCharsets.UTF_8));
    assertThat(stack.gcs().awaitIdle(Duration.ofSeconds(30))).isTrue();
  }

  @Test
  void eventsPostedToIngestComeBackAsRecommendations() throws Exception {
    assertThat(endpoints.fieldNames()).toIterable().contains("ingest", "recommend", "recommend_similar",
        "recommend_bought_together", "recommend_cart", "trending", "upload_function", "gcs",
        "bucket", "upload_url", "pubsub_grpc", "pubsub_rest", "warehouse");
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
    assertThat(awaitEvents("user_id NOT LIKE 'upl-%'", expected)).as("rows in the warehouse = events accepted")
        .isEqualTo(expected);

    // the pipeline acknowledges what it read. The DirectRunner finalizes a bundle's checkpoint (PubsubIO acks)
    // when it reads the next bundle, so each reader holds back at most one bundle (10 messages) until more traffic
    // comes: bounded by readers x bundle, whatever was published; no leak. The runner splits the source into
    // targetParallelism readers (default: max(cores, 3)).
    // When it recreates a reader (it does so at random) the old checkpoint is dropped, and those messages are
    // redelivered once the subscription's 60 s ack deadline passes, then deduplicated and acknowledged.
    String subscription = "projects/local-project/subscriptions/events-pipeline";
    long ackDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60 + 30);
    long bound = (long) DIRECT_RUNNER_BUNDLE * Math.max(Runtime.getRuntime().availableProcessors(), 3);
    while (stack.pubsub().backlog(subscription) > bound && System.nanoTime() < ackDeadline) {
      Thread.sleep(200);
    }
    assertThat(stack.pubsub().backlog(subscription))
        .as("unacknowledged messages; emulator stats %s", stack.pubsub().stats())
        .isLessThanOrEqualTo(bound);

    // the item-to-item model and the per-user activity reach the warehouse too
    assertThat(awaitRows("SELECT count(*) FROM user_activity WHERE user_id = 'alice' AND list_contains(purchased, 'p1')",
        1)).isEqualTo(1);
    assertThat(awaitRows("SELECT count(*) FROM item_neighbors WHERE product_id = 'p1' AND signal = 'co_view'", 1))
        .isPositive();

    everyServingEndpointAnswersFromThePipelinesOutput();

    // nothing was dead-lettered and the rejected event is not in the warehouse
    assertThat(stack.warehouse().count("dead_letter")).isZero();
    try (Connection c = stack.warehouse().connect(); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT count(*) FROM events WHERE event_id = 'bad-1'")) {
      rs.next();
      assertThat(rs.getLong(1)).isZero();
    }
  }

  /**
   * Every endpoint of the recommend function, answered from its snapshot of what the pipeline wrote
   * (item_neighbors, product_trends, user_activity); the snapshot refreshes every second in the stack, so each
   * check waits (bounded) for the pipeline's panes to land.
   */
  private void everyServingEndpointAnswersFromThePipelinesOutput() throws Exception {
    // trending: p1 (5 purchases, 10 views) > p2 (4, 8) > ...; a new user gets it, saying why
    JsonNode newUser = awaitServed("/recommendations?user_id=someone-new&k=2",
        b -> b.at("/items").findValuesAsText("product_id").equals(List.of("p1", "p2")));
    assertThat(newUser.get("fallback").asText()).isEqualTo("unknown_user");
    assertThat(newUser.at("/items/0/reason").asText()).isEqualTo("trending in the shop");
    assertThat(newUser.get("as_of").isTextual()).isTrue();
    assertThat(newUser.get("stale").asBoolean()).isFalse();

    // alice bought p1: her recommendations come from p1's neighbours, and never offer p1 again
    JsonNode alice = awaitServed("/recommendations?user_id=alice&k=3",
        b -> b.get("strategy").asText().startsWith("personalized"));
    assertThat(alice.at("/items").findValuesAsText("product_id")).hasSize(3).doesNotContain("p1");
    // blended with trending (TREND_WEIGHT): items linked to p1 say so (together with it, or viewed next after it:
    // NEXT_WEIGHT), whatever trending added to their score
    assertThat(alice.at("/items").findValuesAsText("reason"))
        .anyMatch(r -> r.matches("(viewed|added to cart|bought|seen) together with p1|often viewed next after p1"))
        .allMatch(r -> r.matches(
            "(viewed|added to cart|bought|seen) together with p1|often viewed next after p1|trending in .+"));
    assertThat(alice.at("/items/0/score").asDouble()).isPositive();
    // with k=10 trending fills up too, still without p1; unless buying again is the point
    assertThat(served("/recommendations?user_id=alice&k=10").at("/items").findValuesAsText("product_id"))
        .doesNotContain("p1");
    assertThat(served("/recommendations?user_id=alice&k=10&mode=buy_again").at("/items")
        .findValuesAsText("product_id")).contains("p1");

    JsonNode similar = awaitServed("/products/p1/similar?k=2",
        b -> b.at("/items/0/reason").asText().equals("viewed together with p1"));
    assertThat(similar.at("/items").findValuesAsText("product_id")).hasSize(2).doesNotContain("p1");
    JsonNode together = awaitServed("/products/p2/bought-together?k=3&exclude=p3",
        // the first is linked to p2: bought or carted with it, or taken next after it (ITEM_NEXT_WEIGHT)
        b -> b.at("/items/0/reason").asText()
            .matches("(bought|added to cart) together with p2|often viewed next after p2"));
    assertThat(together.at("/items").findValuesAsText("product_id")).doesNotContain("p2", "p3");
    awaitServed("/trending?k=3", // every product's trend pane has landed
        b -> b.at("/items").findValuesAsText("product_id").equals(List.of("p1", "p2", "p3")));

    HttpResponse<String> cart = HTTP.send(HttpRequest.newBuilder(recommendUri("/cart/recommendations?k=2"))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"items\": [{\"product_id\": \"p1\"}]}")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(cart.statusCode()).as(cart.body()).isEqualTo(200);
    assertThat(Json.MAPPER.readTree(cart.body()).at("/items").findValuesAsText("product_id")).hasSize(2)
        .doesNotContain("p1");

    // refused through the real invoker too: 400 naming the parameter, 404, 405
    JsonNode badK = recommend("?user_id=alice&k=0");
    assertThat(badK.get("status").asInt()).isEqualTo(400);
    assertThat(badK.at("/body/parameter").asText()).isEqualTo("k");
    assertThat(status("/products/%FF/similar")).isEqualTo(400);
    assertThat(status("/recommendations?user_id=%27%20OR%20%271%27%3D%271")).isEqualTo(200);
    assertThat(status("/nowhere")).isEqualTo(404);
    assertThat(HTTP.send(HttpRequest.newBuilder(recommendUri("/trending")).DELETE().build(),
        HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(405);
  }

  private URI recommendUri(String pathAndQuery) {
    String base = endpoints.get("trending").asText();
    return URI.create(base.substring(0, base.length() - "/trending".length()) + pathAndQuery);
  }

  private int status(String pathAndQuery) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(recommendUri(pathAndQuery)).GET().build(),
        HttpResponse.BodyHandlers.ofString()).statusCode();
  }

  private JsonNode served(String pathAndQuery) throws Exception {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(recommendUri(pathAndQuery)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(pathAndQuery + ": " + r.body()).isEqualTo(200);
    return Json.MAPPER.readTree(r.body());
  }

  /** Polls (bounded, 90 s) until the answer satisfies {@code ready}; returns the last answer. */
  private JsonNode awaitServed(String pathAndQuery, java.util.function.Predicate<JsonNode> ready) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    JsonNode body = served(pathAndQuery);
    while (!ready.test(body) && System.nanoTime() < deadline) {
      Thread.sleep(250);
      body = served(pathAndQuery);
    }
    assertThat(ready.test(body)).as(pathAndQuery + " never ready; last answer " + body).isTrue();
    return body;
  }

  @Test
  void logsThePipelinesCountersAndWatermarkLagAsOneJsonLine() throws Exception {
    // one event of our own through the stack, so the counters have something to show whichever test ran first
    String user = "metrics-" + java.util.UUID.randomUUID();
    assertThat(post("application/json", event("view", user, "mug-01", Instant.now())).statusCode()).isEqualTo(202);
    assertThat(awaitEvents("user_id = '" + user + "'", 1)).isEqualTo(1);
    // the runner publishes a bundle's counters when it commits the bundle: read the line until they show (bounded)
    JsonNode json = metricsLine();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (json.path("counters").path("duckdb.events.rows_written").asLong() == 0 && System.nanoTime() < deadline) {
      Thread.sleep(500);
      json = metricsLine();
    }
    assertThat(json.path("severity").asText()).isEqualTo("INFO");
    assertThat(json.path("message").asText()).isEqualTo("pipeline metrics");
    JsonNode counters = json.path("counters");
    assertThat(counters.isObject()).isTrue();
    // the event was parsed, deduplicated and written: the per-step counters saw it
    assertThat(counters.path("ParseEvents.in").asLong()).as(counters.toString()).isPositive();
    assertThat(counters.path("ParseEvents.valid").asLong()).as(counters.toString()).isPositive();
    assertThat(counters.path("DedupeEvents.out").asLong()).as(counters.toString()).isPositive();
    assertThat(counters.path("duckdb.events.rows_written").asLong()).as(counters.toString()).isPositive();
    // null until the watermark has passed an event (an idle DirectRunner stream may hold it), else a lag in ms
    assertThat(json.has("watermark_lag_ms")).isTrue();
    JsonNode lag = json.path("watermark_lag_ms");
    assertThat(lag.isNull() || lag.isNumber()).as("watermark_lag_ms " + lag).isTrue();
  }

  /** The stack's {@code pipeline metrics} log line, as its JSON formatter writes it. */
  private JsonNode metricsLine() throws Exception {
    java.util.List<java.util.logging.LogRecord> records = new java.util.concurrent.CopyOnWriteArrayList<>();
    java.util.logging.Handler capture = new java.util.logging.Handler() {
      @Override
      public void publish(java.util.logging.LogRecord r) {
        records.add(r);
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    java.util.logging.Logger logger = java.util.logging.Logger.getLogger(LocalStack.class.getName());
    logger.addHandler(capture);
    try {
      stack.logMetrics();
    } finally {
      logger.removeHandler(capture);
    }
    java.util.logging.LogRecord metrics = records.stream()
        .filter(r -> "pipeline metrics".equals(r.getMessage())).findFirst().orElseThrow();
    return Json.MAPPER.readTree(dev.shopstream.contract.logging.CloudLogging.formatter().format(metrics));
  }
}
