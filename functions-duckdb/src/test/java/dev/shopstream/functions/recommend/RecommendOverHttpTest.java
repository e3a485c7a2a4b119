package dev.shopstream.functions.recommend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shopstream.functions.RealHttp;
import dev.shopstream.functions.RealHttp.Answer;
import dev.shopstream.functions.http.AccessPolicy;
import dev.shopstream.warehouse.duckdb.DuckDbWarehouse;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestInstance.Lifecycle;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The recommend function behind the real Functions Framework invoker and its Jetty, requests sent byte for byte:
 * what the fake exchange cannot show (it hands the function already-decoded values). A query string or path id that
 * does not decode is a JSON 400 naming the parameter (never a 500, never a SEVERE log line), a path id is decoded
 * exactly once, and the hostile corpus gives the same kinds of answers as through the fake exchange.
 */
@TestInstance(Lifecycle.PER_CLASS)
class RecommendOverHttpTest {
  @TempDir(cleanup = CleanupMode.ALWAYS)
  static Path folder;
  private DuckDbWarehouse warehouse;
  private RealHttp http;
  private final List<LogRecord> severe = new ArrayList<>();
  private final Handler capture = new Handler() {
    @Override
    public void publish(LogRecord record) {
      if (record.getLevel().intValue() >= Level.SEVERE.intValue()) {
        synchronized (severe) {
          severe.add(record);
        }
      }
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  };

  @BeforeAll
  void start() throws Exception {
    warehouse = DuckDbWarehouse.open(folder.resolve("warehouse.duckdb"));
    ShopFixture.insertAll(warehouse);
    RecommendFunction function = new RecommendFunction(new DuckDbRecommendationStore(warehouse),
        RecommendConfig.defaults(AccessPolicy.open()), new TestClock(ShopFixture.NOW),
        mock(ScheduledExecutorService.class));
    assertThat(function.refreshSnapshot()).isTrue();
    http = RealHttp.serve(function);
    Logger.getLogger("").addHandler(capture);
  }

  @AfterAll
  void stop() throws Exception {
    Logger.getLogger("").removeHandler(capture);
    http.close();
    warehouse.close();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "/recommendations?user_id=%ZZ | user_id",
      "/recommendations?user_id=%FF | user_id",
      "/recommendations?user_id=%C0%AF | user_id",
      "/recommendations?user_id=%ED%A0%80 | user_id",
      "/recommendations?user_id=alice%E2%82 | user_id",
      "/recommendations?user_id=alice&k=%ZZ | k",
      "/recommendations?user_id=alice&category=%FF | category",
      "/recommendations?user_id=alice&exclude=tea-02,%C0%AF | exclude",
      "/recommendations?user_id=alice&mode=% | mode",
      "/trending?k=5&category=%E0%80%80 | category",
      "/products/tea-02/similar?exclude=%ZZ | exclude",
      "/products/tea-02/bought-together?k=%F5%80%80%80 | k",
      "/recommendations?user_id=alice&%ZZ=1 | %ZZ",
      "/recommendations?user_id=alice&%FF=1 | %FF",
  })
  void aValueThatDoesNotDecodeIsA400NamingTheParameter(String target, String parameter) throws Exception {
    int severeBefore = severeCount();
    Answer a = http.get(target);
    assertThat(a.status()).as(target + ": " + a.text()).isEqualTo(400);
    assertThat(a.contentType()).as(target).startsWith("application/json");
    JsonNode body = a.json();
    assertThat(body.path("error").asText()).as(target).isEqualTo("invalid_parameter");
    assertThat(body.path("parameter").asText()).as(target).isEqualTo(parameter);
    assertThat(severeCount()).as("SEVERE log lines for " + target).isEqualTo(severeBefore);
  }

  /**
   * Jetty (UriCompliance.DEFAULT in the invoker) refuses these paths itself, 400 with an empty body, before the
   * function: an undecodable id, an encoded '/', '%' or NUL. Not a 500, and the function never sees them.
   */
  @ParameterizedTest(name = "{0}")
  @CsvSource({"/products/%FF/similar", "/products/%C0%AF/similar", "/products/%ED%A0%80/bought-together",
      "/products/%ZZ/similar", "/products/%2541/similar", "/products/a%2Fb/similar", "/products/%00/similar"})
  void aPathThatDoesNotDecodeIsRefusedByTheServerWith400(String target) throws Exception {
    int severeBefore = severeCount();
    Answer a = http.get(target);
    assertThat(a.status()).as(target + ": " + a.text()).isEqualTo(400);
    assertThat(severeCount()).as("SEVERE log lines for " + target).isEqualTo(severeBefore);
  }

