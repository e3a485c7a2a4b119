package dev.shopstream.functions.recommend;

import dev.shopstream.contract.ColumnSource;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.Collection;

/**
 * The current row of a JDBC answer as the contract's typed rows read it: the columns the query selected, by name
 * (TIMESTAMPTZ as {@link OffsetDateTime}, as DuckDB's driver gives it). A driver failure becomes a
 * {@link StoreException}.
 */
final class ResultSetColumns extends ColumnSource.Selected {
  private final ResultSet rs;

  /** @param selected the columns the query selected (what built its select list) */
  ResultSetColumns(ResultSet rs, Collection<String> selected) {
    super(selected);
    this.rs = rs;
  }

  @Override
  public Object value(String column, Kind kind) {
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
  }
}
