package dev.shopstream.pipeline.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.Mockito.mock;

import dev.shopstream.pipeline.EventsPipeline;
import dev.shopstream.pipeline.EventsPipelineOptions;
import dev.shopstream.pipeline.EventsPipelineOptions.Warehouse;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The DuckDB sink is module pipeline-duckdb's: without that module, --warehouse=DUCKDB fails naming it. */
class WarehouseSinkProviderTest {
  @Test
  void withoutTheDuckDbModuleTheDuckDbWarehouseFailsNamingTheModule() {
    assertThat(WarehouseSinkProvider.class.getClassLoader().getResource(
        "META-INF/services/" + WarehouseSinkProvider.class.getName())).as("no provider in this module").isNull();
    EventsPipelineOptions options = EventsPipeline.parseOptions("--warehouse=DUCKDB", "--duckdbPath=/tmp/x.duckdb");

    assertThatThrownBy(() -> EventsPipeline.warehouseSink(options))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("--warehouse=DUCKDB needs the module pipeline-duckdb (dev.shopstream:pipeline-duckdb)");
  }

  @Test
  void theProviderServingTheWarehouseMakesTheSink() {
    WarehouseSink sink = mock(WarehouseSink.class);
    WarehouseSinkProvider duck = provider(Warehouse.DUCKDB, sink);
    WarehouseSinkProvider other = provider(Warehouse.BIGQUERY, mock(WarehouseSink.class));
    EventsPipelineOptions options = EventsPipeline.parseOptions();

    assertThat(WarehouseSinkProvider.find(Warehouse.DUCKDB, "m", List.of(other, duck)).sink(options)).isSameAs(sink);
    assertThatThrownBy(() -> WarehouseSinkProvider.find(Warehouse.DUCKDB, "m", List.of(duck, duck)))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("more than one adapter");
    assertThatThrownBy(() -> WarehouseSinkProvider.find(Warehouse.DUCKDB, "m", List.of(other)))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("needs the module m");
  }

  private static WarehouseSinkProvider provider(Warehouse warehouse, WarehouseSink sink) {
    return new WarehouseSinkProvider() {
      @Override
      public Warehouse warehouse() {
        return warehouse;
      }

      @Override
      public WarehouseSink sink(EventsPipelineOptions options) {
        return sink;
      }
    };
  }
}
