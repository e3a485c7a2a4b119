package dev.shopstream.pipeline.sink;

import com.google.api.services.bigquery.model.Clustering;
import com.google.api.services.bigquery.model.TableFieldSchema;
import com.google.api.services.bigquery.model.TableRow;
import com.google.api.services.bigquery.model.TimePartitioning;
import dev.shopstream.contract.TableSchema;
import dev.shopstream.contract.TableSchema.Column;
import java.util.List;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The contract's tables and rows ({@link TableSchema}, {@link dev.shopstream.contract.Rows}) in BigQuery's API
 * model.
 */
public final class BigQueryTables {
  private BigQueryTables() {}

  /** The columns: type, mode, description and nested fields as the contract derives them. */
  public static com.google.api.services.bigquery.model.TableSchema schema(TableSchema table) {
    return new com.google.api.services.bigquery.model.TableSchema().setFields(fields(table.columns()));
  }

  private static List<TableFieldSchema> fields(List<Column> columns) {
    return columns.stream().map(BigQueryTables::field).toList();
  }

  private static TableFieldSchema field(Column c) {
    TableFieldSchema f = new TableFieldSchema()
        .setName(c.name())
        .setType(c.type().name())
        .setMode(c.mode().name());
    if (!c.description().isEmpty()) {
      f.setDescription(c.description());
    }
    if (!c.fields().isEmpty()) {
      f.setFields(fields(c.fields()));
    }
    return f;
  }

  /** Daily partitions on the contract's {@code partitionBy} column, or null when the table has none. */
  public static @Nullable TimePartitioning partitioning(TableSchema table) {
    return table.partitionBy() == null ? null : new TimePartitioning().setType("DAY").setField(table.partitionBy());
  }

  /** Clustering on the contract's {@code clusterBy} columns, or null when the table has none. */
  public static @Nullable Clustering clustering(TableSchema table) {
    return table.clusterBy().isEmpty() ? null : new Clustering().setFields(table.clusterBy());
  }

  /** A row of {@link dev.shopstream.contract.Rows} as a {@link TableRow}, nested records included. */
  public static TableRow tableRow(Map<String, Object> row) {
    TableRow tableRow = new TableRow();
    row.forEach((column, value) -> tableRow.set(column, cell(value)));
    return tableRow;
  }

  @SuppressWarnings("unchecked")
  private static Object cell(Object value) {
    if (value instanceof Map<?, ?> record) {
      return tableRow((Map<String, Object>) record);
    }
    if (value instanceof List<?> list) {
      return list.stream().map(BigQueryTables::cell).toList();
    }
    return value;
  }
}
