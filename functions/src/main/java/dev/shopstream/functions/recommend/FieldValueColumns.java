package dev.shopstream.functions.recommend;

import com.google.cloud.bigquery.FieldValue;
import com.google.cloud.bigquery.FieldValueList;
import dev.shopstream.contract.ColumnSource;
import java.util.Collection;

/** A BigQuery answer's row as the contract's typed rows read it: the columns the query selected, by name. */
final class FieldValueColumns extends ColumnSource.Selected {
  private final FieldValueList row;

  /** @param selected the columns the query selected (what built its select list) */
  FieldValueColumns(FieldValueList row, Collection<String> selected) {
    super(selected);
    this.row = row;
  }

  @Override
  public Object value(String column, Kind kind) {
    FieldValue v = row.get(column);
    if (v == null || v.isNull()) {
      return null;
    }
    return switch (kind) {
      case TEXT -> v.getStringValue();
      case INSTANT -> v.getTimestampInstant();
      case NUMBER -> v.getDoubleValue();
      case INTEGER -> v.getLongValue();
      case BOOL -> v.getBooleanValue();
    };
  }
}
