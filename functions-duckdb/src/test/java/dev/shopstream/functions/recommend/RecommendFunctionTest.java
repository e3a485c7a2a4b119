package dev.shopstream.functions.recommend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shopstream.contract.EventType;
import dev.shopstream.functions.FakeExchange;
import dev.shopstream.functions.Settings;
import dev.shopstream.functions.http.AccessPolicy;
import dev.shopstream.model.ExplainedRecommendations;
import dev.shopstream.model.Interaction;
import dev.shopstream.model.ModelConfig;
import dev.shopstream.model.Recommendation;
import dev.shopstream.model.Trending;
import dev.shopstream.warehouse.duckdb.DuckDbWarehouse;
import org.assertj.core.data.Offset;
import org.assertj.core.util.DoubleComparator;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
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
 * Every endpoint of the recommend function over a real DuckDB warehouse holding {@link ShopFixture} (one
 * warehouse for the class: no test writes to it).
 */
@TestInstance(Lifecycle.PER_CLASS)
class RecommendFunctionTest {
  /** Co-occurrence only (trend weight 0): the personalized scores below are the model's own sums. */
  private static final RecommendConfig CONFIG = RecommendConfig.defaults(AccessPolicy.open()).withLimits(2, 3, 512)
      .withModel(ModelConfig.defaults().toBuilder().trendWeight(0).nextWeight(0).popularityWeight(0).build());

  @TempDir(cleanup = CleanupMode.ALWAYS)
  static Path folder;
  private DuckDbWarehouse warehouse;
  private RecommendFunction function;

  @BeforeAll
  void load() throws Exception {
    warehouse = DuckDbWarehouse.open(folder.resolve("warehouse.duckdb"));
    ShopFixture.insertAll(warehouse);
    function = new RecommendFunction(new DuckDbRecommendationStore(warehouse), CONFIG,
        new TestClock(ShopFixture.NOW), mock(ScheduledExecutorService.class));
    assertThat(function.refreshSnapshot()).isTrue();
  }

  @AfterAll
  void close() {
    warehouse.close();
  }

  private FakeExchange get(String path, String... parameters) throws Exception {
    FakeExchange x = FakeExchange.request("GET", path);
    for (int i = 0; i < parameters.length; i += 2) {
      x.query(parameters[i], parameters[i + 1]);
    }
    return x.serve(function);
  }

  private JsonNode ok(String path, String... parameters) throws Exception {
    FakeExchange x = get(path, parameters);
    assertThat(x.status()).as(x.text()).isEqualTo(200);
    JsonNode body = x.json();
    assertThat(body.get("as_of").asText()).isEqualTo(ShopFixture.MODEL_TIME.toString());
    assertThat(body.get("stale").asBoolean()).isFalse();
    return body;
  }

  private static List<String> ids(JsonNode body) {
    return body.get("items").findValuesAsText("product_id");
  }

  private static List<Double> scores(JsonNode body) {
    return body.get("items").findValues("score").stream().map(JsonNode::asDouble).toList();
  }

  private static List<String> reasons(JsonNode body) {
    return body.get("items").findValuesAsText("reason");
  }

  @Test
  void personalizedScoresAreTheModelsOwnWithPurchasesLeftOutAndCategoriesCapped() throws Exception {
    JsonNode body = ok("/recommendations", "user_id", "alice", "k", "4");

    // view tea-02 now (weight 1) and purchase mug-01 2 h ago (weight 5 x 0.5^2, and mid-session (the view is now)
    // second in order: x 2^-0.5, SESSION_RECENCY_ORDER): pot-03 0.8 from tea-02; mug-02 1.125 x 2^-0.5 (.795),
    // mug-03 1.0 x 2^-0.5, mug-04 0.875 x 2^-0.5 (a third mug: over the cap of 2), tea-02 0.25 x 2^-0.5; mug-01
    // bought, gone-09 unavailable
    assertThat(ids(body)).containsExactly("pot-03", "mug-02", "mug-03", "tea-02");
    assertThat(body.get("strategy").asText()).isEqualTo("personalized");
    assertThat(body.has("fallback")).isFalse();
    assertThat(reasons(body)).containsExactly("bought together with tea-02", "seen together with mug-01",
        "seen together with mug-01", "seen together with mug-01");
    assertThat(body.get("items").get(1).get("category").asText()).isEqualTo("home/kitchen/mugs");

    RecommendationStore store = new DuckDbRecommendationStore(warehouse);
    Snapshot snapshot = Snapshot.build(CONFIG.model(), store.neighbors(1000), store.trends(
        CONFIG.trendingWindow(), CONFIG.model(), 1000), store.catalog(1000), ShopFixture.NOW);
    List<Interaction> alice = List.of(new Interaction("tea-02", EventType.VIEW, ShopFixture.NOW),
        new Interaction("mug-01", EventType.PURCHASE, ShopFixture.NOW.minusSeconds(7200)));
    List<Recommendation> model = ExplainedRecommendations.scoreForUser(snapshot.recommender(), alice,
        ShopFixture.NOW, 10, Set.of("mug-01"), Trending.none());
    assertThat(body.get("items").get(1).get("score").asDouble()).isEqualTo(model.get(1).score())
        .isCloseTo(1.125 * Math.pow(2, -0.5), Offset.offset(1e-9));
    assertThat(body.get("items").get(0).get("score").asDouble()).isCloseTo(0.8, Offset.offset(1e-9));
    // without the request time (a returning user's weights): the model's own recommendForUser, in time decay only
    assertThat(snapshot.recommender().recommendForUser(alice, 10, Set.of("mug-01")).get(0).score())
        .isCloseTo(1.125, Offset.offset(1e-9));
  }

