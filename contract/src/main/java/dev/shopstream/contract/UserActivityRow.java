package dev.shopstream.contract;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A row of the {@code user_activity} table ({@code user-activity-v1.schema.json}): the one place its columns are
 * spelled. {@link #toRow} writes it in the shape of {@link Rows} (what every sink takes), {@link #fromRow} reads it
 * back from that shape.
 */
public record UserActivityRow(String userId, List<RecentItem> recentItems, List<String> purchased, Instant updatedAt) {
  public static final String USER_ID = "user_id";
  public static final String RECENT_ITEMS = "recent_items";
  public static final String PURCHASED = "purchased";
  public static final String UPDATED_AT = "updated_at";
  /** Fields of a {@link #RECENT_ITEMS} element. */
  public static final String PRODUCT_ID = "product_id";
  public static final String EVENT_TYPE = "event_type";
  public static final String EVENT_TIME = "event_time";

  /** One recent interaction, newest first in {@link #recentItems}. */
  public record RecentItem(String productId, String eventType, Instant eventTime) {
    public RecentItem {
      Objects.requireNonNull(productId, "productId");
      Objects.requireNonNull(eventType, "eventType");
      Objects.requireNonNull(eventTime, "eventTime");
    }
  }

  public UserActivityRow {
    Objects.requireNonNull(userId, "userId");
    Objects.requireNonNull(updatedAt, "updatedAt");
    recentItems = List.copyOf(recentItems == null ? List.of() : recentItems);
    purchased = List.copyOf(purchased == null ? List.of() : purchased);
  }

  /** The row in the shape of {@link Rows}: timestamps as RFC 3339 text, lists as lists, records as maps. */
  public Map<String, Object> toRow() {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put(USER_ID, userId);
    List<Map<String, Object>> recent = new ArrayList<>();
    for (RecentItem i : recentItems) {
      Map<String, Object> item = new LinkedHashMap<>();
      item.put(PRODUCT_ID, i.productId());
      item.put(EVENT_TYPE, i.eventType());
      item.put(EVENT_TIME, i.eventTime().toString());
      recent.add(item);
    }
    row.put(RECENT_ITEMS, recent);
    row.put(PURCHASED, purchased);
    row.put(UPDATED_AT, updatedAt.toString());
    return row;
  }

  /** Reads a row of the shape {@link #toRow} writes; a missing required column is named in the error. */
  public static UserActivityRow fromRow(Map<String, ?> row) {
    List<RecentItem> recent = new ArrayList<>();
    for (Object o : list(row.get(RECENT_ITEMS))) {
      Map<?, ?> item = (Map<?, ?>) o;
      recent.add(new RecentItem(String.valueOf(required(item, PRODUCT_ID)), String.valueOf(required(item, EVENT_TYPE)),
          Instant.parse(String.valueOf(required(item, EVENT_TIME)))));
    }
    List<String> purchased = new ArrayList<>();
    for (Object o : list(row.get(PURCHASED))) {
      purchased.add(String.valueOf(o));
    }
    return new UserActivityRow(String.valueOf(required(row, USER_ID)), recent, purchased,
        Instant.parse(String.valueOf(required(row, UPDATED_AT))));
  }

  static Object required(Map<?, ?> row, String column) {
    Object value = row.get(column);
    if (value == null) {
      throw new IllegalArgumentException(column + ": is required");
    }
    return value;
  }

  private static List<?> list(Object value) {
    return value == null ? List.of() : (List<?>) value;
  }
}
