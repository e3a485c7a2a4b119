package dev.shopstream.pipeline.recommender;

import dev.shopstream.model.UserHistory;
import java.util.Objects;

/**
 * What {@link ItemToItemModel} keeps per user, in one state value (one read and one write per event): the
 * {@link UserHistory}, the newest event time or element timestamp seen (millis: the base of the expiry), and the
 * time of the expiry timer that is set, if any. Mutable, like the history; coded by
 * {@link ModelStateCoders.UserStateCoder}.
 */
final class UserState {
  /** {@link #lastSeen} and {@link #expiryTimer} before anything was seen or set. */
  static final long NONE = Long.MIN_VALUE;

  private final UserHistory history;
  private long lastSeen;
  private long expiryTimer;

  UserState(UserHistory history, long lastSeen, long expiryTimer) {
    this.history = Objects.requireNonNull(history, "history");
    this.lastSeen = lastSeen;
    this.expiryTimer = expiryTimer;
  }

  static UserState empty() {
    return new UserState(new UserHistory(), NONE, NONE);
  }

  UserHistory history() {
    return history;
  }

  /** Newest event time or element timestamp seen (epoch millis), {@link #NONE} before the first. */
  long lastSeen() {
    return lastSeen;
  }

  /** Raises {@link #lastSeen} to at least {@code millis}; returns the new value. */
  long see(long millis) {
    lastSeen = Math.max(lastSeen, millis);
    return lastSeen;
  }

  /** Firing time (epoch millis) of the expiry timer that is set, {@link #NONE} when none is. */
  long expiryTimer() {
    return expiryTimer;
  }

  void expiryTimer(long millis) {
    expiryTimer = millis;
  }
}