  @Test
  void personalizedScoresAreBlendedWithTrendingAndLinkedItemsKeepTheirReason() throws Exception {
    RecommendFunction blended = new RecommendFunction(new DuckDbRecommendationStore(warehouse),
        CONFIG.withModel(CONFIG.model().toBuilder().trendWeight(1).sessionGap(java.time.Duration.ZERO).build()),
        new TestClock(ShopFixture.NOW),
        mock(ScheduledExecutorService.class));
    assertThat(blended.refreshSnapshot()).isTrue();
    JsonNode body = FakeExchange.request("GET", "/recommendations").query("user_id", "alice").query("k", "4")
        .serve(blended).json();

    // personal / 1.125 (the best, mug-02) + 1 × trend / 15 (mug-03: 3 purchases x 5; gone-09's 100 views do not
    // scale it: unavailable): mug-03 .889 + 1, mug-02 1 + 0, pot-03 .711 + .2 (3 carts... 1 cart x 3), tea-02
    // .222 + .667 (10 views); mug-04 .778 is a third mug (over the cap of 2)
    assertThat(ids(body)).containsExactly("mug-03", "mug-02", "pot-03", "tea-02");
    assertThat(scores(body)).usingComparatorForType(new DoubleComparator(1e-9), Double.class)
        .containsExactly(1.0 / 1.125 + 1, 1.0, 0.8 / 1.125 + 3.0 / 15, 0.25 / 1.125 + 10.0 / 15);
    // every one is linked to alice's items: the link is the reason, even for mug-03 and tea-02 that trending lifted
    assertThat(reasons(body)).containsExactly("seen together with mug-01", "seen together with mug-01",
        "bought together with tea-02", "seen together with mug-01");
    assertThat(body.get("strategy").asText()).isEqualTo("personalized");

    // bob viewed pot-03 (combined: tea-02 .8, mug-02 .5): tea-02 1 + 10/15, mug-03 trending only 15/15, mug-02
    // .625, pot-03 trending only 3/15; the trending products with no link to pot-03 are answered as trending
    JsonNode bob = FakeExchange.request("GET", "/recommendations").query("user_id", "bob").query("k", "4")
        .serve(blended).json();
    assertThat(ids(bob)).containsExactly("tea-02", "mug-03", "mug-02", "pot-03");
    assertThat(scores(bob)).usingComparatorForType(new DoubleComparator(1e-9), Double.class)
        .containsExactly(1 + 10.0 / 15, 1.0, 0.5 / 0.8, 3.0 / 15);
    assertThat(reasons(bob)).containsExactly("viewed together with pot-03", "trending in home/kitchen/mugs",
        "added to cart together with pot-03", "trending in home/kitchen/teapots");
    assertThat(bob.get("strategy").asText()).isEqualTo("personalized+trending");
    assertThat(body.has("fallback")).isFalse();
  }

  @Test
  void theItemsOftenTakenNextAfterTheLatestOneAreRankedWithTheirOwnReason() throws Exception {
    RecommendFunction sequenceAware = new RecommendFunction(new DuckDbRecommendationStore(warehouse),
        CONFIG.withModel(CONFIG.model().toBuilder().nextWeight(1).build()), new TestClock(ShopFixture.NOW),
        mock(ScheduledExecutorService.class));
    assertThat(sequenceAware.refreshSnapshot()).isTrue();
    JsonNode bob = FakeExchange.request("GET", "/recommendations").query("user_id", "bob").query("k", "3")
        .serve(sequenceAware).json();

    // bob viewed pot-03: combined tea-02 .8, mug-02 .5; next mug-04 .9 (x γ 1 / (1 + position 0))
    assertThat(ids(bob)).containsExactly("mug-04", "tea-02", "mug-02");
    assertThat(scores(bob)).usingComparatorForType(new DoubleComparator(1e-9), Double.class)
        .containsExactly(0.9, 0.8, 0.5);
    assertThat(reasons(bob)).containsExactly("often viewed next after pot-03", "viewed together with pot-03",
        "added to cart together with pot-03");
    // without the next signal, mug-04 is not among bob's candidates at all
    JsonNode plain = ok("/recommendations", "user_id", "bob", "k", "3");
    assertThat(ids(plain)).startsWith("tea-02", "mug-02").doesNotContain("mug-04");
  }

