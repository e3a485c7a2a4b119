package dev.shopstream.contract;

import java.time.Instant;
import java.util.Collection;

/**
 * One row of a query's answer, read by column name: what a store adapts its driver's row to (BigQuery's
 * {@code FieldValueList}, a JDBC {@code ResultSet}), so that the typed rows ({@link ItemNeighborRow#from},
 * {@link ProductTrendRow#from}, {@link ProductRow#from}) read a warehouse row the same way whichever store answered.
 * Every getter returns null for SQL NULL.
 *
 * <p>A query may select only some of a table's columns ({@link #selectList} builds the SQL of the ones it selects,
 * the same list an adapter is given): {@link #has} says which. A typed row reads a nullable column the query did not
 * select as absent and fails, naming it, on a required one.
 */
public interface ColumnSource {
  /** Whether the query selected the column. */
  boolean has(String column);

  String text(String column);

  Instant instant(String column);

  Double number(String column);

  Long integer(String column);

  Boolean bool(String column);

  /** The columns as a SQL select list: {@code a, b, c}. */
  static String selectList(Collection<String> columns) {
    return String.join(", ", columns);
  }

  /** The value of a required column; fails naming the column when it is null. */
  static <T> T required(String column, T value) {
    if (value == null) {
      throw new IllegalArgumentException(column + ": is required");
    }
    return value;
  }

  /** The value of a nullable column, null when the query did not select it. */
  default String optionalText(String column) {
    return has(column) ? text(column) : null;
  }
}
