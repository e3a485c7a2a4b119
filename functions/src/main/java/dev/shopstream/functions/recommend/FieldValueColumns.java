package dev.shopstream.functions.recommend;

import com.google.cloud.bigquery.FieldValue;
import com.google.cloud.bigquery.FieldValueList;
import dev.shopstream.contract.ColumnSource;
import java.util.Collection;
import java.util.List;

/** BigQuery's adapter to the contract's {@link ColumnSource}: a repeated FLOAT64 as a {@code double[]}. */
final class FieldValueColumns {
  private FieldValueColumns() {}

  /** A row of a BigQuery answer as the contract's typed rows read it, by name, of a query that selected those. */
  static ColumnSource of(FieldValueList row, Collection<String> selected) {
    return ColumnSource.of(selected, (column, kind) -> {
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
        case NUMBERS -> numbers(v.getRepeatedValue());
      };
    });
  }

  /** A repeated FLOAT64's values; a NULL element as NaN (the typed row refuses it, naming the column). */
  private static double[] numbers(List<FieldValue> values) {
    double[] out = new double[values.size()];
    for (int i = 0; i < out.length; i++) {
      FieldValue e = values.get(i);
      out[i] = e == null || e.isNull() ? Double.NaN : e.getDoubleValue();
    }
    return out;
  }
}
