package dev.shopstream.functions.recommend;

import dev.shopstream.contract.EventType;
import dev.shopstream.functions.recommend.RecommendationStore.UserActivity;
import dev.shopstream.model.Interaction;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Assembles a {@link UserActivity} from flat parts, in order: one {@code user} part (its {@code updated_at}; none
 * for an unknown user), then {@code recent} and {@code purchased} parts by position (BigQuery's user query returns
 * exactly these rows; the DuckDB store of module functions-duckdb feeds it the elements of the row's lists). A recent item whose
 * {@code event_type} is not a contract type is skipped (never fails the request).
 */
public final class UserActivityRows {
  /** The kinds of part: BigQuery's user query spells them too, and ORDER BY kind DESC puts them in this order. */
  public static final String USER = "user";
  public static final String RECENT = "recent";
  public static final String PURCHASED = "purchased"; // not a contract name: a part's kind, not the column

  private final String userId;
  private boolean found;
  private Instant updatedAt;
  private final List<Interaction> recent = new ArrayList<>();
  private final List<String> purchased = new ArrayList<>();

  public UserActivityRows(String userId) {
    this.userId = userId;
  }

  public void add(String kind, String productId, String eventType, Instant eventTime, Instant rowUpdatedAt) {
    switch (kind) {
      case USER -> {
        found = true;
        updatedAt = rowUpdatedAt;
      }
      case PURCHASED -> {
        if (productId != null) {
          purchased.add(productId);
        }
      }
      case RECENT -> {
        if (productId != null && eventType != null && eventTime != null) {
          EventType type = parseType(eventType);
          if (type != null) {
            recent.add(new Interaction(productId, type, eventTime));
          }
        }
      }
      default -> throw new IllegalStateException("unexpected row kind " + kind);
    }
  }

  public Optional<UserActivity> result() {
    return found ? Optional.of(new UserActivity(userId, recent, purchased, updatedAt)) : Optional.empty();
  }

  private static EventType parseType(String wireName) {
    try {
      return EventType.fromWireName(wireName);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}
