package dev.shopstream.contract;

import static dev.shopstream.contract.ColumnSource.required;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A row of the {@code product_trends} table ({@code product-trend-v1.schema.json}): the one place its columns are
 * spelled. {@link #toRow} writes it in the shape of {@link Rows} (what every sink takes), {@link #fromRow} reads it
 * back from that shape, {@link #from} reads it from a query's answer (what the serving stores read).
 * {@code timing} (the pane's: EARLY, ON_TIME or LATE) is optional: null when unknown, and then
 * the column is left out.
 */
public record ProductTrendRow(String productId, String eventType, Instant windowStart, Instant windowEnd, long events,
    long units, String timing, Instant updatedAt) {
  public static final String PRODUCT_ID = "product_id";
  public static final String EVENT_TYPE = "event_type";
  public static final String WINDOW_START = "window_start";
  public static final String WINDOW_END = "window_end";
  public static final String EVENTS = "events";
  public static final String UNITS = "units";
  public static final String TIMING = "timing";
  public static final String UPDATED_AT = "updated_at";
  /** The table's columns in its order: what a query selects to read whole rows with {@link #from}. */
  public static final List<String> COLUMNS = List.of(PRODUCT_ID, EVENT_TYPE, WINDOW_START, WINDOW_END, EVENTS, UNITS,
      TIMING, UPDATED_AT);

  public ProductTrendRow {
    Objects.requireNonNull(productId, "productId");
    Objects.requireNonNull(eventType, "eventType");
    Objects.requireNonNull(windowStart, "windowStart");
    Objects.requireNonNull(windowEnd, "windowEnd");
    Objects.requireNonNull(updatedAt, "updatedAt");
  }

  /** The row in the shape of {@link Rows}: timestamps as RFC 3339 text, counts as {@code Long}s. */
  public Map<String, Object> toRow() {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put(PRODUCT_ID, productId);
    row.put(EVENT_TYPE, eventType);
    row.put(WINDOW_START, windowStart.toString());
    row.put(WINDOW_END, windowEnd.toString());
    row.put(EVENTS, events);
    row.put(UNITS, units);
    if (timing != null) {
      row.put(TIMING, timing);
    }
    row.put(UPDATED_AT, updatedAt.toString());
    return row;
  }

  /** Reads a row of the shape {@link #toRow} writes; a missing required column is named in the error. */
  public static ProductTrendRow fromRow(Map<String, ?> row) {
    Object timing = row.get(TIMING);
    return new ProductTrendRow(String.valueOf(UserActivityRow.required(row, PRODUCT_ID)),
        String.valueOf(UserActivityRow.required(row, EVENT_TYPE)),
        Instant.parse(String.valueOf(UserActivityRow.required(row, WINDOW_START))),
        Instant.parse(String.valueOf(UserActivityRow.required(row, WINDOW_END))),
        ItemNeighborRow.number(row, EVENTS).longValue(), ItemNeighborRow.number(row, UNITS).longValue(),
        timing == null ? null : timing.toString(),
        Instant.parse(String.valueOf(UserActivityRow.required(row, UPDATED_AT))));
  }

  /** Reads a row of a query's answer; {@code timing} reads as unknown when null or not selected. */
  public static ProductTrendRow from(ColumnSource row) {
    return new ProductTrendRow(required(PRODUCT_ID, row.text(PRODUCT_ID)), required(EVENT_TYPE, row.text(EVENT_TYPE)),
        required(WINDOW_START, row.instant(WINDOW_START)), required(WINDOW_END, row.instant(WINDOW_END)),
        required(EVENTS, row.integer(EVENTS)), required(UNITS, row.integer(UNITS)), row.optionalText(TIMING),
        required(UPDATED_AT, row.instant(UPDATED_AT)));
  }
}