  @Test
  void thePopularityPriorRanksPopularProductsWithNoLinkToTheUserAndSaysSo() throws Exception {
    try (DuckDbWarehouse shop = DuckDbWarehouse.open(folder.resolve("popular.duckdb"))) {
      ShopFixture.insertAll(shop);
      java.time.Instant now = ShopFixture.NOW; // the newest trend window's end: the prior's as-of
      List<Map<String, Object>> events = new ArrayList<>();
      for (int i = 0; i < 4; i++) { // mug-03: 4 purchases over the year (20)
        events.add(ShopFixture.event("m3-" + i, EventType.PURCHASE, now.minus(java.time.Duration.ofDays(80L * i)), "mug-03"));
      }
      events.add(ShopFixture.event("m4", EventType.ADD_TO_CART, now.minusSeconds(60), "mug-04")); // 3
      events.add(ShopFixture.event("t2-a", EventType.VIEW, now.minusSeconds(60), "tea-02")); // 2 views: 2
      events.add(ShopFixture.event("t2-b", EventType.VIEW, now.minusSeconds(30), "tea-02"));
      for (int i = 0; i < 10; i++) { // unavailable: never answered, does not scale the prior
        events.add(ShopFixture.event("g9-" + i, EventType.PURCHASE, now.minusSeconds(10), "gone-09"));
      }
      events.add(ShopFixture.event("old", EventType.PURCHASE, now.minus(java.time.Duration.ofDays(400)), "mug-02")); // too old
      shop.insert(dev.shopstream.contract.TableSchemas.events(), events);
      RecommendFunction prior = new RecommendFunction(new DuckDbRecommendationStore(shop),
          CONFIG.withModel(CONFIG.model().toBuilder().popularityWeight(1).build()), new TestClock(now),
          mock(ScheduledExecutorService.class));
      assertThat(prior.refreshSnapshot()).isTrue();

      JsonNode bob = FakeExchange.request("GET", "/recommendations").query("user_id", "bob").query("k", "3")
          .serve(prior).json();

      // bob viewed pot-03 (combined tea-02 .8, mug-02 .5; over .8: 1, .625) + 1 × popularity over 20 (mug-03):
      // tea-02 1 + 2/20, mug-03 20/20 (no link to pot-03), mug-02 .625; mug-04 3/20 next
      assertThat(ids(bob)).containsExactly("tea-02", "mug-03", "mug-02");
      assertThat(scores(bob)).usingComparatorForType(new DoubleComparator(1e-9), Double.class)
          .containsExactly(1.1, 1.0, 0.625);
      assertThat(reasons(bob)).containsExactly("viewed together with pot-03", "popular in home/kitchen/mugs",
          "added to cart together with pot-03");
      assertThat(bob.get("strategy").asText()).isEqualTo("personalized+trending");
    }
  }

  @Test
  void theTrendWeightFadesWhileTheUserIsMidSession() throws Exception {
    TestClock clock = new TestClock(ShopFixture.NOW);
    RecommendFunction fading = new RecommendFunction(new DuckDbRecommendationStore(warehouse),
        CONFIG.withModel(CONFIG.model().toBuilder().trendWeight(1).sessionGap(java.time.Duration.ofMinutes(30)).build()), clock,
        mock(ScheduledExecutorService.class));
    assertThat(fading.refreshSnapshot()).isTrue();

    // bob's pot-03 view is at NOW: mid-session, no trending in his scores (the co-occurrence sums as they are:
    // tea-02 .8, mug-02 .5; with the same weight and no fading, mug-03 would lead: trending only, 15 / 15)
    JsonNode now = FakeExchange.request("GET", "/recommendations").query("user_id", "bob").query("k", "2")
        .serve(fading).json();
    assertThat(ids(now)).containsExactly("tea-02", "mug-02");
    assertThat(scores(now)).usingComparatorForType(new DoubleComparator(1e-9), Double.class)
        .containsExactly(0.8, 0.5);
    // back 15 minutes later: half the trend weight (tea-02 10 views of 15 at best, mug-03 trending only)
    clock.advance(java.time.Duration.ofMinutes(15));
    JsonNode later = FakeExchange.request("GET", "/recommendations").query("user_id", "bob").query("k", "2")
        .serve(fading).json();
    assertThat(ids(later)).containsExactly("tea-02", "mug-02");
    assertThat(scores(later)).usingComparatorForType(new DoubleComparator(1e-9), Double.class)
        .containsExactly(1 + 0.5 * 10.0 / 15, 0.5 / 0.8);
  }

