package dev.shopstream.functions.recommend;

import dev.shopstream.functions.recommend.RecommendationStore.UserActivity;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per-user activity with a short TTL: a user's {@code user_activity} row (or its absence: an unknown user is
 * cached too, so a burst of requests for one makes one query) is reused for {@code ttl}, then read again. At most
 * {@code maxEntries} users: when full, expired entries are dropped first, and if that is not enough the cache is
 * emptied (simple, bounded, and the next requests refill it). A read that fails is not cached.
 */
final class UserActivityCache {
  private final RecommendationStore store;
  private final Duration ttl;
  private final int maxEntries;
  private final Clock clock;
  private final Map<String, Entry> entries = new ConcurrentHashMap<>();

  private record Entry(Optional<UserActivity> activity, Instant readAt) {}

  UserActivityCache(RecommendationStore store, Duration ttl, int maxEntries, Clock clock) {
    this.store = store;
    this.ttl = ttl;
    this.maxEntries = maxEntries;
    this.clock = clock;
  }

  /**
   * The user's activity, from the cache when read less than {@code ttl} ago.
   *
   * @throws StoreException when it had to be read and the warehouse cannot be read
   */
  Optional<UserActivity> get(String userId) {
    Instant now = clock.instant();
    Entry cached = entries.get(userId);
    if (cached != null && fresh(cached, now)) {
      return cached.activity();
    }
    Optional<UserActivity> activity = store.userActivity(userId);
    if (entries.size() >= maxEntries) {
      entries.values().removeIf(e -> !fresh(e, now));
      if (entries.size() >= maxEntries) {
        entries.clear();
      }
    }
    entries.put(userId, new Entry(activity, now));
    return activity;
  }

  int size() {
    return entries.size();
  }

  private boolean fresh(Entry e, Instant now) {
    return Duration.between(e.readAt(), now).compareTo(ttl) < 0;
  }
}
