package dev.shopstream.functions.recommend;

import dev.shopstream.contract.Adapters;
import dev.shopstream.functions.Settings;
import java.util.List;
import java.util.ServiceLoader;

/**
 * A {@link RecommendationStore} that lives outside this module, found with {@link ServiceLoader}: the local stack's
 * DuckDB store (module {@code functions-duckdb}, {@code WAREHOUSE=duckdb}) is one. The cloud bundles carry none, so
 * the function's artifact holds only the BigQuery store it runs; a warehouse selected by configuration whose module
 * is not on the class path fails at start with a message naming the module.
 *
 * <p>An implementation is registered in {@code META-INF/services/dev.shopstream.functions.recommend
 * .RecommendationStoreProvider} and has a public no-argument constructor.
 */
public interface RecommendationStoreProvider {
  /** The {@code WAREHOUSE} value this provider serves, e.g. {@code duckdb} (matched case-insensitively). */
  String warehouse();

  /**
   * Opens the store from the function's settings (e.g. {@code DUCKDB_PATH}).
   *
   * @throws Settings.InvalidSettingException when a setting it needs is missing or malformed
   */
  RecommendationStore open(Settings settings);

  /**
   * Opens the store of the provider serving {@code warehouse}, looked up on the class path of this interface.
   *
   * @param module the module that holds the provider, named in the error when it is missing
   * @throws IllegalStateException when no provider on the class path serves {@code warehouse}
   */
  static RecommendationStore open(String warehouse, String module, Settings settings) {
    return find(warehouse, module, ServiceLoader.load(RecommendationStoreProvider.class,
        RecommendationStoreProvider.class.getClassLoader()).stream().map(ServiceLoader.Provider::get).toList())
        .open(settings);
  }

  /** The one of {@code providers} serving {@code warehouse}. */
  static RecommendationStoreProvider find(String warehouse, String module, List<RecommendationStoreProvider> providers) {
    return Adapters.only(providers, p -> p.warehouse().equalsIgnoreCase(warehouse), "WAREHOUSE=" + warehouse, module,
        "the local stack carries it, the cloud bundles do not");
  }
}
