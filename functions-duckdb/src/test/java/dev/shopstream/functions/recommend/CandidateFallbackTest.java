package dev.shopstream.functions.recommend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shopstream.contract.TableSchemas;
import dev.shopstream.functions.FakeExchange;
import dev.shopstream.functions.http.AccessPolicy;
import dev.shopstream.model.ModelConfig;
import dev.shopstream.warehouse.duckdb.DuckDbWarehouse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The function ranks and explains only the first k + {@value Candidates#SPARE_CANDIDATES} candidates at
 * first; when filters reject all of them the rest of the ranking is still offered before trending fills in.
 */
class CandidateFallbackTest {
  @TempDir
  Path folder;

  @Test
  void aCandidateBeyondTheFirstRankedOnesIsFoundWhenFiltersRejectTheFirst() throws Exception {
    try (DuckDbWarehouse warehouse = DuckDbWarehouse.open(folder.resolve("warehouse.duckdb"))) {
      ShopFixture.insertAll(warehouse);
      // carol viewed big-1, whose combined list is x-1 .. x-8 (category x/a), then tea-02 (grocery/tea) 9th
      List<Map<String, Object>> rows = new ArrayList<>();
      List<Map<String, Object>> products = new ArrayList<>();
      for (int i = 1; i <= 8; i++) {
        rows.add(ShopFixture.neighbor("big-1", "combined", "x-" + i, 1.0 - i / 100.0, i, ShopFixture.MODEL_TIME));
        products.add(ShopFixture.product("x-" + i, "x/a", true));
      }
      rows.add(ShopFixture.neighbor("big-1", "combined", "tea-02", 0.5, 9, ShopFixture.MODEL_TIME));
      warehouse.insert(TableSchemas.get("item_neighbors"), rows);
      warehouse.insert(TableSchemas.products(), products);
      warehouse.insert(TableSchemas.get("user_activity"), List.of(ShopFixture.user("carol",
          List.of(ShopFixture.recent("big-1", "view", ShopFixture.NOW)), List.of())));
      RecommendFunction function = new RecommendFunction(new DuckDbRecommendationStore(warehouse),
          RecommendConfig.defaults(AccessPolicy.open())
              .withModel(ModelConfig.defaults().toBuilder().trendWeight(0).build()),
          new TestClock(ShopFixture.NOW),
          mock(ScheduledExecutorService.class));
      assertThat(function.refreshSnapshot()).isTrue();

      JsonNode body = FakeExchange.request("GET", "/recommendations").query("user_id", "carol").query("k", "1")
          .query("category", "grocery").serve(function).json();

      // personalized from the 9th candidate (co-occurrence only), not "trending in grocery/tea"
      assertThat(body.get("items").findValuesAsText("product_id")).containsExactly("tea-02");
      assertThat(body.get("items").findValuesAsText("reason")).containsExactly("seen together with big-1");
      assertThat(body.get("strategy").asText()).isEqualTo("personalized");
    }
  }
}
