package dev.shopstream.contract;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A row of the {@code sessions} table ({@code session-v1.schema.json}): the one place its columns are spelled.
 * {@link #toRow} writes it in the shape of {@link Rows} (what every sink takes), {@link #fromRow} reads it back from
 * that shape.
 */
public record SessionRow(String userId, Instant sessionStart, Instant sessionEnd, long events, List<String> products,
    boolean converted, double revenue, Instant updatedAt) {
  public static final String USER_ID = "user_id";
  public static final String SESSION_START = "session_start";
  public static final String SESSION_END = "session_end";
  public static final String EVENTS = "events";
  public static final String PRODUCTS = "products";
  public static final String CONVERTED = "converted";
  public static final String REVENUE = "revenue";
  public static final String UPDATED_AT = "updated_at";

  public SessionRow {
    Objects.requireNonNull(userId, "userId");
    Objects.requireNonNull(sessionStart, "sessionStart");
    Objects.requireNonNull(sessionEnd, "sessionEnd");
    Objects.requireNonNull(updatedAt, "updatedAt");
    products = List.copyOf(products == null ? List.of() : products);
  }

  /**
   * The row in the shape of {@link Rows}: timestamps as RFC 3339 text, {@code events} a {@code Long},
   * {@code converted} a {@code Boolean}, {@code revenue} a {@code Double}, {@code products} a (mutable) list.
   */
  public Map<String, Object> toRow() {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put(USER_ID, userId);
    row.put(SESSION_START, sessionStart.toString());
    row.put(SESSION_END, sessionEnd.toString());
    row.put(EVENTS, events);
    row.put(PRODUCTS, new ArrayList<>(products));
    row.put(CONVERTED, converted);
    row.put(REVENUE, revenue);
    row.put(UPDATED_AT, updatedAt.toString());
    return row;
  }

  /** Reads a row of the shape {@link #toRow} writes; a missing required column is named in the error. */
  public static SessionRow fromRow(Map<String, ?> row) {
    List<String> products = new ArrayList<>();
    Object listed = row.get(PRODUCTS);
    if (listed != null) {
      for (Object o : (List<?>) listed) {
        products.add(String.valueOf(o));
      }
    }
    Object converted = UserActivityRow.required(row, CONVERTED);
    return new SessionRow(String.valueOf(UserActivityRow.required(row, USER_ID)),
        Instant.parse(String.valueOf(UserActivityRow.required(row, SESSION_START))),
        Instant.parse(String.valueOf(UserActivityRow.required(row, SESSION_END))),
        ItemNeighborRow.number(row, EVENTS).longValue(), products,
        converted instanceof Boolean b ? b : Boolean.parseBoolean(converted.toString()),
        ItemNeighborRow.number(row, REVENUE).doubleValue(),
        Instant.parse(String.valueOf(UserActivityRow.required(row, UPDATED_AT))));
  }
}
