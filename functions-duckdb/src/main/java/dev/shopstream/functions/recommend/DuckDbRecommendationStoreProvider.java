package dev.shopstream.functions.recommend;

import dev.shopstream.functions.Settings;
import dev.shopstream.warehouse.duckdb.DuckDbWarehouse;
import java.nio.file.Path;

/**
 * {@code WAREHOUSE=duckdb}: the {@link DuckDbRecommendationStore} on the DuckDB file {@code DUCKDB_PATH} (registered
 * in {@code META-INF/services}, found by {@link RecommendationStoreProvider#open}).
 */
public final class DuckDbRecommendationStoreProvider implements RecommendationStoreProvider {
  @Override
  public String warehouse() {
    return "duckdb";
  }

  @Override
  public RecommendationStore open(Settings settings) {
    return new DuckDbRecommendationStore(DuckDbWarehouse.open(Path.of(settings.required("DUCKDB_PATH"))));
  }
}