  @Test
  void theCapNeverShortensAnAnswer() throws Exception {
    JsonNode body = ok("/recommendations", "user_id", "alice", "k", "10", "category", "home/kitchen/mugs");

    assertThat(ids(body)).startsWith("mug-02", "mug-03", "mug-04").doesNotContain("mug-01", "gone-09");
  }

  @Test
  void answersThatDoNotDependOnTheCallerAreKeptPerSnapshot() throws Exception {
    RecommendFunction fresh = new RecommendFunction(new DuckDbRecommendationStore(warehouse), CONFIG,
        new TestClock(ShopFixture.NOW), mock(ScheduledExecutorService.class));
    fresh.refreshSnapshot();
    FakeExchange first = FakeExchange.request("GET", "/products/tea-02/similar").query("k", "2").serve(fresh);
    FakeExchange again = FakeExchange.request("GET", "/products/tea-02/similar").query("k", "2").serve(fresh);
    assertThat(again.text()).isEqualTo(first.text());
    assertThat(ids(again.json())).containsExactly("pot-03", "mug-01");
    assertThat(fresh.sharedAnswers()).isEqualTo(1);

    assertThat(ids(FakeExchange.request("GET", "/products/tea-02/similar").query("k", "1").serve(fresh).json()))
        .containsExactly("pot-03");
    FakeExchange.request("GET", "/trending").query("category", "home").serve(fresh);
    FakeExchange.request("GET", "/recommendations").query("user_id", "alice").serve(fresh); // per user: not kept
    assertThat(FakeExchange.request("GET", "/trending").query("k", "0").serve(fresh).status()).isEqualTo(400);
    assertThat(fresh.sharedAnswers()).isEqualTo(3);

    fresh.refreshSnapshot(); // a new snapshot: nothing of the old one is answered
    assertThat(fresh.sharedAnswers()).isEqualTo(3);
    FakeExchange after = FakeExchange.request("GET", "/products/tea-02/similar").query("k", "2").serve(fresh);
    assertThat(fresh.sharedAnswers()).isEqualTo(1);
    assertThat(after.json().get("snapshot_loaded_at")).isEqualTo(first.json().get("snapshot_loaded_at"));
  }

  @Test
  void sharedAnswerKeysTellEveryInputApart() {
    List<String> keys = List.of(
        RecommendFunction.sharedKey("/trending", false, java.util.Map.of("exclude", List.of("a,b"))),
        RecommendFunction.sharedKey("/trending", false, java.util.Map.of("exclude", List.of("a", "b"))),
        RecommendFunction.sharedKey("/trending", false, java.util.Map.of("exclude", List.of("a", "b"), "k", List.of(
            "3"))),
        RecommendFunction.sharedKey("/trending", false, java.util.Map.of("exclude", List.of("a,1:b"))),
        RecommendFunction.sharedKey("/trending", true, java.util.Map.of("exclude", List.of("a,b"))),
        RecommendFunction.sharedKey("/trending", false, java.util.Map.of("exclude=1,1:a&k", List.of("b"))),
        RecommendFunction.sharedKey("/trendin", false, java.util.Map.of("gexclude", List.of("a,b"))),
        RecommendFunction.sharedKey("/trending", false, java.util.Map.of()));
    assertThat(new java.util.HashSet<>(keys)).hasSameSizeAs(keys);
    assertThat(RecommendFunction.sharedKey("/t", false, java.util.Map.of("k", List.of("1"), "category", List.of("a"))))
        .isEqualTo(RecommendFunction.sharedKey("/t", false, new java.util.TreeMap<>(java.util.Map.of("category",
            List.of("a"), "k", List.of("1")))));
  }

  @Test
  void eachRequestLogsOneStructuredLineWithCountsOnly() throws Exception {
    java.util.logging.Logger logger = java.util.logging.Logger.getLogger(RecommendFunction.class.getName());
    List<java.util.logging.LogRecord> records = new java.util.concurrent.CopyOnWriteArrayList<>();
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
    logger.addHandler(capture);
    try {
      ok("/trending", "k", "2", "category", "home");
    } finally {
      logger.removeHandler(capture);
    }

    assertThat(records).hasSize(1);
    JsonNode line = dev.shopstream.contract.Json.MAPPER.readTree(
        dev.shopstream.contract.logging.CloudLogging.formatter().format(records.get(0)));
    assertThat(line.get("severity").asText()).isEqualTo("INFO");
    assertThat(line.get("message").asText()).isEqualTo("GET /trending -> 200 items=2");
    assertThat(line.get("logger").asText()).isEqualTo(RecommendFunction.class.getName());
    assertThat(line.get("logging.googleapis.com/sourceLocation").toString())
        .isEqualTo("{\"file\":\"dev.shopstream.functions.http.JsonHttpFunction\",\"function\":\"service\"}");
  }

