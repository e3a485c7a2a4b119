package dev.shopstream.functions.recommend;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shopstream.contract.EventType;
import dev.shopstream.contract.TableSchemas;
import dev.shopstream.functions.recommend.RecommendationStore.NeighborRow;
import dev.shopstream.functions.recommend.RecommendationStore.TrendRow;
import dev.shopstream.model.ModelConfig;
import dev.shopstream.model.Neighbor;
import dev.shopstream.model.Signal;
import dev.shopstream.warehouse.duckdb.DuckDbWarehouse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The DuckDB store's reads of changed rows, against a real DuckDB file holding the shop of {@link ShopFixture}. */
class DuckDbChangedRowsTest {
  private static final Instant T = ShopFixture.MODEL_TIME;

  @TempDir
  Path folder;

  @Test
  void changedNeighboursAreTheNewestRowsPerListAmongThoseWithUpdatedAtSince() throws Exception {
    try (DuckDbWarehouse warehouse = DuckDbWarehouse.open(folder.resolve("warehouse.duckdb"))) {
      ShopFixture.insertAll(warehouse); // every list as of T; tea-02 → old-1 (co_view) an hour older
      DuckDbRecommendationStore store = new DuckDbRecommendationStore(warehouse);
      assertThat(store.neighborsChangedSince(Instant.EPOCH, 1000)).isEqualTo(store.neighbors(1000));
      assertThat(store.neighborsChangedSince(T.plusSeconds(1), 1000)).isEmpty();

      warehouse.insert(TableSchemas.get("item_neighbors"), List.of(
          ShopFixture.neighbor("mug-04", "co_view", "tea-02", 0.7, 1, T.plusSeconds(60)),
          ShopFixture.neighbor("mug-04", "co_view", "pot-03", 0.6, 2, T.plusSeconds(60)),
          ShopFixture.neighbor("tea-02", "co_view", "mug-02", 0.95, 1, T.plusSeconds(90))));

      List<NeighborRow> changed = store.neighborsChangedSince(T.plusSeconds(1), 1000);

      assertThat(changed).containsExactly(
          new NeighborRow("mug-04", new Neighbor("tea-02", Signal.CO_VIEW, 0.7, 1, 7), T.plusSeconds(60)),
          new NeighborRow("mug-04", new Neighbor("pot-03", Signal.CO_VIEW, 0.6, 2, 6), T.plusSeconds(60)),
          new NeighborRow("tea-02", new Neighbor("mug-02", Signal.CO_VIEW, 0.95, 1, 9.5), T.plusSeconds(90)));
      assertThat(store.neighborsChangedSince(T.plusSeconds(1), 2)).hasSize(2);
    }
  }

  @Test
  void changedTrendRowsScoreAsTheFullTrendsQueryDoes() throws Exception {
    try (DuckDbWarehouse warehouse = DuckDbWarehouse.open(folder.resolve("warehouse.duckdb"))) {
      ShopFixture.insertAll(warehouse);
      DuckDbRecommendationStore store = new DuckDbRecommendationStore(warehouse);
      Duration week = Duration.ofDays(7);

      List<TrendRow> all = store.trendRowsChangedSince(Instant.EPOCH, week, 1000);

      // x-old's window ended 30 days before the newest: expired, not read
      assertThat(all).extracting(TrendRow::productId).doesNotContain("x-old").contains("tea-02", "mug-03");
      SnapshotRows rows = new SnapshotRows();
      rows.replaceTrends(all, week);
      RecommendationStore.Trends kept = rows.trends(ModelConfig.defaults(), 1000);
      RecommendationStore.Trends queried = store.trends(week, ModelConfig.defaults(), 1000);
      assertThat(kept.products()).isEqualTo(queried.products());
      assertThat(kept.newestWindowEnd()).isEqualTo(queried.newestWindowEnd());

      Instant later = ShopFixture.NOW.plusSeconds(300);
      warehouse.insert(TableSchemas.get("product_trends"), List.of(ShopFixture.trend("pot-03", "view", 4, later)));
      List<TrendRow> changed = store.trendRowsChangedSince(ShopFixture.NOW.plusSeconds(1), week, 1000);
      assertThat(changed).containsExactly(new TrendRow("pot-03", "view", later.minus(Duration.ofHours(1)), later, 4,
          later));
      rows.mergeTrends(changed, week);
      assertThat(rows.trends(ModelConfig.defaults(), 1000).products())
          .isEqualTo(store.trends(week, ModelConfig.defaults(), 1000).products());
    }
  }

  @Test
  void popularityWeighsTheEventsProductLinesByTypeWithinTheWindowBeforeAsOf() throws Exception {
    try (DuckDbWarehouse warehouse = DuckDbWarehouse.open(folder.resolve("warehouse.duckdb"))) {
      Instant asOf = ShopFixture.NOW;
      warehouse.insert(TableSchemas.events(), List.of(
          ShopFixture.event("e1", EventType.VIEW, asOf.minusSeconds(60), "mug-01"),
          ShopFixture.event("e2", EventType.PURCHASE, asOf.minus(Duration.ofDays(20)), "mug-01", "tea-02"), // two lines
          ShopFixture.event("e3", EventType.ADD_TO_CART, asOf.minus(Duration.ofDays(29)), "tea-02"),
          ShopFixture.event("e4", EventType.SEARCH, asOf.minusSeconds(30)), // no product: weighs 0 anyway
          ShopFixture.event("e5", EventType.VIEW, asOf.minus(Duration.ofDays(31)), "pot-03"), // before the window
          ShopFixture.event("e6", EventType.PURCHASE, asOf.plusSeconds(1), "pot-03"), // after as-of
          ShopFixture.event("e7", EventType.VIEW, asOf, "pot-03"))); // at as-of: counts
      DuckDbRecommendationStore store = new DuckDbRecommendationStore(warehouse);

      List<RecommendationStore.TrendScore> popular = store.popularity(asOf, Duration.ofDays(30),
          ModelConfig.defaults(), 10);

      // view 1, add_to_cart 3, purchase 5: mug-01 1 + 5, tea-02 5 + 3, pot-03 1
      assertThat(popular).containsExactly(new RecommendationStore.TrendScore("tea-02", 8, 2),
          new RecommendationStore.TrendScore("mug-01", 6, 2), new RecommendationStore.TrendScore("pot-03", 1, 1));
      assertThat(store.popularity(asOf, Duration.ofDays(30), ModelConfig.defaults(), 2)).hasSize(2);
      assertThat(store.popularity(asOf, Duration.ofDays(30), ModelConfig.builder().weights(0, 0, 0).build(), 10))
          .as("products scoring 0 are left out").isEmpty();
    }
  }
}
