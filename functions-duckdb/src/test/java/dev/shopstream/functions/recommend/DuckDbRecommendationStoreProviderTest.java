package dev.shopstream.functions.recommend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shopstream.functions.Settings;
import dev.shopstream.warehouse.duckdb.DuckDbWarehouse;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** With this module on the class path, {@code WAREHOUSE=duckdb} opens the DuckDB store on {@code DUCKDB_PATH}. */
class DuckDbRecommendationStoreProviderTest {
  @TempDir Path folder;

  @Test
  void warehouseDuckDbOpensTheStoreOnTheFileOfDuckDbPath() throws Exception {
    Path file = folder.resolve("warehouse.duckdb");
    try (DuckDbWarehouse warehouse = DuckDbWarehouse.open(file)) {
      ShopFixture.insertCatalog(warehouse);
    }
    Settings settings = new Settings(Map.of("WAREHOUSE", "duckdb", "DUCKDB_PATH", file.toString())::get);

    RecommendationStore store = RecommendationStoreProvider.open("duckdb", RecommendFunction.DUCKDB_MODULE, settings);

    assertThat(store).isInstanceOf(DuckDbRecommendationStore.class);
    assertThat(store.catalog(100)).extracting(RecommendationStore.CatalogEntry::productId)
        .contains("mug-01", "gone-09", "tea-02");
  }

  @Test
  void theFileIsRequired() {
    Settings settings = new Settings(Map.of("WAREHOUSE", "duckdb")::get);
    assertThatThrownBy(() -> RecommendationStoreProvider.open("duckdb", RecommendFunction.DUCKDB_MODULE, settings))
        .isInstanceOf(Settings.InvalidSettingException.class).hasMessageContaining("DUCKDB_PATH is not set");
  }
}
