package dev.shopstream.functions.recommend;

import dev.shopstream.contract.ColumnSource;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.Collection;

/** JDBC's adapter to the contract's {@link ColumnSource} (DuckDB's driver: TIMESTAMPTZ as {@link OffsetDateTime}). */
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
        };
        return rs.wasNull() ? null : value;
      } catch (SQLException e) {
        throw new StoreException("reading " + column + " failed: " + e.getMessage(), e);
      }
    });
  }
}
