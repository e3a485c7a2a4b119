package dev.shopstream.functions.recommend;

import com.google.cloud.bigquery.FieldValue;
import com.google.cloud.bigquery.FieldValueList;
import dev.shopstream.contract.ColumnSource;
import java.time.Instant;
import java.util.Collection;

/** A BigQuery answer's row as the contract's typed rows read it: the columns the query selected, by name. */
final class FieldValueColumns implements ColumnSource {
  private final FieldValueList row;
  private final Collection<String> selected;

  /** @param selected the columns the query selected (what built its select list) */
  FieldValueColumns(FieldValueList row, Collection<String> selected) {
    this.row = row;
    this.selected = selected;
  }

  @Override
  public boolean has(String column) {
    return selected.contains(column);
  }

  private FieldValue value(String column) {
    FieldValue v = row.get(column);
    return v == null || v.isNull() ? null : v;
  }

  @Override
  public String text(String column) {
    FieldValue v = value(column);
    return v == null ? null : v.getStringValue();
  }

  @Override
  public Instant instant(String column) {
    FieldValue v = value(column);
    return v == null ? null : v.getTimestampInstant();
  }

  @Override
  public Double number(String column) {
    FieldValue v = value(column);
    return v == null ? null : v.getDoubleValue();
  }

  @Override
  public Long integer(String column) {
    FieldValue v = value(column);
    return v == null ? null : v.getLongValue();
  }

  @Override
  public Boolean bool(String column) {
    FieldValue v = value(column);
    return v == null ? null : v.getBooleanValue();
  }
}