  @Test
  void buyAgainKeepsPurchasedProducts() throws Exception {
    JsonNode body = ok("/recommendations", "user_id", "alice", "k", "10", "mode", "buy_again");

    assertThat(ids(body)).contains("mug-01");
    assertThat(body.get("mode").asText()).isEqualTo("buy_again");
  }

  @Test
  void unknownUserGetsTrendingWithThatReason() throws Exception {
    JsonNode body = ok("/recommendations", "user_id", "nobody", "k", "5");

    assertThat(body.get("fallback").asText()).isEqualTo("unknown_user");
    assertThat(body.get("strategy").asText()).isEqualTo("trending");
    // gone-09 is unavailable, x-old outside the window, searches weigh 0
    assertThat(ids(body)).containsExactly("mug-03", "tea-02", "pot-03");
    assertThat(scores(body)).containsExactly(15.0, 10.0, 3.0);
    assertThat(reasons(body)).containsExactly("trending in home/kitchen/mugs", "trending in grocery/tea",
        "trending in home/kitchen/teapots");
  }

  @Test
  void thinHistoryIsFilledWithTrending() throws Exception {
    JsonNode body = ok("/recommendations", "user_id", "bob", "k", "4");

    assertThat(ids(body)).containsExactly("tea-02", "mug-02", "mug-03", "pot-03");
    assertThat(reasons(body)).containsExactly("viewed together with pot-03", "added to cart together with pot-03",
        "trending in home/kitchen/mugs", "trending in home/kitchen/teapots");
    assertThat(body.get("strategy").asText()).isEqualTo("personalized+trending");
    assertThat(body.get("fallback").asText()).isEqualTo("thin_history");
  }

  @Test
  void categoryAndExcludeFilterEveryEndpoint() throws Exception {
    assertThat(ids(ok("/recommendations", "user_id", "alice", "category", "home/kitchen", "exclude", "mug-02")))
        .doesNotContain("mug-02", "tea-02").contains("mug-03", "pot-03");
    assertThat(ids(ok("/trending", "category", "home", "exclude", "mug-03,nothing"))).containsExactly("pot-03");
    assertThat(ids(ok("/products/tea-02/similar", "category", "home/kitchen/teapots"))).containsExactly("pot-03");
    assertThat(ids(ok("/products/tea-02/similar", "exclude", "pot-03", "exclude", "mug-01")))
        .doesNotContain("pot-03", "mug-01", "tea-02");
    assertThat(ids(ok("/products/pot-03/bought-together", "category", "grocery"))).containsExactly("tea-02");
  }

  @Test
  void categoryAndExcludeFilterTheCart() throws Exception {
    // cart pot-03: next mug-04 (.9 x ν 4), co_cart mug-02 (.36), then trending tea-02 (pot-03 is in the cart)
    assertThat(ids(cart("k", "3"))).containsExactly("mug-04", "mug-02", "tea-02");

    JsonNode grocery = cart("k", "3", "category", "grocery");
    assertThat(ids(grocery)).containsExactly("tea-02");
    assertThat(reasons(grocery)).containsExactly("trending in grocery/tea");
    assertThat(ids(cart("k", "3", "exclude", "mug-02"))).containsExactly("mug-04", "mug-03", "tea-02");
    assertThat(ids(cart("k", "3", "category", "home", "exclude", "mug-04,tea-02"))).containsExactly("mug-02",
        "mug-03");
  }

  private JsonNode cart(String... parameters) throws Exception {
    FakeExchange x = FakeExchange.request("POST", "/cart/recommendations")
        .body("application/json", "{\"items\": [{\"product_id\": \"pot-03\"}]}");
    for (int i = 0; i < parameters.length; i += 2) {
      x.query(parameters[i], parameters[i + 1]);
    }
    x.serve(function);
    assertThat(x.status()).as(x.text()).isEqualTo(200);
    assertThat(x.json().get("as_of").asText()).isEqualTo(ShopFixture.MODEL_TIME.toString());
    return x.json();
  }

