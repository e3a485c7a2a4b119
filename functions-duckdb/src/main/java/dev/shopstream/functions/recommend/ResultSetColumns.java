package dev.shopstream.functions.recommend;

import dev.shopstream.contract.ColumnSource;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.Collection;

/**
 * JDBC's adapter to the contract's {@link ColumnSource} (DuckDB's driver: TIMESTAMPTZ as {@link OffsetDateTime}, a
 * {@code DOUBLE[]} as a {@link java.sql.Array} of {@link Number}s).
 */
final class ResultSetColumns {
  private ResultSetColumns() {}

  /**
   * The current row of {@code rs}, whichever it is when read, as the contract's typed rows read it, by name, of a
   * query that selected {@code selected}. A driver failure becomes a {@link StoreException}.
   */
  static ColumnSource of(ResultSet rs, Collection<String> selected) {
    return ColumnSource.of(selected, (column, kind) -> {
      try {
        Object value = switch (kind) {
          case TEXT -> rs.getString(column);
          case INSTANT -> {
            OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
            yield t == null ? null : t.toInstant();
          }
          case NUMBER -> rs.getDouble(column);
          case INTEGER -> rs.getLong(column);
          case BOOL -> rs.getBoolean(column);
          case NUMBERS -> numbers(rs.getArray(column));
        };
        return rs.wasNull() ? null : value;
      } catch (SQLException e) {
        throw new StoreException("reading " + column + " failed: " + e.getMessage(), e);
      }
    });
  }

  /** A list of numbers' values; a NULL element (or one that is not a number) as NaN: the typed row refuses it. */
  private static double[] numbers(java.sql.Array array) throws SQLException {
    if (array == null) {
      return null;
    }
    Object[] values = (Object[]) array.getArray();
    double[] out = new double[values.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = values[i] instanceof Number n ? n.doubleValue() : Double.NaN;
    }
    return out;
  }
}
