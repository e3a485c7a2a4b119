package dev.shopstream.functions.recommend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shopstream.contract.Json;
import dev.shopstream.functions.FakeExchange;
import dev.shopstream.functions.http.AccessPolicy;
import dev.shopstream.warehouse.duckdb.DuckDbWarehouse;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The corpus {@code recommend/hostile-parameters.txt} (SQL injection, control characters, bad UTF-8, huge values)
 * in every parameter of every endpoint, as a path id and as a cart item: each answer is a JSON 200 or 400 (never
 * a 500), a 400 names the parameter, and the warehouse is untouched.
 */
class HostileParametersTest {
  private static final Pattern REPEAT = Pattern.compile("\\{repeat:(\\d+):(.*)}");
  private static final Pattern UNICODE = Pattern.compile("\\\\u([0-9A-Fa-f]{4})");
  private static final Map<String, List<String>> ENDPOINT_PARAMETERS = Map.of(
      "/recommendations", List.of("user_id", "k", "mode", "category", "exclude"),
      "/trending", List.of("k", "category", "exclude"),
      "/products/tea-02/similar", List.of("k", "category", "exclude"),
      "/products/tea-02/bought-together", List.of("k", "category", "exclude"));
  private static final List<String> TABLES =
      List.of("item_neighbors", "product_trends", "products", "user_activity", "events");

  @TempDir
  Path folder;

