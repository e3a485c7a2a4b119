package dev.shopstream.contract;

import java.util.List;
import java.util.function.Predicate;

/**
 * Picks the one adapter (a store, a sink) that serves a configured setting among those found on the class path:
 * the local-only adapters (DuckDB) live in modules that the cloud artifacts do not carry, and are found through
 * {@link java.util.ServiceLoader}.
 */
public final class Adapters {
  private Adapters() {}

  /**
   * The one of {@code found} that {@code serves}.
   *
   * @param setting the setting that asked for it, as the user wrote it (e.g. {@code WAREHOUSE=duckdb})
   * @param module the module that holds the adapter, named when it is missing
   * @param carriedBy who carries that module and who does not, said when it is missing
   * @throws IllegalStateException when none or more than one serves
   */
  public static <T> T only(List<T> found, Predicate<T> serves, String setting, String module, String carriedBy) {
    List<T> serving = found.stream().filter(serves).toList();
    if (serving.isEmpty()) {
      throw new IllegalStateException(setting + " needs the module " + module + " (dev.shopstream:" + module
          + ") on the class path; it is not there (" + carriedBy + ")");
    }
    if (serving.size() > 1) {
      throw new IllegalStateException(setting + ": more than one adapter on the class path: "
          + serving.stream().map(p -> p.getClass().getName()).toList());
    }
    return serving.get(0);
  }
}
