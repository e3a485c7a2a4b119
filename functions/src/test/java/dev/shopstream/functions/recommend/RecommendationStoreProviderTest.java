package dev.shopstream.functions.recommend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.Mockito.mock;

import dev.shopstream.functions.Settings;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The DuckDB store is module functions-duckdb's: without that module, WAREHOUSE=duckdb fails naming it. */
class RecommendationStoreProviderTest {
  private static final Settings DUCKDB = new Settings(Map.of("WAREHOUSE", "duckdb", "DUCKDB_PATH", "/tmp/x.duckdb")::get);

  @Test
  void withoutTheDuckDbModuleTheDuckDbWarehouseFailsNamingTheModule() {
    assertThat(RecommendFunction.class.getClassLoader().getResource(
        "META-INF/services/" + RecommendationStoreProvider.class.getName())).as("no provider in this module").isNull();
    assertThatThrownBy(() -> RecommendationStoreProvider.open("duckdb", RecommendFunction.DUCKDB_MODULE, DUCKDB))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("WAREHOUSE=duckdb needs the module functions-duckdb (dev.shopstream:functions-duckdb)");
  }

  @Test
  void theProviderServingTheWarehouseOpensTheStoreCaseInsensitively() {
    RecommendationStore store = mock(RecommendationStore.class);
    RecommendationStoreProvider other = provider("elsewhere", mock(RecommendationStore.class));
    RecommendationStoreProvider duck = provider("DuckDB", store);

    assertThat(RecommendationStoreProvider.find("duckdb", "m", List.of(other, duck)).open(DUCKDB)).isSameAs(store);
    assertThatThrownBy(() -> RecommendationStoreProvider.find("duckdb", "m", List.of(duck, duck)))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("more than one adapter");
    assertThatThrownBy(() -> RecommendationStoreProvider.find("duckdb", "m", List.of(other)))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("needs the module m");
  }

  private static RecommendationStoreProvider provider(String warehouse, RecommendationStore store) {
    return new RecommendationStoreProvider() {
      @Override
      public String warehouse() {
        return warehouse;
      }

      @Override
      public RecommendationStore open(Settings settings) {
        return store;
      }
    };
  }
}
