package dev.shopstream.contract;

import java.io.Serializable;
import java.util.List;

/**
 * A warehouse table derived from a contract schema file: its columns in BigQuery terms, and how it is keyed,
 * partitioned and clustered, and whether a row replaces the earlier row with the same key ({@code upsert}: the
 * latest version wins, as for the catalog and the model's outputs) or a second row with a key is ignored (the
 * events: the first write wins, so duplicates and retries are no-ops). The BigQuery sink, the DuckDB warehouse, terraform and the docs all use this one
 * description.
 */
public record TableSchema(
    String name,
    String description,
    List<Column> columns,
    List<String> primaryKey,
    String partitionBy,
    List<String> clusterBy,
    boolean upsert) implements Serializable {

  /** Column types, named as in BigQuery's standard SQL. */
  public enum Type { STRING, INT64, FLOAT64, BOOL, TIMESTAMP, JSON, RECORD }

  public enum Mode { REQUIRED, NULLABLE, REPEATED }

  public record Column(String name, Type type, Mode mode, String description, List<Column> fields)
      implements Serializable {
    public Column {
      fields = List.copyOf(fields == null ? List.of() : fields);
    }
  }

  public Column column(String name) {
    return columns.stream().filter(c -> c.name().equals(name)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no column " + name + " in table " + this.name));
  }
}
