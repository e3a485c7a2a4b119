package dev.shopstream.contract;

import java.time.Instant;
import java.util.Collection;
import java.util.List;

/**
 * One row of a query's answer, read by column name: what a store adapts its driver's row to (BigQuery's
 * {@code FieldValueList}, a JDBC {@code ResultSet}), so that the typed rows ({@link ItemNeighborRow#from},
 * {@link ProductTrendRow#from}, {@link ProductRow#from}) read a warehouse row the same way whichever store answered.
 * An adapter is a {@link Reader} ({@link #of}); every getter returns null for SQL NULL.
 *
 * <p>A query may select only some of a table's columns ({@link #selectList} builds the SQL of the ones it selects,
 * the same list an adapter is given): {@link #has} says which. A typed row reads a nullable column the query did not
 * select as absent and fails, naming it, on a required one.
 */
public interface ColumnSource {
  /**
   * What a column is read as: {@link String}, {@link Instant}, {@link Double}, {@link Long}, {@link Boolean}, or for
   * {@code NUMBERS} (a repeated FLOAT64, DuckDB's {@code DOUBLE[]}) a {@code double[]}, an element that is SQL NULL
   * read as NaN (a typed row refuses it, naming the column).
   */
  enum Kind { TEXT, INSTANT, NUMBER, INTEGER, BOOL, NUMBERS }

  /** Whether the query selected the column. */
  boolean has(String column);

  /** The column's value as the Java type of {@code kind}; null for SQL NULL. */
  Object value(String column, Kind kind);

  default String text(String column) {
    return (String) value(column, Kind.TEXT);
  }

  default Instant instant(String column) {
    return (Instant) value(column, Kind.INSTANT);
  }

  default Double number(String column) {
    return (Double) value(column, Kind.NUMBER);
  }

  default Long integer(String column) {
    return (Long) value(column, Kind.INTEGER);
  }

  default Boolean bool(String column) {
    return (Boolean) value(column, Kind.BOOL);
  }

  default double[] numbers(String column) {
    return (double[]) value(column, Kind.NUMBERS);
  }

  /** The value of a nullable column, null when the query did not select it. */
  default String optionalText(String column) {
    return has(column) ? text(column) : null;
  }

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

  /** What an adapter does: reads a column of its driver's row as the Java type of a {@link Kind}. */
  @FunctionalInterface
  interface Reader {
    Object value(String column, Kind kind);
  }

  /** The row {@code reader} reads, of a query that selected {@code selected} (the list that built its select list). */
  static ColumnSource of(Collection<String> selected, Reader reader) {
    List<String> columns = List.copyOf(selected);
    return new ColumnSource() {
      @Override
      public boolean has(String column) {
        return columns.contains(column);
      }

      @Override
      public Object value(String column, Kind kind) {
        return reader.value(column, kind);
      }
    };
  }
}
