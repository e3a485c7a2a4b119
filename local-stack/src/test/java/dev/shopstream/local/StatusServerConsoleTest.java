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
        java.util.Optional::empty, new ConsoleApi(warehouse, gcs, "uploads", dir.resolve("reports")),
        "http://127.0.0.1:" + recommend.getAddress().getPort());
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

  /** A report.json as evaluate --report writes it (the fields the console reads). */
  private static String report(String generatedAt, double hrAt10, boolean tuned) {
    StringBuilder hr = new StringBuilder();
    StringBuilder ndcg = new StringBuilder();
    for (int k = 1; k <= 20; k++) {
      hr.append(k == 1 ? "" : ",").append(k == 10 ? hrAt10 : k / 40.0);
      ndcg.append(k == 1 ? "" : ",").append(k / 80.0);
    }
    return "{\"schema_version\":1,\"generated_at\":\"" + generatedAt + "\",\"command\":\"java -jar "
        + "evaluation/target/evaluate.jar --report=x\",\"dataset\":{\"input\":\"/d/shop.csv\",\"interactions\":500},"
        + "\"protocol\":{\"name\":\"time-split\",\"k\":10},\"split\":{\"trials\":40,\"catalog_items\":90},"
        + "\"methods\":[{\"name\":\"popularity\",\"hr\":" + hrAt10 + ",\"coverage\":0.1,\"distinct_items\":9,"
        + "\"hr_at\":[" + hr + "],\"ndcg_at\":[" + ndcg + "]},{\"name\":\"<b>recommender</b>\",\"coverage\":0.5,"
        + "\"distinct_items\":45,\"hr_at\":[0.1,0.2],\"ndcg_at\":[0.1,0.15]}],"
        + "\"tuning\":" + (tuned ? "{\"configs\":[{},{},{}],\"chosen\":{\"index\":2,\"config\":\"trend_weight=0\"}}"
            : "null") + "}";
  }

  /** The status line of a request sent as written (no client normalizes its path). */
  private int rawStatus(String path) throws Exception {
    try (java.net.Socket socket = new java.net.Socket("127.0.0.1", server.port())) {
      socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      String status = new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(),
          StandardCharsets.US_ASCII)).readLine();
      return Integer.parseInt(status.split(" ")[1]);
    }
  }

  @Test
  void qualityShowsTheNewestReportAndServesItsFilesReadOnly() throws Exception {
    Path reports = dir.resolve("reports");
    JsonNode none = json("/api/quality");
    assertThat(none.get("report").isNull()).isTrue();
    assertThat(none.get("command").asText()).startsWith("java -jar evaluation/target/evaluate.jar --report="
        + reports + "/");

    java.nio.file.Files.createDirectories(reports.resolve("old"));
    java.nio.file.Files.writeString(reports.resolve("old/report.json"), report("2026-12-01T10:00:00Z", 0.25, false));
    java.nio.file.Files.setLastModifiedTime(reports.resolve("old/report.json"),
        java.nio.file.attribute.FileTime.from(Instant.parse("2026-12-01T10:00:00Z")));
    java.nio.file.Files.createDirectories(reports.resolve("new-1"));
    java.nio.file.Files.writeString(reports.resolve("new-1/report.json"), report("2026-12-07T10:00:00Z", 0.375, true));
    java.nio.file.Files.writeString(reports.resolve("new-1/report.html"), "<!DOCTYPE html><p>the report</p>");
    JsonNode quality = json("/api/quality");
    assertThat(quality.at("/report/generated_at").asText()).isEqualTo("2026-12-07T10:00:00Z");
    assertThat(quality.at("/report/protocol").asText()).isEqualTo("time-split");
    assertThat(quality.at("/report/methods/0/name").asText()).isEqualTo("popularity");
    assertThat(quality.at("/report/methods/0/hr_at_10").asDouble()).isEqualTo(0.375);
    assertThat(quality.at("/report/methods/0/hr_at_20").asDouble()).isEqualTo(0.5);
    assertThat(quality.at("/report/methods/0/ndcg_at_20").asDouble()).isEqualTo(0.25);
    assertThat(quality.at("/report/methods/0/coverage").asDouble()).isEqualTo(0.1);
    assertThat(quality.at("/report/methods/1/hr_at_10").isNull()).as("a curve shorter than 10").isTrue();
    assertThat(quality.at("/report/tuning/chosen").asInt()).isEqualTo(2);
    assertThat(quality.get("html_url").asText()).isEqualTo("/reports/new-1/report.html");
    assertThat(quality.get("json_url").asText()).isEqualTo("/reports/new-1/report.json");

    HttpResponse<String> page = get(quality.get("html_url").asText());
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body()).isEqualTo("<!DOCTYPE html><p>the report</p>");
    assertThat(page.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
    assertThat(page.headers().firstValue("Content-Security-Policy")).hasValue(StatusServer.REPORT_POLICY);
    assertThat(json(quality.get("json_url").asText()).get("schema_version").asInt()).isEqualTo(1);
    assertThat(HTTP.send(HttpRequest.newBuilder(URI.create(base + "/reports/new-1/report.html"))
        .PUT(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString()).statusCode())
        .as("read-only").isEqualTo(405);

    // nothing outside the folder, whatever the path says
    java.nio.file.Files.createDirectories(dir.resolve("outside"));
    java.nio.file.Files.writeString(dir.resolve("outside/report.json"), "{\"secret\":true}");
    java.nio.file.Files.writeString(dir.resolve("report.json"), "{\"secret\":true}");
    java.nio.file.Files.createSymbolicLink(reports.resolve("link"), dir.resolve("outside"));
    assertThat(rawStatus("/reports/../report.json")).isEqualTo(400);
    assertThat(rawStatus("/reports/new-1/../../report.json")).isEqualTo(400);
    assertThat(rawStatus("/reports/%2e%2e/report.json")).isEqualTo(400);
    assertThat(rawStatus("/reports/..%2Freport.json")).isEqualTo(400);
    assertThat(rawStatus("/reports/.%2E/outside/report.json")).isEqualTo(400);
    assertThat(rawStatus("/reports/new-1%5C..%5C..%5Creport.json")).isEqualTo(400);
    assertThat(rawStatus("/reports//report.json")).isEqualTo(400);
    assertThat(get("/reports/link/report.json").statusCode()).as("a link out of the folder").isEqualTo(404);
    assertThat(get("/reports/new-1/other.txt").statusCode()).isEqualTo(404);
    assertThat(get("/reports/missing/report.html").statusCode()).isEqualTo(404);
    assertThat(get("/reports/a/b/report.json").statusCode()).isEqualTo(400);
    assertThat(get("/reports/..%2F..%2Freport.json").body()).contains("invalid_path").doesNotContain("secret");

    // a newer report.json that cannot be read is named, and the newest readable one shown
    java.nio.file.Files.createDirectories(reports.resolve("broken"));
    java.nio.file.Files.writeString(reports.resolve("broken/report.json"), "{not json");
    java.nio.file.Files.setLastModifiedTime(reports.resolve("broken/report.json"),
        java.nio.file.attribute.FileTime.from(Instant.now().plusSeconds(60)));
    JsonNode skipping = json("/api/quality");
    assertThat(skipping.get("skipped").get(0).asText()).isEqualTo("broken/report.json");
    assertThat(skipping.at("/report/generated_at").asText()).isEqualTo("2026-12-07T10:00:00Z");
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