  static List<String> corpus() throws IOException {
    List<String> out = new ArrayList<>();
    try (InputStream in = HostileParametersTest.class.getResourceAsStream("/recommend/hostile-parameters.txt")) {
      assertThat(in).as("test resource recommend/hostile-parameters.txt").isNotNull();
      for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        if (line.isBlank() || line.startsWith("#")) {
          continue;
        }
        Matcher repeat = REPEAT.matcher(line);
        String value = repeat.matches() ? repeat.group(2).repeat(Integer.parseInt(repeat.group(1))) : line;
        value = value.replace("\\n", "\n").replace("\\t", "\t");
        out.add(UNICODE.matcher(value).replaceAll(m -> {
          String ch = String.valueOf((char) Integer.parseInt(m.group(1), 16));
          return Matcher.quoteReplacement(ch);
        }));
      }
    }
    return out;
  }

  @Test
  void everyHostileValueIsRefusedOrHarmless() throws Exception {
    DuckDbWarehouse warehouse = DuckDbWarehouse.open(folder.resolve("warehouse.duckdb"));
    try {
      ShopFixture.insertAll(warehouse);
      Map<String, Long> before = counts(warehouse);
      RecommendFunction function = new RecommendFunction(new DuckDbRecommendationStore(warehouse),
          RecommendConfig.defaults(AccessPolicy.open()), new TestClock(ShopFixture.NOW),
          mock(ScheduledExecutorService.class));
      assertThat(function.refreshSnapshot()).isTrue();
      JsonNode reference = FakeExchange.request("GET", "/recommendations").query("user_id", "alice")
          .serve(function).json();
      List<String> corpus = corpus();
      assertThat(corpus).hasSizeGreaterThan(30);
      int answered = 0;

      for (String value : corpus) {
        for (Map.Entry<String, List<String>> endpoint : ENDPOINT_PARAMETERS.entrySet()) {
          for (String parameter : endpoint.getValue()) {
            FakeExchange x = FakeExchange.request("GET", endpoint.getKey()).query(parameter, value);
            if (!parameter.equals("user_id") && endpoint.getKey().equals("/recommendations")) {
              x.query("user_id", "alice");
            }
            check(x.serve(function), parameter, value);
            answered++;
          }
          FakeExchange unknownName = FakeExchange.request("GET", endpoint.getKey()).query(value, "1");
          check(unknownName.serve(function), null, value);
        }
        String encoded = URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
        for (String segment : List.of(value, encoded)) {
          check(FakeExchange.request("GET", "/products/" + segment + "/similar").serve(function), null, value);
        }
        String cart = "{\"items\": [{\"product_id\": " + Json.MAPPER.writeValueAsString(value) + "}]}";
        FakeExchange x = FakeExchange.request("POST", "/cart/recommendations").body("application/json", cart)
            .serve(function);
        assertThat(x.status()).as("cart item %s", value).isIn(200, 400, 413);
        answered++;
      }

      assertThat(answered).isGreaterThan(500);
      assertThat(counts(warehouse)).isEqualTo(before);
      assertThat(function.refreshSnapshot()).isTrue();
      assertThat(FakeExchange.request("GET", "/recommendations").query("user_id", "alice").serve(function).json()
          .get("items")).isEqualTo(reference.get("items"));
    } finally {
      warehouse.close();
    }
  }

  /** The raw query as a client sent it; each value that does not decode is a 400 naming its parameter. */
  @Test
  void aRawQueryThatDoesNotDecodeIsA400NamingTheParameter() throws Exception {
    DuckDbWarehouse warehouse = DuckDbWarehouse.open(folder.resolve("warehouse.duckdb"));
    try {
      ShopFixture.insertAll(warehouse);
      RecommendFunction function = new RecommendFunction(new DuckDbRecommendationStore(warehouse),
          RecommendConfig.defaults(AccessPolicy.open()), new TestClock(ShopFixture.NOW),
          mock(ScheduledExecutorService.class));
      assertThat(function.refreshSnapshot()).isTrue();
      Map<String, String> cases = new LinkedHashMap<>();
      cases.put("user_id=%ZZ", "user_id");
      cases.put("user_id=%FF", "user_id");
      cases.put("user_id=%C0%AF", "user_id");
      cases.put("user_id=%ED%B0%80", "user_id");
      cases.put("user_id=ok%E2%82", "user_id");
      cases.put("user_id=ok&k=%", "k");
      cases.put("user_id=ok&exclude=a,%F8%88%80%80%80", "exclude");
      cases.put("user_id=ok&%C3=1", "%C3");
      for (Map.Entry<String, String> c : cases.entrySet()) {
        FakeExchange x = FakeExchange.request("GET", "/recommendations").rawQuery(c.getKey()).serve(function);
        assertThat(x.status()).as(c.getKey() + ": " + x.text()).isEqualTo(400);
        assertThat(x.json().get("parameter").asText()).as(c.getKey()).isEqualTo(c.getValue());
      }
      FakeExchange ok = FakeExchange.request("GET", "/recommendations").rawQuery("user_id=%61lice+x").serve(function);
      assertThat(ok.json().get("user_id").asText()).isEqualTo("alice x");
    } finally {
      warehouse.close();
    }
  }

  /** The server's getPath() is already decoded once; the id is decoded from the raw path, once. */
  @Test
  void aPathIdIsDecodedOnceFromTheRawPath() throws Exception {
    DuckDbWarehouse warehouse = DuckDbWarehouse.open(folder.resolve("warehouse.duckdb"));
    try {
      ShopFixture.insertAll(warehouse);
      RecommendFunction function = new RecommendFunction(new DuckDbRecommendationStore(warehouse),
          RecommendConfig.defaults(AccessPolicy.open()), new TestClock(ShopFixture.NOW),
          mock(ScheduledExecutorService.class));
      assertThat(function.refreshSnapshot()).isTrue();
      FakeExchange x = FakeExchange.request("GET", "/products/%2574ea-02/similar")
          .serverPath("/products/%74ea-02/similar").serve(function);
      assertThat(x.status()).as(x.text()).isEqualTo(200);
      assertThat(x.json().get("product_id").asText()).isEqualTo("%74ea-02"); // not tea-02
      assertThat(x.json().get("items").findValuesAsText("reason")).noneMatch(r -> r.contains("tea-02"));
    } finally {
      warehouse.close();
    }
  }

  private static void check(FakeExchange x, String parameter, String value) throws IOException {
    String what = (parameter == null ? "path or name" : parameter) + "=" + printable(value);
    assertThat(x.status()).as(what + ": " + x.text()).isIn(200, 400, 404);
    assertThat(x.contentType()).as(what).startsWith("application/json");
    JsonNode body = x.json();
    if (x.status() == 400 && parameter != null) {
      assertThat(body.get("parameter").asText()).as(what).isEqualTo(parameter);
    }
    if (x.status() == 200 && "user_id".equals(parameter)) {
      assertThat(body.get("fallback").asText()).as(what).isEqualTo("unknown_user");
    }
  }

  private static String printable(String value) {
    String cut = value.length() > 40 ? value.substring(0, 40) + "...(" + value.length() + ")" : value;
    return cut.replaceAll("\\p{Cntrl}", "?");
  }

  private static Map<String, Long> counts(DuckDbWarehouse warehouse) throws Exception {
    Map<String, Long> out = new LinkedHashMap<>();
    for (String table : TABLES) {
      out.put(table, warehouse.count(table));
    }
    return out;
  }
}
