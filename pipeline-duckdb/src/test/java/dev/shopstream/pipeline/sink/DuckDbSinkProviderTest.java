package dev.shopstream.pipeline.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shopstream.pipeline.EventsPipeline;
import dev.shopstream.pipeline.EventsPipelineOptions;
import org.junit.jupiter.api.Test;

/** With this module on the class path, {@code --warehouse=DUCKDB} selects the DuckDB sink (the local stack's). */
class DuckDbSinkProviderTest {
  @Test
  void theLocalStackArgumentsSelectTheDuckDbSink() {
    EventsPipelineOptions options = EventsPipeline.parseOptions("--runner=DirectRunner", "--streaming=true",
        "--warehouse=DUCKDB", "--duckdbPath=/tmp/x/warehouse.duckdb");

    assertThat(EventsPipeline.warehouseSink(options)).isInstanceOf(DuckDbSink.class);
  }

  @Test
  void theDuckDbFileIsStillRequired() {
    assertThatThrownBy(() -> EventsPipeline.warehouseSink(EventsPipeline.parseOptions("--warehouse=DUCKDB")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("--duckdbPath (the DuckDB database file) is required when --warehouse=DUCKDB");
  }
}
