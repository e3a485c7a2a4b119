package dev.shopstream.functions.recommend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyInt;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shopstream.contract.EventCodec;
import dev.shopstream.contract.Json;
import dev.shopstream.contract.Rows;
import dev.shopstream.contract.TableSchemas;
import dev.shopstream.functions.FakeExchange;
import dev.shopstream.functions.http.AccessPolicy;
import dev.shopstream.warehouse.duckdb.DuckDbWarehouse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The recommend function over a real DuckDB warehouse in a temporary folder. */
class RecommendFunctionTest {
  private static final Instant NEWEST = Instant.parse("2026-11-20T12:00:00Z");
  private static final EventCodec CODEC = new EventCodec(Clock.fixed(NEWEST, ZoneOffset.UTC));
  private static final RecommendConfig SEVEN_DAYS = new RecommendConfig(Duration.ofDays(7), AccessPolicy.open());

  @TempDir
  Path folder;
  private DuckDbWarehouse warehouse;
  private RecommendFunction function;
  private int eventIds;

  @BeforeEach
  void openWarehouse() {
    warehouse = DuckDbWarehouse.open(folder.resolve("warehouse.duckdb"));
    function = new RecommendFunction(new DuckDbRecommendationStore(warehouse), SEVEN_DAYS);
  }

  @AfterEach
  void closeWarehouse() {
    warehouse.close();
  }

  /**
   * In the 7 days before NEWEST: p-a 2 purchases + 1 view = 11; p-e 10 views = 10 (bought by u-1 a month ago);
   * p-b 1 add-to-cart + 3 views = 6 (its removal from a cart does not count); p-c 4 views = 4 (a fifth view is
   * older than the window); p-d 1 add-to-cart + 1 view listing it twice = 4 (tie with p-c, the smaller id
   * first). p-f was only active before the window.
   */
  private void insertShopActivity() throws Exception {
    List<Map<String, Object>> rows = new ArrayList<>();
    rows.add(row("purchase", "u-2", ago(Duration.ofDays(1)), "p-a"));
    rows.add(row("purchase", "u-3", ago(Duration.ofDays(2)), "p-a"));
    rows.add(row("view", "u-4", ago(Duration.ofDays(3)), "p-a"));
    for (int i = 0; i < 10; i++) {
      rows.add(row("view", "u-" + (10 + i), ago(Duration.ofHours(i + 1)), "p-e"));
    }
    rows.add(row("purchase", "u-1", ago(Duration.ofDays(30)), "p-e"));
    rows.add(row("add_to_cart", "u-2", NEWEST, "p-b"));
    rows.add(row("remove_from_cart", "u-2", ago(Duration.ofMinutes(1)), "p-b"));
    for (String user : List.of("u-3", "u-4", "u-5")) {
      rows.add(row("view", user, ago(Duration.ofDays(4)), "p-b"));
    }
    for (String user : List.of("u-2", "u-3", "u-4", "u-5")) {
      rows.add(row("view", user, ago(Duration.ofDays(6)), "p-c"));
    }
    rows.add(row("view", "u-6", ago(Duration.ofDays(8)), "p-c"));
    rows.add(row("add_to_cart", "u-3", ago(Duration.ofHours(5)), "p-d"));
    rows.add(row("view", "u-3", ago(Duration.ofHours(6)), "p-d", "p-d"));
    rows.add(row("purchase", "u-7", ago(Duration.ofDays(10)), "p-f"));
    warehouse.insert(TableSchemas.events(), rows);
  }

  private static Instant ago(Duration d) {
    return NEWEST.minus(d);
  }

  private Map<String, Object> row(String type, String user, Instant time, String... products) {
    ObjectNode json = Json.MAPPER.createObjectNode()
        .put("event_id", "e-" + (++eventIds))
        .put("event_type", type)
        .put("user_id", user)
        .put("event_time", time.toString());
    for (String p : products) {
      json.withArray("products").addObject().put("product_id", p).put("quantity", 2);
    }
    EventCodec.Decoded decoded = CODEC.decode(json);
    assertThat(decoded.errors()).isEmpty();
    return Rows.event(decoded.event(), NEWEST);
  }

  private FakeExchange get(String userId, String k) throws Exception {
    FakeExchange x = FakeExchange.request("GET", RecommendFunction.PATH);
    if (userId != null) {
      x.query("user_id", userId);
    }
    if (k != null) {
      x.query("k", k);
    }
    return x.serve(function);
  }

  private static List<String> productIds(JsonNode reply) {
    return reply.get("items").findValuesAsText("product_id");
  }

  @Test
  void ranksTrendingProductsWithScoresAndReasonsWithoutTheUsersPurchases() throws Exception {
    insertShopActivity();

    FakeExchange x = get("u-1", null);

    assertThat(x.status()).isEqualTo(200);
    JsonNode reply = x.json();
    assertThat(reply.get("user_id").asText()).isEqualTo("u-1");
    assertThat(reply.get("as_of").asText()).isEqualTo("2026-11-20T12:00:00Z");
    assertThat(reply.get("strategy").asText()).isEqualTo("trending");
    assertThat(reply.get("items")).isEqualTo(Json.MAPPER.readTree("""
        [
          {"product_id": "p-a", "score": 11, "reason": "trending: 2 purchases, 1 view in the last 7 days"},
          {"product_id": "p-b", "score": 6, "reason": "trending: 1 add-to-cart, 3 views in the last 7 days"},
          {"product_id": "p-c", "score": 4, "reason": "trending: 4 views in the last 7 days"},
          {"product_id": "p-d", "score": 4, "reason": "trending: 1 add-to-cart, 1 view in the last 7 days"}
        ]"""));
  }

