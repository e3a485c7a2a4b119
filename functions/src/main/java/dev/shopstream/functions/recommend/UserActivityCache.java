package dev.shopstream.functions.recommend;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.shopstream.functions.recommend.RecommendConfig.UserChanges;
import dev.shopstream.functions.recommend.RecommendationStore.UserActivity;
import dev.shopstream.functions.recommend.RecommendationStore.UserChange;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Per-user activity: a user's {@code user_activity} row (or its absence: an unknown user is cached too, so a burst of
 * requests for one makes one query), reused while it is known to be current, read again otherwise.
 *
 * <p><b>Freshness bound.</b> A change to a user's row committed at time C is served from C + {@code ttl} at the
 * latest, exactly as with a plain TTL cache. A cached row is current when either
 *
 * <ul>
 *   <li>it was read less than {@code ttl} ago (the plain TTL), or
 *   <li>a poll of the changed users ({@link #pollChanges}, in the background every {@code poll}) that started less
 *       than {@code ttl} ago did not report the user: every change committed before that poll started was either
 *       in the row when it was read or reported by a poll, which drops the row. Only polls that began applying after
 *       the row was stored count (the second complete poll after it, so a poll racing with the store cannot vouch
 *       for a row it did not see), and never beyond {@code maxAge} after the read.
 * </ul>
 *
 * A failed poll vouches for nothing: rows then expire {@code ttl} after the last good poll or their read, as before.
 * Polls read the users whose {@code updated_at} is at least the newest one seen so far minus {@code lookback}
 * (at least three polls' worth; the first poll only finds the newest), so a change is reported by several polls in
 * a row, and still when its row becomes visible less than {@code lookback} after newer rows (the pipeline writes
 * {@code user_activity} with its processing time as {@code updated_at} and never deletes rows). A reported user
 * whose cached row has that same {@code updated_at} is kept (it is that row).
 *
 * <p>Storage and eviction are Caffeine's: at most {@code maxEntries} users, evicted by its W-TinyLFU policy when full
 * (users asked for often stay, one-off users go first), and a row is dropped {@code max(ttl, maxAge)} after its read
 * (no poll can vouch for it beyond that). The rules above decide only whether a stored row may be served. A poll
 * reporting {@code maxEntries} users or more empties the cache. A read that fails is not cached.
 */
final class UserActivityCache {
  private static final Logger LOG = Logger.getLogger(UserActivityCache.class.getName());

  private final RecommendationStore store;
  private final Duration ttl;
  private final UserChanges changes;
  private final Duration lookback;
  private final int maxEntries;
  private final Clock clock;
  private final Cache<String, Entry> entries;
  /** The last poll that completed: its number (1, 2, ...) and until when it vouches (its start + ttl). */
  private volatile Poll lastPoll = new Poll(0, Instant.MIN);
  /** The newest {@code updated_at} any poll has seen; null until one has seen a row. Poll thread only. */
  private Instant newestSeen;
  private String lastPollError;

  private record Poll(long number, Instant vouchesUntil) {}

  /** A cached row; {@code storedAfterPoll}: the number of the last completed poll, read once the row was stored. */
  private static final class Entry {
    final Optional<UserActivity> activity;
    final Instant freshUntil; // read + ttl
    final Instant readAgainAt; // read + maxAge
    volatile long storedAfterPoll = Long.MAX_VALUE;

    Entry(Optional<UserActivity> activity, Instant freshUntil, Instant readAgainAt) {
      this.activity = activity;
      this.freshUntil = freshUntil;
      this.readAgainAt = readAgainAt;
    }
  }

  UserActivityCache(RecommendationStore store, Duration ttl, int maxEntries, UserChanges changes, Clock clock) {
    this.store = store;
    this.ttl = ttl;
    this.maxEntries = maxEntries;
    this.changes = changes;
    Duration threePolls = changes.poll().multipliedBy(3);
    this.lookback = changes.lookback().compareTo(threePolls) < 0 ? threePolls : changes.lookback();
    this.clock = clock;
    Duration keep = ttl.compareTo(changes.maxAge()) > 0 ? ttl : changes.maxAge();
    this.entries = Caffeine.newBuilder()
        .maximumSize(maxEntries)
        .expireAfterWrite(keep)
        .ticker(() -> clock.millis() * 1_000_000L) // the injected clock ages entries, as it does everything else
        .executor(Runnable::run) // evict on the caller's thread: no pool of Caffeine's own
        .build();
  }

  /**
   * The user's activity, from the cache while it is current (see the class comment).
   *
   * @throws StoreException when it had to be read and the warehouse cannot be read
   */
  Optional<UserActivity> get(String userId) {
    Instant now = clock.instant();
    Entry cached = entries.getIfPresent(userId);
    if (cached != null && current(cached, now)) {
      return cached.activity;
    }
    Optional<UserActivity> activity = store.userActivity(userId);
    Entry entry = new Entry(activity, now.plus(ttl), now.plus(changes.maxAge()));
    entries.put(userId, entry);
    entry.storedAfterPoll = lastPoll.number(); // read after the put: see current()
    return activity;
  }

  /**
   * One poll of the users changed since the last one: drops their cached rows. Runs on the background scheduler
   * (never two at once) and in tests directly; false when the warehouse could not be read.
   */
  boolean pollChanges() {
    Instant startedAt = clock.instant();
    Instant since = newestSeen == null ? Instant.EPOCH : newestSeen.minus(lookback);
    int limit = newestSeen == null ? 1 : maxEntries; // the first poll only needs the newest row
    List<UserChange> changed;
    try {
      changed = store.userChanges(since, limit);
    } catch (StoreException e) {
      if (!Objects.equals(e.getMessage(), lastPollError)) {
        LOG.warning("polling user_activity for changed users failed; cached users expire after USER_CACHE_TTL: "
            + e.getMessage());
      }
      lastPollError = e.getMessage();
      return false;
    }
    if (changed.size() >= limit) {
      entries.invalidateAll(); // too many changes to tell apart (or the first poll): every user is read again
    } else {
      for (UserChange c : changed) {
        entries.asMap().computeIfPresent(c.userId(), (id, e) -> sameRow(e, c) ? e : null);
      }
    }
    for (UserChange c : changed) {
      if (c.updatedAt() != null && (newestSeen == null || c.updatedAt().isAfter(newestSeen))) {
        newestSeen = c.updatedAt();
      }
    }
    if (lastPollError != null) {
      LOG.info("polling user_activity for changed users works again");
      lastPollError = null;
    }
    lastPoll = new Poll(lastPoll.number() + 1, startedAt.plus(ttl));
    return true;
  }

  /** {@link #pollChanges} for the scheduler: never throws (a throwing task would never run again). */
  void pollChangesLogged() {
    try {
      pollChanges();
    } catch (RuntimeException e) {
      LOG.log(Level.SEVERE, "polling user_activity for changed users failed unexpectedly", e);
    }
  }

  /** Users cached now (after Caffeine's pending evictions). */
  int size() {
    entries.cleanUp();
    return (int) entries.estimatedSize();
  }

  private boolean current(Entry e, Instant now) {
    if (now.isBefore(e.freshUntil)) {
      return true;
    }
    if (!now.isBefore(e.readAgainAt)) {
      return false;
    }
    Poll poll = lastPoll;
    // poll number storedAfterPoll + 1 may have been applying its changes while the row was stored (and missed it);
    // the next one started applying after the row was in the map
    return poll.number() - 2 >= e.storedAfterPoll && now.isBefore(poll.vouchesUntil());
  }

  private static boolean sameRow(Entry e, UserChange c) {
    return e.activity.isPresent() && c.updatedAt() != null && c.updatedAt().equals(e.activity.get().updatedAt());
  }
}
