package dev.shopstream.functions.recommend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.verify;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shopstream.contract.TableSchemas;
import dev.shopstream.functions.FakeExchange;
import dev.shopstream.functions.http.AccessPolicy;
import dev.shopstream.model.ModelConfig;
import dev.shopstream.warehouse.duckdb.DuckDbWarehouse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Snapshot refresh, staleness, 503 before the first load, the user cache: a real DuckDB store behind a switch. */
class ServingResilienceTest {
  /**
   * Co-occurrence only, without the mid-session order weighting: the personalized answers below are the user's
   * neighbours in time decay alone, not trending (these tests are about caching and staleness, not the ranking).
   */
  private static final RecommendConfig CONFIG = RecommendConfig.defaults(AccessPolicy.open())
      .withModel(ModelConfig.defaults().toBuilder().trendWeight(0).nextWeight(0).sessionRecencyOrder(0).build())
      .withSnapshotRefresh(Duration.ofSeconds(5), Duration.ofSeconds(60))
      .withUserCache(Duration.ofSeconds(10), 2);

  @TempDir
  Path folder;
  private DuckDbWarehouse warehouse;
  private SwitchableStore store;
  private TestClock clock;
  private ScheduledExecutorService scheduler;
  private RecommendFunction function;

  /** The DuckDB store, with a switch that makes every read fail, a gate that holds refreshes, and counters. */
  static final class SwitchableStore implements RecommendationStore {
    final RecommendationStore delegate;
    volatile boolean failing;
    volatile boolean pollsFailing;
    volatile CountDownLatch gate;
    final CountDownLatch refreshWaiting = new CountDownLatch(1);
    final AtomicInteger userReads = new AtomicInteger();

    SwitchableStore(RecommendationStore delegate) {
      this.delegate = delegate;
    }

    private void check() {
      if (failing) {
        throw new StoreException("warehouse down (test)", null);
      }
    }

