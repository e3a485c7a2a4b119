package dev.shopstream.functions.recommend;

import dev.shopstream.contract.ColumnSource;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Collection;

/**
 * The current row of a JDBC answer as the contract's typed rows read it: the columns the query selected, by name
 * (TIMESTAMPTZ as {@link OffsetDateTime}, as DuckDB's driver gives it). A driver failure becomes a
 * {@link StoreException}.
 */
final class ResultSetColumns implements ColumnSource {
  private final ResultSet rs;
  private final Collection<String> selected;

  /** @param selected the columns the query selected (what built its select list) */
  ResultSetColumns(ResultSet rs, Collection<String> selected) {
    this.rs = rs;
    this.selected = selected;
  }

  @Override
  public boolean has(String column) {
    return selected.contains(column);
  }

  @Override
  public String text(String column) {
    return read(column, () -> rs.getString(column));
  }

  @Override
  public Instant instant(String column) {
    return read(column, () -> {
      OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
      return t == null ? null : t.toInstant();
    });
  }

  @Override
  public Double number(String column) {
    return read(column, () -> {
      double v = rs.getDouble(column);
      return rs.wasNull() ? null : v;
    });
  }

  @Override
  public Long integer(String column) {
    return read(column, () -> {
      long v = rs.getLong(column);
      return rs.wasNull() ? null : v;
    });
  }

  @Override
  public Boolean bool(String column) {
    return read(column, () -> {
      boolean v = rs.getBoolean(column);
      return rs.wasNull() ? null : v;
    });
  }

  private interface Read<T> {
    T get() throws SQLException;
  }

  private static <T> T read(String column, Read<T> read) {
    try {
      return read.get();
    } catch (SQLException e) {
      throw new StoreException("reading " + column + " failed: " + e.getMessage(), e);
    }
  }
}
