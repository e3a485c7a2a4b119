package dev.shopstream.pipeline.sink;

import dev.shopstream.pipeline.EventsPipelineOptions;
import dev.shopstream.pipeline.EventsPipelineOptions.Warehouse;
import java.nio.file.Path;

/**
 * {@code --warehouse=DUCKDB}: the {@link DuckDbSink} at {@code --duckdbPath} (registered in {@code META-INF/services},
 * found by {@link WarehouseSinkProvider#sink}).
 */
public final class DuckDbSinkProvider implements WarehouseSinkProvider {
  @Override
  public Warehouse warehouse() {
    return Warehouse.DUCKDB;
  }

  @Override
  public WarehouseSink sink(EventsPipelineOptions options) {
    return DuckDbSink.at(Path.of(options.getDuckdbPath()));
  }
}