    @Override
    public List<NeighborRow> neighbors(int maxRows) {
      CountDownLatch g = gate;
      if (g != null) {
        refreshWaiting.countDown();
        try {
          g.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      check();
      return delegate.neighbors(maxRows);
    }

    @Override
    public Trends trends(Duration window, ModelConfig weights, int maxRows) {
      check();
      return delegate.trends(window, weights, maxRows);
    }

    @Override
    public List<RecommendationStore.TrendScore> popularity(java.time.Instant asOf, Duration window,
        ModelConfig weights, int maxRows) {
      check();
      return delegate.popularity(asOf, window, weights, maxRows);
    }

    @Override
    public List<RecommendationStore.TrendRow> trendRowsChangedSince(java.time.Instant since, Duration window,
        int maxRows) {
      check();
      return delegate.trendRowsChangedSince(since, window, maxRows);
    }

    @Override
    public List<CatalogEntry> catalog(int maxRows) {
      check();
      return delegate.catalog(maxRows);
    }

    @Override
    public Optional<UserActivity> userActivity(String userId) {
      userReads.incrementAndGet();
      check();
      return delegate.userActivity(userId);
    }

    @Override
    public List<UserChange> userChanges(java.time.Instant since, int maxRows) {
      check();
      if (pollsFailing) {
        throw new StoreException("user_activity changes unreadable (test)", null);
      }
      return delegate.userChanges(since, maxRows);
    }
  }

  @BeforeEach
  void open() throws Exception {
    warehouse = DuckDbWarehouse.open(folder.resolve("warehouse.duckdb"));
    ShopFixture.insertAll(warehouse);
    store = new SwitchableStore(new DuckDbRecommendationStore(warehouse));
    clock = new TestClock(ShopFixture.NOW);
    scheduler = mock(ScheduledExecutorService.class);
    function = new RecommendFunction(store, CONFIG, clock, scheduler);
  }

  @AfterEach
  void close() {
    warehouse.close();
  }

  private FakeExchange trending() throws Exception {
    return FakeExchange.request("GET", "/trending").serve(function);
  }

  @Test
  void refreshesAndPollsOfChangedUsersAreScheduledInTheBackgroundAtTheConfiguredIntervals() {
    ScheduledExecutorService background = mock(ScheduledExecutorService.class);
    new RecommendFunction(store, CONFIG.withUserCache(Duration.ofSeconds(3), 10), clock, background);

    verify(background).scheduleWithFixedDelay(any(Runnable.class), eq(0L), eq(5_000L), eq(TimeUnit.MILLISECONDS));
    verify(background).scheduleWithFixedDelay(any(Runnable.class), eq(0L), eq(1_500L), eq(TimeUnit.MILLISECONDS));
  }

  @Test
  void nothingEverLoadedIs503WithRetryAfter() throws Exception {
    store.failing = true;
    assertThat(function.refreshSnapshot()).isFalse();

    FakeExchange x = trending();

    assertThat(x.status()).isEqualTo(503);
    assertThat(x.header("Retry-After")).isPresent();
    assertThat(x.json().get("error").asText()).isEqualTo("warehouse_unavailable");
    assertThat(FakeExchange.request("GET", "/recommendations").query("user_id", "alice").serve(function).status())
        .isEqualTo(503);
  }

  @Test
  void warehouseDownServesTheLastSnapshotAsStaleUntilARefreshSucceeds() throws Exception {
    assertThat(function.refreshSnapshot()).isTrue();
    JsonNode fresh = trending().json();
    assertThat(fresh.get("stale").asBoolean()).isFalse();

    store.failing = true;
    clock.advance(Duration.ofSeconds(5));
    assertThat(function.refreshSnapshot()).isFalse();
    JsonNode stale = trending().json();
    assertThat(stale.get("stale").asBoolean()).isTrue();
    assertThat(stale.get("items")).isEqualTo(fresh.get("items"));
    assertThat(stale.get("as_of")).isEqualTo(fresh.get("as_of"));

    store.failing = false;
    clock.advance(Duration.ofSeconds(5));
    assertThat(function.refreshSnapshot()).isTrue();
    assertThat(trending().json().get("stale").asBoolean()).isFalse();
  }

  @Test
  void warehouseDownServesPersonalizedRecommendationsFromTheLastSnapshotAsStale() throws Exception {
    assertThat(function.refreshSnapshot()).isTrue();
    JsonNode fresh = recommendations("alice").json();
    assertThat(fresh.get("stale").asBoolean()).isFalse();
    // alice: mug-02 1.125, mug-03 1.0, mug-04 .875, pot-03 .8 (mug-01 bought, gone-09 unavailable)
    assertThat(fresh.get("items").findValuesAsText("product_id")).containsExactly("mug-02", "mug-03", "mug-04",
        "pot-03");

    store.failing = true;
    clock.advance(Duration.ofSeconds(5)); // within the user cache's TTL: alice's row is still cached
    assertThat(function.refreshSnapshot()).isFalse();
    JsonNode stale = recommendations("alice").json();

    assertThat(stale.get("stale").asBoolean()).isTrue();
    assertThat(stale.get("strategy").asText()).isEqualTo("personalized");
    assertThat(stale.has("fallback")).isFalse();
    assertThat(stale.get("items")).isEqualTo(fresh.get("items"));
    assertThat(stale.get("as_of").asText()).isEqualTo(ShopFixture.MODEL_TIME.toString());
    assertThat(stale.get("snapshot_loaded_at")).isEqualTo(fresh.get("snapshot_loaded_at"));

    store.failing = false;
    clock.advance(Duration.ofSeconds(5));
    assertThat(function.refreshSnapshot()).isTrue();
    JsonNode again = recommendations("alice").json();
    assertThat(again.get("stale").asBoolean()).isFalse();
    assertThat(again.get("items")).isEqualTo(fresh.get("items"));
  }

  private FakeExchange recommendations(String user) throws Exception {
    return FakeExchange.request("GET", "/recommendations").query("user_id", user).query("k", "4").serve(function);
  }

  @Test
  void aSnapshotOlderThanStaleAfterIsStaleEvenWithoutAFailure() throws Exception {
    function.refreshSnapshot();
    clock.advance(Duration.ofSeconds(61));

    assertThat(trending().json().get("stale").asBoolean()).isTrue();
  }

  @Test
  void newRowsAppearAfterTheNextRefreshOnly() throws Exception {
    function.refreshSnapshot();
    warehouse.insert(TableSchemas.get("item_neighbors"), List.of(ShopFixture.neighbor("mug-04", "co_view", "tea-02",
        0.7, 1, ShopFixture.MODEL_TIME.plusSeconds(60))));
    FakeExchange before = FakeExchange.request("GET", "/products/mug-04/similar").serve(function);
    assertThat(before.json().get("fallback").asText()).isEqualTo("few_neighbors");

    function.refreshSnapshot();

    JsonNode after = FakeExchange.request("GET", "/products/mug-04/similar").serve(function).json();
    assertThat(after.get("items").get(0).get("reason").asText()).isEqualTo("viewed together with mug-04");
    assertThat(after.get("as_of").asText()).isEqualTo(ShopFixture.MODEL_TIME.plusSeconds(60).toString());
  }

  @Test
  void requestsNeverWaitForARefresh() throws Exception {
    function.refreshSnapshot();
    CountDownLatch gate = new CountDownLatch(1);
    store.gate = gate;
    CompletableFuture<Boolean> refresh = CompletableFuture.supplyAsync(function::refreshSnapshot);
    assertThat(store.refreshWaiting.await(30, TimeUnit.SECONDS)).isTrue(); // the refresh is now inside the read

    FakeExchange x = trending(); // answered from the current snapshot while the refresh is held

    assertThat(x.status()).isEqualTo(200);
    assertThat(refresh).isNotDone();
    gate.countDown();
    assertThat(refresh.get(30, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void userActivityIsCachedForTheTtlThenReadAgain() throws Exception {
    function.refreshSnapshot();
    FakeExchange first = FakeExchange.request("GET", "/recommendations").query("user_id", "alice").serve(function);
    FakeExchange second = FakeExchange.request("GET", "/recommendations").query("user_id", "alice").serve(function);
    assertThat(first.json().get("items")).isEqualTo(second.json().get("items"));
    assertThat(store.userReads).hasValue(1);

    clock.advance(Duration.ofSeconds(10));
    FakeExchange.request("GET", "/recommendations").query("user_id", "alice").serve(function);
    assertThat(store.userReads).hasValue(2);

    for (String user : List.of("u-1", "u-2", "u-3")) { // unknown users are cached too; the cache stays bounded
      FakeExchange.request("GET", "/recommendations").query("user_id", user).serve(function);
    }
    FakeExchange.request("GET", "/recommendations").query("user_id", "u-3").serve(function);
    assertThat(store.userReads).hasValue(5);
  }

  @Test
  void aUsersNewEventIsServedWithinTheTtlWhileUnchangedUsersStayCachedAcrossPolls() throws Exception {
    RecommendFunction polled = new RecommendFunction(store, CONFIG.withUserCache(Duration.ofSeconds(10), 100), clock,
        scheduler);
    polled.refreshSnapshot();
    assertThat(polled.pollUserChanges()).isTrue(); // at 0; the scheduler would poll every 5 s
    assertThat(firstItem(polled, "alice")).isEqualTo("mug-02 seen together with mug-01");
    assertThat(firstItem(polled, "bob")).isEqualTo("tea-02 viewed together with pot-03");
    for (int s = 5; s <= 30; s += 5) {
      clock.advance(Duration.ofSeconds(5));
      assertThat(polled.pollUserChanges()).isTrue();
    }
    assertThat(firstItem(polled, "alice")).isEqualTo("mug-02 seen together with mug-01");
    assertThat(store.userReads).as("30 s later, both still cached: polls reported no change").hasValue(2);

    clock.advance(Duration.ofSeconds(2)); // 32: alice views pot-03, the pipeline upserts her row
    warehouse.insert(TableSchemas.get("user_activity"), List.of(withUpdatedAt(ShopFixture.user("alice",
        List.of(ShopFixture.recent("pot-03", "view", ShopFixture.NOW.plusSeconds(32))), List.of()),
        ShopFixture.NOW.plusSeconds(32))));
    clock.advance(Duration.ofSeconds(3)); // 35: the next poll reports alice
    assertThat(polled.pollUserChanges()).isTrue();

    assertThat(firstItem(polled, "alice")).isEqualTo("tea-02 viewed together with pot-03");
    assertThat(firstItem(polled, "bob")).isEqualTo("tea-02 viewed together with pot-03");
    assertThat(store.userReads).as("alice read again, bob not").hasValue(3);

    store.pollsFailing = true; // polls fail from now on: rows expire TTL after the last good poll (35), as before
    clock.advance(Duration.ofSeconds(1)); // 36: bob's row changes
    warehouse.insert(TableSchemas.get("user_activity"), List.of(withUpdatedAt(ShopFixture.user("bob",
        List.of(ShopFixture.recent("mug-01", "purchase", ShopFixture.NOW.plusSeconds(36))), List.of()),
        ShopFixture.NOW.plusSeconds(36))));
    clock.advance(Duration.ofSeconds(4)); // 40
    assertThat(polled.pollUserChanges()).isFalse();
    clock.advance(Duration.ofSeconds(4)); // 44
    assertThat(firstItem(polled, "bob")).isEqualTo("tea-02 viewed together with pot-03");
    clock.advance(Duration.ofSeconds(1)); // 45 = last good poll + TTL (the bound for the change of 36 is 46)
    assertThat(firstItem(polled, "bob")).isEqualTo("mug-02 seen together with mug-01");
  }

  private static java.util.Map<String, Object> withUpdatedAt(java.util.Map<String, Object> row,
      java.time.Instant at) {
    row.put("updated_at", at.toString());
    return row;
  }

  private static String firstItem(RecommendFunction f, String user) throws Exception {
    JsonNode item = FakeExchange.request("GET", "/recommendations").query("user_id", user).serve(f).json()
        .get("items").get(0);
    return item.get("product_id").asText() + " " + item.get("reason").asText();
  }

  @Test
  void userActivityUnreadableFallsBackToTrendingMarkedStale() throws Exception {
    function.refreshSnapshot();
    store.failing = true;

    JsonNode body = FakeExchange.request("GET", "/recommendations").query("user_id", "alice").serve(function).json();

    assertThat(body.get("fallback").asText()).isEqualTo("user_activity_unavailable");
    assertThat(body.get("stale").asBoolean()).isTrue();
    assertThat(body.get("strategy").asText()).isEqualTo("trending");
    assertThat(body.get("items").size()).isEqualTo(3);
  }
}