  @Test
  void aPathIdIsDecodedExactlyOnce() throws Exception {
    Answer space = http.get("/products/a%20b/similar");
    assertThat(space.status()).as(space.text()).isEqualTo(200);
    assertThat(space.json().get("product_id").asText()).isEqualTo("a b");
    Answer plus = http.get("/products/a+b/similar");
    assertThat(plus.json().get("product_id").asText()).isEqualTo("a+b");

    Answer plain = http.get("/products/tea-02/similar");
    Answer escaped = http.get("/products/%74ea-02/similar");
    assertThat(escaped.json().get("product_id").asText()).isEqualTo("tea-02");
    assertThat(escaped.json().get("items")).isEqualTo(plain.json().get("items")).isNotEmpty();
    Answer unicode = http.get("/products/%E2%82%AC/similar");
    assertThat(unicode.json().get("product_id").asText()).isEqualTo("€");
  }

  @Test
  void queryValuesAreDecodedOnceAsUtf8FormValues() throws Exception {
    Answer plus = http.get("/recommendations?user_id=a+b");
    assertThat(plus.json().get("user_id").asText()).isEqualTo("a b");
    Answer percentPlus = http.get("/recommendations?user_id=a%2Bb");
    assertThat(percentPlus.json().get("user_id").asText()).isEqualTo("a+b");
    Answer twice = http.get("/recommendations?user_id=%2561lice");
    assertThat(twice.json().get("user_id").asText()).isEqualTo("%61lice");
    assertThat(twice.json().get("fallback").asText()).isEqualTo("unknown_user");
    Answer alice = http.get("/recommendations?user_id=%61lice&k=3");
    assertThat(alice.status()).isEqualTo(200);
    assertThat(alice.json().get("user_id").asText()).isEqualTo("alice");
    assertThat(alice.json().has("fallback") && alice.json().get("fallback").asText().equals("unknown_user"))
        .isFalse();
  }

  /** The corpus of {@link HostileParametersTest}, percent-encoded as a client would send it, over real HTTP. */
  @Test
  void theHostileCorpusOverRealHttpIsRefusedByNameOrHarmless() throws Exception {
    Map<String, List<String>> endpoints = Map.of(
        "/recommendations", List.of("user_id", "k", "mode", "category", "exclude"),
        "/trending", List.of("k", "category", "exclude"),
        "/products/tea-02/similar", List.of("k", "category", "exclude"));
    int answered = 0;
    int severeBefore = severeCount();
    for (String value : HostileParametersTest.corpus()) {
      if (value.length() > 4000) {
        continue; // a request line Jetty refuses by size (414/431) is not the function's answer
      }
      String encoded = URLEncoder.encode(value, StandardCharsets.UTF_8);
      for (Map.Entry<String, List<String>> endpoint : endpoints.entrySet()) {
        for (String parameter : endpoint.getValue()) {
          String target = endpoint.getKey() + "?" + parameter + "=" + encoded
              + (endpoint.getKey().equals("/recommendations") && !parameter.equals("user_id") ? "&user_id=alice" : "");
          check(http.get(target), target, parameter);
          answered++;
        }
      }
      String segment = URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
      Answer a = http.get("/products/" + segment + "/similar");
      if (!(a.status() == 400 && a.body().length == 0)) { // else refused by Jetty itself, see above
        check(a, segment, null);
      }
      answered++;
    }
    assertThat(answered).isGreaterThan(300);
    assertThat(severeCount()).isEqualTo(severeBefore);
  }

  private static void check(Answer a, String target, String parameter) throws IOException {
    String what = target.length() > 80 ? target.substring(0, 80) + "..." : target;
    assertThat(a.status()).as(what + ": " + a.text()).isIn(200, 400, 404);
    assertThat(a.contentType()).as(what).startsWith("application/json");
    if (a.status() == 400 && parameter != null) {
      assertThat(a.json().path("parameter").asText()).as(what).isEqualTo(parameter);
    }
  }

  private int severeCount() {
    synchronized (severe) {
      return severe.size();
    }
  }
}
