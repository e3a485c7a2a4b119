package dev.shopstream.pipeline.sink;

import dev.shopstream.contract.Adapters;
import dev.shopstream.pipeline.EventsPipelineOptions;
import dev.shopstream.pipeline.EventsPipelineOptions.Warehouse;
import java.util.List;
import java.util.ServiceLoader;

/**
 * A {@link WarehouseSink} that lives outside this module, found with {@link ServiceLoader}: the local stack's DuckDB
 * sink (module {@code pipeline-duckdb}, {@code --warehouse=DUCKDB}) is one. The Flex Template carries none, so the
 * pipeline's artifact holds only the BigQuery sink it runs in the cloud; a warehouse selected by the options whose
 * module is not on the class path fails before the pipeline starts, naming the module.
 *
 * <p>An implementation is registered in {@code META-INF/services/dev.shopstream.pipeline.sink.WarehouseSinkProvider}
 * and has a public no-argument constructor.
 */
public interface WarehouseSinkProvider {
  /** The {@code --warehouse} this provider serves. */
  Warehouse warehouse();

  /** The sink, from options already checked for what the warehouse requires (e.g. {@code --duckdbPath}). */
  WarehouseSink sink(EventsPipelineOptions options);

  /**
   * The sink of the provider serving {@code options.getWarehouse()}, looked up on the class path of this interface.
   *
   * @param module the module that holds the provider, named in the error when it is missing
   * @throws IllegalStateException when no provider on the class path serves the warehouse
   */
  static WarehouseSink sink(String module, EventsPipelineOptions options) {
    return find(options.getWarehouse(), module, ServiceLoader.load(WarehouseSinkProvider.class,
        WarehouseSinkProvider.class.getClassLoader()).stream().map(ServiceLoader.Provider::get).toList())
        .sink(options);
  }

  /** The one of {@code providers} serving {@code warehouse}. */
  static WarehouseSinkProvider find(Warehouse warehouse, String module, List<WarehouseSinkProvider> providers) {
    return Adapters.only(providers, p -> p.warehouse() == warehouse, "--warehouse=" + warehouse, module,
        "the local stack carries it, the Flex Template does not");
  }
}