  @Test
  void unavailableProductsAreLeftOutOfBoughtTogetherAndTheCart() throws Exception {
    // mug-03: co_purchase gone-09 .9, mug-04 .6; co_cart gone-09 .8, mug-02 .5 (x 3/5): gone-09 would lead
    JsonNode product = ok("/products/mug-03/bought-together", "k", "2");
    assertThat(ids(product)).containsExactly("mug-04", "mug-02");
    assertThat(scores(product)).containsExactly(0.6, 0.3);
    assertThat(reasons(product)).containsExactly("bought together with mug-03", "added to cart together with mug-03");

    FakeExchange x = FakeExchange.request("POST", "/cart/recommendations")
        .body("application/json", "{\"items\": [{\"product_id\": \"mug-03\"}, {\"product_id\": \"pot-03\"}]}")
        .query("k", "3").serve(function);
    assertThat(x.status()).as(x.text()).isEqualTo(200);
    // the cart's last item, pot-03, weighs 1, mug-03 before it 1/2 (CART_RECENCY_ORDER 1): mug-04: .6 / 2 from
    // mug-03 + next .9 x ν 4 from pot-03; mug-02: .3 / 2 from mug-03 + .36 from pot-03; then trending tea-02
    // (gone-09 never, cart items never)
    assertThat(ids(x.json())).containsExactly("mug-04", "mug-02", "tea-02");
    assertThat(scores(x.json()).get(0)).isCloseTo(0.6 / 2 + 3.6, Offset.offset(1e-9));
    assertThat(scores(x.json()).get(1)).isCloseTo(0.3 / 2 + 0.36, Offset.offset(1e-9));
  }

  @Test
  void similarIsCoViewNeighboursWithoutTheOldListOrUnavailableProducts() throws Exception {
    JsonNode body = ok("/products/tea-02/similar", "k", "2");

    assertThat(body.get("product_id").asText()).isEqualTo("tea-02");
    assertThat(ids(body)).containsExactly("pot-03", "mug-01");
    assertThat(scores(body)).containsExactly(0.9, 0.5);
    assertThat(reasons(body)).containsExactly("viewed together with tea-02", "viewed together with tea-02");
    assertThat(body.has("fallback")).isFalse();
  }

  @Test
  void boughtTogetherUsesPurchasesThenCartsAndFillsWithTrending() throws Exception {
    JsonNode body = ok("/products/pot-03/bought-together", "k", "3");

    // what shoppers took next after pot-03, at ν = 4 (ITEM_NEXT_WEIGHT): mug-04 .9 x 4; then co_cart mug-02 .6 x
    // (w(cart) 3 / w(purchase) 5); then trending
    assertThat(ids(body)).startsWith("mug-04", "mug-02");
    assertThat(body.get("items").get(0).get("score").asDouble()).isEqualTo(3.6, Offset.offset(1e-9));
    assertThat(body.get("items").get(1).get("score").asDouble()).isEqualTo(0.36, Offset.offset(1e-9));
    assertThat(reasons(body)).containsExactly("often viewed next after pot-03", "added to cart together with pot-03",
        "trending in grocery/tea");
    assertThat(body.get("fallback").asText()).isEqualTo("few_neighbors");
    assertThat(ids(ok("/products/tea-02/bought-together", "k", "1"))).containsExactly("pot-03");
  }