  @Test
  void anotherUserGetsWhatTheFirstBoughtAndLosesWhatTheyBought() throws Exception {
    insertShopActivity();

    assertThat(productIds(get("u-9", null).json())).containsExactly("p-a", "p-e", "p-b", "p-c", "p-d");
    assertThat(productIds(get("u-2", null).json())).containsExactly("p-e", "p-b", "p-c", "p-d");
  }

  @Test
  void honoursK() throws Exception {
    insertShopActivity();

    assertThat(productIds(get("u-9", "2").json())).containsExactly("p-a", "p-e");
    assertThat(productIds(get("u-9", "1").json())).containsExactly("p-a");
  }

  @Test
  void windowIsConfigurableAndShowsInTheReason() throws Exception {
    insertShopActivity();
    function = new RecommendFunction(new DuckDbRecommendationStore(warehouse),
        new RecommendConfig(Duration.ofHours(36), AccessPolicy.open()));

    JsonNode items = get("u-1", null).json().get("items");

    assertThat(items.findValuesAsText("product_id")).containsExactly("p-a", "p-d", "p-b");
    assertThat(items.get(0).get("reason").asText()).isEqualTo("trending: 1 purchase in the last 36 hours");
  }

  @Test
  void emptyWarehouseAnswersNoItemsAndNoAsOf() throws Exception {
    FakeExchange x = get("u-1", "5");

    assertThat(x.status()).isEqualTo(200);
    assertThat(x.json().get("as_of").isNull()).isTrue();
    assertThat(x.json().get("items")).isEmpty();
  }

  @Test
  void asOfIsReportedEvenWhenNothingIsLeftToRecommend() throws Exception {
    warehouse.insert(TableSchemas.events(), List.of(row("purchase", "u-1", NEWEST, "p-a")));

    JsonNode reply = get("u-1", null).json();

    assertThat(reply.get("as_of").asText()).isEqualTo("2026-11-20T12:00:00Z");
    assertThat(reply.get("items")).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"0", "101", "-3", "ten", "", "2.5"})
  void badKIs400NamingK(String k) throws Exception {
    FakeExchange x = get("u-1", k);

    assertThat(x.status()).isEqualTo(400);
    assertThat(x.json().get("error").asText()).isEqualTo("invalid_parameter");
    assertThat(x.json().get("parameter").asText()).isEqualTo("k");
    assertThat(x.json().get("message").asText()).contains("1 to 100");
  }

  @Test
  void missingEmptyOrTooLongUserIdIs400NamingUserId() throws Exception {
    for (String userId : new String[] {null, "", "u".repeat(129)}) {
      FakeExchange x = get(userId, null);
      assertThat(x.status()).isEqualTo(400);
      assertThat(x.json().get("parameter").asText()).isEqualTo("user_id");
    }
    assertThat(get("u".repeat(128), null).status()).isEqualTo(200);
  }

  @Test
  void unknownPathIs404AndOtherMethodsAre405() throws Exception {
    FakeExchange unknown = FakeExchange.request("GET", "/recommend").query("user_id", "u-1").serve(function);
    FakeExchange post = FakeExchange.request("POST", RecommendFunction.PATH).serve(function);

    assertThat(unknown.status()).isEqualTo(404);
    assertThat(unknown.json().get("error").asText()).isEqualTo("not_found");
    assertThat(post.status()).isEqualTo(405);
    assertThat(post.header("Allow")).hasValue("GET");
    assertThat(post.contentType()).startsWith("application/json");
  }

  @Test
  void apiKeyIsRequiredWhenConfigured() throws Exception {
    function = new RecommendFunction(new DuckDbRecommendationStore(warehouse),
        new RecommendConfig(Duration.ofDays(7), new AccessPolicy("s3cret", List.of())));

    FakeExchange missing = get("u-1", null);
    FakeExchange right = FakeExchange.request("GET", RecommendFunction.PATH).query("user_id", "u-1")
        .header("X-Api-Key", "s3cret").serve(function);

    assertThat(missing.status()).isEqualTo(401);
    assertThat(right.status()).isEqualTo(200);
  }

  @Test
  void unreadableWarehouseIs503WithRetryAfter() throws Exception {
    RecommendationStore broken = mock(RecommendationStore.class);
    when(broken.trending(anyString(), any(), anyInt()))
        .thenThrow(new StoreException("connection refused", new RuntimeException()));
    function = new RecommendFunction(broken, SEVEN_DAYS);

    FakeExchange x = get("u-1", null);

    assertThat(x.status()).isEqualTo(503);
    assertThat(x.header("Retry-After")).hasValue("5");
    assertThat(x.json().get("error").asText()).isEqualTo("warehouse_unavailable");
  }

  @Test
  void noArgConstructorReadsTheDuckDbWarehouseNamedBySystemProperties() throws Exception {
    insertShopActivity();
    System.setProperty("WAREHOUSE", "duckdb");
    System.setProperty("DUCKDB_PATH", folder.resolve("warehouse.duckdb").toString());
    try {
      function = new RecommendFunction();
    } finally {
      System.clearProperty("WAREHOUSE");
      System.clearProperty("DUCKDB_PATH");
    }

    assertThat(productIds(get("u-1", "2").json())).containsExactly("p-a", "p-b");
  }

  @Test
  void windowTextUsesTheLargestWholeUnit() {
    assertThat(RecommendFunction.windowText(Duration.ofDays(1).toSeconds())).isEqualTo("1 day");
    assertThat(RecommendFunction.windowText(Duration.ofHours(36).toSeconds())).isEqualTo("36 hours");
    assertThat(RecommendFunction.windowText(Duration.ofMinutes(90).toSeconds())).isEqualTo("90 minutes");
    assertThat(RecommendFunction.windowText(45)).isEqualTo("45 seconds");
  }
}
