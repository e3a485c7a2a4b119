package dev.shopstream.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.shopstream.contract.Json;
import dev.shopstream.contract.TableSchemas;
import dev.shopstream.emulator.gcs.GcsEmulator;
import dev.shopstream.warehouse.duckdb.DuckDbWarehouse;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The status server's console routes without the rest of the stack: the page's files (with a content security
 * policy), the JSON views over a DuckDB warehouse and a bucket, the forwarding to a stand-in recommend function,
 * and the errors.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StatusServerConsoleTest {
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @TempDir
  static Path dir;

  private DuckDbWarehouse warehouse;
  private GcsEmulator gcs;
  private HttpServer recommend;
  private StatusServer server;
  private String base;
  private volatile String forwarded;

  @BeforeAll
  void start() throws Exception {
    warehouse = DuckDbWarehouse.open(dir.resolve("warehouse.duckdb"));
    Instant now = Instant.parse("2026-12-07T05:00:00Z");
    warehouse.insert(TableSchemas.deadLetter(), List.of(row("event_id", "x-1", "payload", "<script>alert(1)</script>",
        "error", "not JSON", "step", "parse", "failed_at", now)));
    warehouse.insert(TableSchemas.products(), List.of(
        row("product_id", "tea-02", "title", "Green tea", "category", "food/tea", "price", 8.5, "available", true,
            "updated_at", now),
        row("product_id", "pot-03", "title", "Teapot", "updated_at", now)));
    warehouse.insert(TableSchemas.userActivity(), List.of(row("user_id", "alice", "recent_items",
        List.of(row("product_id", "tea-02", "event_type", "view", "event_time", now.toString())),
        "purchased", List.of("pot-03"), "updated_at", now)));
    warehouse.insert(TableSchemas.productTrends(), List.of(
        trend("tea-02", "view", now, 4), trend("tea-02", "purchase", now, 1), trend("pot-03", "view", now, 2),
        trend("tea-02", "view", now.plusSeconds(300), 1)));
    gcs = GcsEmulator.start("127.0.0.1", 0, dir.resolve("gcs"));
    gcs.createBucket("uploads");
    recommend = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    recommend.createContext("/", exchange -> {
      forwarded = exchange.getRequestURI().toString();
      byte[] body = "{\"items\":[{\"product_id\":\"pot-03\",\"score\":1.0,\"reason\":\"viewed together with tea-02\"}]}"
          .getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    recommend.start();
    server = StatusServer.start("127.0.0.1", 0, () -> Json.MAPPER.createObjectNode().put("ok", true),
        java.util.Optional::empty, new ConsoleApi(warehouse, gcs, "uploads"), "http://127.0.0.1:" + recommend.getAddress().getPort());
    base = "http://127.0.0.1:" + server.port();
  }

  @AfterAll
  void stop() {
    server.close();
    recommend.stop(0);
    gcs.close();
    warehouse.close();
  }

  private static Map<String, Object> row(Object... kv) {
    Map<String, Object> row = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      row.put((String) kv[i], kv[i + 1]);
    }
    return row;
  }

  private static Map<String, Object> trend(String product, String type, Instant end, long events) {
    return row("product_id", product, "event_type", type, "window_start", end.minusSeconds(3600), "window_end", end,
        "events", events, "units", events, "timing", "EARLY", "updated_at", end);
  }

  private HttpResponse<String> get(String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private JsonNode json(String path) throws Exception {
    HttpResponse<String> r = get(path);
    assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
    return Json.MAPPER.readTree(r.body());
  }

  @Test
  void servesThePageWithAPolicyThatRunsOnlyItsOwnScript() throws Exception {
    HttpResponse<String> page = get("/console/");
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
    assertThat(page.headers().firstValue("Content-Security-Policy")).hasValueSatisfying(csp ->
        assertThat(csp).contains("script-src 'self'").doesNotContain("unsafe-inline"));
    assertThat(page.body()).contains("<script src=\"console.js\"");
    assertThat(get("/console/console.js").body()).doesNotContain("innerHTML").doesNotContain("insertAdjacentHTML");
    assertThat(get("/console/console.css").statusCode()).isEqualTo(200);
    assertThat(get("/").statusCode()).isEqualTo(302);
    assertThat(get("/console/..%2Fstatus").statusCode()).isEqualTo(404);
    assertThat(get("/console/missing.js").statusCode()).isEqualTo(404);
  }

  @Test
  void answersTheWarehouseViews() throws Exception {
    JsonNode dead = json("/api/dead-letters?limit=5");
    assertThat(dead.get("total").asLong()).isEqualTo(1);
    assertThat(dead.at("/items/0/payload").asText()).isEqualTo("<script>alert(1)</script>");
    assertThat(dead.at("/items/0/step").asText()).isEqualTo("parse");
    assertThat(dead.at("/items/0/failed_at").asText()).isEqualTo("2026-12-07T05:00:00Z");

    assertThat(json("/api/products?ids=tea-02,nope").get("items")).hasSize(1);
    assertThat(json("/api/products?ids=tea-02").at("/items/0/title").asText()).isEqualTo("Green tea");
    assertThat(json("/api/products").get("items")).hasSize(2);

    JsonNode alice = json("/api/users/alice");
    assertThat(alice.at("/recent_items/0/product_id").asText()).isEqualTo("tea-02");
    assertThat(alice.at("/purchased/0").asText()).isEqualTo("pot-03");
    assertThat(get("/api/users/nobody").statusCode()).isEqualTo(404);
    assertThat(json("/api/users").get("items").get(0).asText()).isEqualTo("alice");

    JsonNode trends = json("/api/trends?k=5&hours=6");
    assertThat(trends.get("window_ends")).hasSize(2);
    assertThat(trends.at("/series/0/product_id").asText()).isEqualTo("tea-02");
    assertThat(trends.at("/series/0/title").asText()).isEqualTo("Green tea");
    // 4 views x 1 + 1 purchase x 5, then 1 view
    assertThat(trends.at("/series/0/points/0").asDouble()).isEqualTo(9.0);
    assertThat(trends.at("/series/0/points/1").asDouble()).isEqualTo(1.0);
    assertThat(trends.at("/series/1/points/0").asDouble()).isEqualTo(2.0);
    assertThat(trends.at("/series/1/points/1").asDouble()).isEqualTo(0.0);
  }

  @Test
  void listsUploadSummariesWithTheirReportLinks() throws Exception {
    HttpResponse<String> put = HTTP.send(HttpRequest.newBuilder(URI.create(gcs.url()
            + "/upload/storage/v1/b/uploads/o?uploadType=media&name=errors/events/a.jsonl.summary.json"))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
            "{\"object\":\"events/a.jsonl\",\"status\":\"succeeded_with_rejections\",\"rows_read\":2,"
                + "\"published\":1,\"rejected\":1,\"error_report\":\"errors/events/a.jsonl.jsonl\"}")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
    JsonNode uploads = json("/api/uploads");
    assertThat(uploads.get("total").asInt()).isEqualTo(1);
    assertThat(uploads.at("/items/0/status").asText()).isEqualTo("succeeded_with_rejections");
    assertThat(uploads.at("/items/0/error_report_url").asText())
        .isEqualTo(gcs.url() + "/storage/v1/b/uploads/o/errors%2Fevents%2Fa.jsonl.jsonl?alt=media");
  }

  @Test
  void forwardsOnlyTheRecommendReads() throws Exception {
    JsonNode answer = json("/api/recommend/recommendations?user_id=alice&k=3");
    assertThat(answer.at("/items/0/reason").asText()).isEqualTo("viewed together with tea-02");
    assertThat(forwarded).isEqualTo("/recommendations?user_id=alice&k=3");
    json("/api/recommend/products/tea%2F02/similar?k=2");
    assertThat(forwarded).isEqualTo("/products/tea%2F02/similar?k=2");
    assertThat(get("/api/recommend/cart/recommendations").statusCode()).isEqualTo(404);
    assertThat(get("/api/recommend/../status").statusCode()).isEqualTo(404);
  }

  @Test
  void refusesBadParametersOtherPathsAndMethods() throws Exception {
    assertThat(get("/api/dead-letters?limit=0").statusCode()).isEqualTo(400);
    assertThat(get("/api/trends?k=x").statusCode()).isEqualTo(400);
    assertThat(get("/api/nothing").statusCode()).isEqualTo(404);
    assertThat(get("/status").statusCode()).isEqualTo(200);
    assertThat(HTTP.send(HttpRequest.newBuilder(URI.create(base + "/api/uploads"))
        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString()).statusCode())
        .isEqualTo(405);
  }
}