  @Test
  void cartRecommendationsComeFromEveryItemAndLeaveTheCartOut() throws Exception {
    FakeExchange x = FakeExchange.request("POST", "/cart/recommendations")
        .body("application/json", "{\"items\": [{\"product_id\": \"tea-02\", \"quantity\": 2}, "
            + "{\"product_id\": \"pot-03\"}, {\"product_id\": \"tea-02\"}]}")
        .query("k", "2").serve(function);

    assertThat(x.status()).as(x.text()).isEqualTo(200);
    JsonNode body = x.json();
    assertThat(body.get("as_of").asText()).isEqualTo(ShopFixture.MODEL_TIME.toString());
    assertThat(body.get("stale").asBoolean()).isFalse();
    assertThat(body.get("cart").toString()).isEqualTo("[\"tea-02\",\"pot-03\"]");
    assertThat(ids(body)).containsExactly("mug-04", "mug-02");
    assertThat(reasons(body)).containsExactly("often viewed next after pot-03", "added to cart together with pot-03");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "application/json|{\"items\": []}|400|items",
      "application/json|{\"items\": [{\"sku\": \"a\"}]}|400|items[0].sku",
      "application/json|{\"items\": [{\"product_id\": 7}]}|400|items[0].product_id",
      "application/json|{\"items\": [{\"product_id\": \"\"}]}|400|items[0].product_id",
      "application/json|{\"items\": [{\"product_id\": \"a\", \"quantity\": 0}]}|400|items[0].quantity",
      "application/json|{\"items\": [\"a\"]}|400|items[0]",
      "application/json|{\"items\": [{\"product_id\": \"a\"}], \"k\": 3}|400|k",
      "application/json|[1, 2]|400|$",
      "application/json|{\"items\": |400|$",
      "application/json|{\"items\": [{\"product_id\": \"a\", \"quantity\": 1e-9999999990}]}|400|$",
      "application/json|{\"items\": [{\"product_id\": \"a\"}, {\"product_id\": \"b\"}, {\"product_id\": \"c\"}, {\"product_id\": \"d\"}]}|413|",
      "text/plain|{\"items\": [{\"product_id\": \"a\"}]}|415|",
  })
  void badCartsAreRefusedNamingTheField(String type, String body, int status, String field) throws Exception {
    FakeExchange x = FakeExchange.request("POST", "/cart/recommendations").body(type, body).serve(function);

    assertThat(x.status()).as(x.text()).isEqualTo(status);
    if (field != null) {
      assertThat(x.json().get("field").asText()).isEqualTo(field);
    }
    assertThat(x.contentType()).startsWith("application/json");
  }

  @Test
  void cartBodyOverTheLimitIsRefusedBeforeReading() throws Exception {
    FakeExchange declared = FakeExchange.request("POST", "/cart/recommendations")
        .body("application/json", "{}").contentLength(513).serve(function);
    assertThat(declared.status()).isEqualTo(413);

    String big = "{\"items\": [{\"product_id\": \"" + "a".repeat(600) + "\"}]}";
    FakeExchange chunked = FakeExchange.request("POST", "/cart/recommendations")
        .body("application/json", big.getBytes(java.nio.charset.StandardCharsets.UTF_8)).serve(function);
    assertThat(chunked.status()).isEqualTo(413);
    assertThat(chunked.json().get("error").asText()).isEqualTo("body_too_large");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "/recommendations|k|0|user_id=alice",
      "/recommendations|k|101|user_id=alice",
      "/recommendations|k|1e2|user_id=alice",
      "/recommendations|k|-1|user_id=alice",
      "/recommendations|k|99999999999999999999|user_id=alice",
      "/recommendations|mode|sell_again|user_id=alice",
      "/recommendations|color|red|user_id=alice",
      "/trending|user_id|alice|",
      "/trending|category||",
      "/products/tea-02/similar|exclude|a\u0001b|",
      "/products/tea-02/bought-together|category|\uFFFD|",
  })
  void badParametersAreRefusedNamingTheParameter(String path, String name, String value, String other)
      throws Exception {
    FakeExchange x = FakeExchange.request("GET", path).query(name, value == null ? "" : value);
    if (other != null) {
      x.query(other.substring(0, other.indexOf('=')), other.substring(other.indexOf('=') + 1));
    }
    x.serve(function);

    assertThat(x.status()).as(x.text()).isEqualTo(400);
    assertThat(x.json().get("error").asText()).isEqualTo("invalid_parameter");
    assertThat(x.json().get("parameter").asText()).isEqualTo(name);
  }

  @Test
  void userIdIsRequiredAndBounded() throws Exception {
    assertThat(get("/recommendations").json().get("parameter").asText()).isEqualTo("user_id");
    FakeExchange tooLong = get("/recommendations", "user_id", "u".repeat(129));
    assertThat(tooLong.status()).isEqualTo(400);
    assertThat(tooLong.json().get("parameter").asText()).isEqualTo("user_id");
    assertThat(get("/recommendations", "user_id", "ü".repeat(128)).status()).isEqualTo(200);
    FakeExchange twice = FakeExchange.request("GET", "/recommendations").query("user_id", "a").query("user_id", "b")
        .serve(function);
    assertThat(twice.json().get("parameter").asText()).isEqualTo("user_id");
  }

  @Test
  void excludeIsBounded() throws Exception {
    List<String> many = new ArrayList<>();
    for (int i = 0; i <= Parameters.MAX_EXCLUDE; i++) {
      many.add("p-" + i);
    }
    FakeExchange x = get("/trending", "exclude", String.join(",", many));
    assertThat(x.status()).isEqualTo(400);
    assertThat(x.json().get("parameter").asText()).isEqualTo("exclude");
  }

  @Test
  void pathIdsArePercentDecodedStrictly() throws Exception {
    assertThat(get("/products/tea%2D02/similar").json().get("product_id").asText()).isEqualTo("tea-02");
    assertThat(get("/products/%E2%82%AC/similar").json().get("product_id").asText()).isEqualTo("€");
    for (String bad : List.of("%FF", "%C3%28", "%E2%82", "%zz", "abc%", "%00", "%ED%A0%80")) {
      FakeExchange x = get("/products/" + bad + "/similar");
      assertThat(x.status()).as(bad).isEqualTo(400);
      assertThat(x.json().get("parameter").asText()).isEqualTo("product_id");
    }
  }

  /** One request to each endpoint, with {@code key} in {@code X-Api-Key} (none when null). */
  private static List<FakeExchange> everyEndpoint(String key) {
    List<FakeExchange> requests = List.of(
        FakeExchange.request("GET", "/recommendations").query("user_id", "alice"),
        FakeExchange.request("GET", "/trending"),
        FakeExchange.request("GET", "/products/tea-02/similar"),
        FakeExchange.request("GET", "/products/tea-02/bought-together"),
        FakeExchange.request("POST", "/cart/recommendations")
            .body("application/json", "{\"items\": [{\"product_id\": \"tea-02\"}]}"));
    if (key != null) {
      requests.forEach(x -> x.header("x-api-key", key)); // header names are case-insensitive
    }
    return requests;
  }

  @Test
  void apiKeyIsRequiredWhenConfigured() throws Exception {
    ServingResilienceTest.SwitchableStore store =
        new ServingResilienceTest.SwitchableStore(new DuckDbRecommendationStore(warehouse));
    RecommendFunction guarded = new RecommendFunction(store,
        RecommendConfig.from(new Settings(Map.of("API_KEY", "s3cret-key")::get)), new TestClock(ShopFixture.NOW),
        mock(ScheduledExecutorService.class));
    FakeExchange beforeFirstLoad = FakeExchange.request("GET", "/trending").serve(guarded);
    assertThat(beforeFirstLoad.status()).as("the key is checked before anything else").isEqualTo(401);
    assertThat(guarded.refreshSnapshot()).isTrue();

    for (String key : Arrays.asList(null, "s3cret-kez", "s3cret-key ", "S3CRET-KEY", "")) {
      for (FakeExchange x : everyEndpoint(key)) {
        String what = x.request.getMethod() + " " + x.request.getPath() + " with key " + key;
        x.serve(guarded);
        assertThat(x.status()).as(what).isEqualTo(401);
        assertThat(x.contentType()).as(what).startsWith("application/json");
        assertThat(x.json().get("error").asText()).as(what).isEqualTo("unauthorized");
        assertThat(x.json().get("message").asText()).as(what).contains("X-Api-Key");
        assertThat(x.text()).as(what).doesNotContain("s3cret").doesNotContain("S3CRET");
      }
    }
    assertThat(store.userReads).as("a refused request reads nothing").hasValue(0);

    for (FakeExchange x : everyEndpoint("s3cret-key")) {
      x.serve(guarded);
      assertThat(x.status()).as(x.request.getPath() + ": " + x.text()).isEqualTo(200);
      assertThat(x.json().get("items")).as(x.request.getPath()).isNotEmpty();
    }
    assertThat(store.userReads).hasValue(1);
    assertThat(get("/trending").status()).as("the function without API_KEY needs no key").isEqualTo(200);
  }

  @Test
  void unknownPathsAre404AndWrongMethods405() throws Exception {
    for (String path : List.of("/", "/recommend", "/products/tea-02", "/products/tea-02/other", "/products//similar",
        "/products/a/b/similar", "/trending/now")) {
      FakeExchange x = get(path);
      assertThat(x.status()).as(path).isIn(404, 400);
    }
    assertThat(get("/products/tea-02/other").status()).isEqualTo(404);
    FakeExchange post = FakeExchange.request("POST", "/trending").serve(function);
    assertThat(post.status()).isEqualTo(405);
    assertThat(post.header("Allow")).contains("GET, OPTIONS");
    FakeExchange getCart = get("/cart/recommendations");
    assertThat(getCart.status()).isEqualTo(405);
    assertThat(getCart.header("Allow")).contains("POST, OPTIONS");
    assertThat(FakeExchange.request("DELETE", "/trending").serve(function).status()).isEqualTo(405);
    assertThat(get("/trending/").status()).isEqualTo(200);
  }

  /** While the pipeline is not working (readiness reports a problem) the model is no longer updated: stale. */
  @Test
  void answersAreStaleWhileThePipelineIsNotWorking() throws Exception {
    RecommendFunction notReady = new RecommendFunction(new DuckDbRecommendationStore(warehouse), CONFIG,
        new TestClock(ShopFixture.NOW), mock(ScheduledExecutorService.class),
        () -> java.util.Optional.of("pipeline FAILED"));
    assertThat(notReady.refreshSnapshot()).isTrue();

    JsonNode stale = FakeExchange.request("GET", "/trending").serve(notReady).json();
    JsonNode fresh = FakeExchange.request("GET", "/trending").serve(function).json();

    assertThat(stale.get("stale").asBoolean()).isTrue();
    assertThat(fresh.get("stale").asBoolean()).isFalse();
    assertThat(stale.get("items")).isEqualTo(fresh.get("items"));
  }
}
