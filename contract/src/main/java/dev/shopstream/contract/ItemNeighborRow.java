package dev.shopstream.contract;

import static dev.shopstream.contract.ColumnSource.required;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A row of the {@code item_neighbors} table ({@code item-neighbor-v1.schema.json}): the one place its columns are
 * spelled. {@link #toRow} writes it in the shape of {@link Rows} (what every sink takes), {@link #fromRow} reads it
 * back from that shape, {@link #from} reads it from a query's answer (what the serving stores read).
 */
public record ItemNeighborRow(String productId, String neighborId, String signal, double score, long rank,
    double coCount, Instant updatedAt) {
  public static final String PRODUCT_ID = "product_id";
  public static final String NEIGHBOR_ID = "neighbor_id";
  public static final String SIGNAL = "signal";
  public static final String SCORE = "score";
  public static final String RANK = "rank";
  public static final String CO_COUNT = "co_count";
  public static final String UPDATED_AT = "updated_at";
  /** The table's columns in its order: what a query selects to read whole rows with {@link #from}. */
  public static final List<String> COLUMNS = List.of(PRODUCT_ID, NEIGHBOR_ID, SIGNAL, SCORE, RANK, CO_COUNT,
      UPDATED_AT);

  public ItemNeighborRow {
    Objects.requireNonNull(productId, "productId");
    Objects.requireNonNull(neighborId, "neighborId");
    Objects.requireNonNull(signal, "signal");
    Objects.requireNonNull(updatedAt, "updatedAt");
  }

  /** The row in the shape of {@link Rows}. */
  public Map<String, Object> toRow() {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put(PRODUCT_ID, productId);
    row.put(NEIGHBOR_ID, neighborId);
    row.put(SIGNAL, signal);
    row.put(SCORE, score);
    row.put(RANK, rank);
    row.put(CO_COUNT, coCount);
    row.put(UPDATED_AT, updatedAt.toString());
    return row;
  }

  /** Reads a row of the shape {@link #toRow} writes; a missing column is named in the error. */
  public static ItemNeighborRow fromRow(Map<String, ?> row) {
    return new ItemNeighborRow(String.valueOf(UserActivityRow.required(row, PRODUCT_ID)),
        String.valueOf(UserActivityRow.required(row, NEIGHBOR_ID)), String.valueOf(UserActivityRow.required(row, SIGNAL)),
        number(row, SCORE).doubleValue(), number(row, RANK).longValue(), number(row, CO_COUNT).doubleValue(),
        Instant.parse(String.valueOf(UserActivityRow.required(row, UPDATED_AT))));
  }

  /** Reads a row of a query's answer; {@code co_count} reads as 0 when null or not selected. */
  public static ItemNeighborRow from(ColumnSource row) {
    Double coCount = row.has(CO_COUNT) ? row.number(CO_COUNT) : null;
    return new ItemNeighborRow(required(PRODUCT_ID, row.text(PRODUCT_ID)), required(NEIGHBOR_ID, row.text(NEIGHBOR_ID)),
        required(SIGNAL, row.text(SIGNAL)), required(SCORE, row.number(SCORE)), required(RANK, row.integer(RANK)),
        coCount == null ? 0 : coCount, required(UPDATED_AT, row.instant(UPDATED_AT)));
  }

  static Number number(Map<String, ?> row, String column) {
    Object value = UserActivityRow.required(row, column);
    return value instanceof Number n ? n : Double.valueOf(value.toString());
  }
}
