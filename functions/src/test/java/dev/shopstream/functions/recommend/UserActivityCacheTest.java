package dev.shopstream.functions.recommend;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shopstream.contract.EventType;
import dev.shopstream.functions.recommend.RecommendConfig.UserChanges;
import dev.shopstream.functions.recommend.RecommendationStore.UserActivity;
import dev.shopstream.functions.recommend.RecommendationStore.UserChange;
import dev.shopstream.model.Interaction;
import dev.shopstream.model.ModelConfig;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The freshness bound of the user cache with polls of changed users: a change committed at C is served from C + TTL
 * at the latest, whether polls run, fail or race with a read; unchanged users stay cached while polls succeed.
 * An in-memory {@code user_activity} table whose rows carry the test clock's time as {@code updated_at}.
 */
class UserActivityCacheTest {
  private static final Duration TTL = Duration.ofSeconds(10);
  private static final Instant T0 = Instant.parse("2026-11-20T12:00:00Z");

  private final TestClock clock = new TestClock(T0);
  private final MemoryStore store = new MemoryStore();
  private final UserActivityCache cache = new UserActivityCache(store, TTL, 100,
      new UserChanges(Duration.ofSeconds(5), Duration.ofSeconds(30), Duration.ofMinutes(5)), clock);

  /** user_activity in memory; {@link #duringRead} runs inside a read, after the row was taken. */
  static final class MemoryStore implements RecommendationStore {
    final Map<String, UserActivity> rows = new ConcurrentHashMap<>();
    final AtomicInteger reads = new AtomicInteger();
    volatile boolean pollsFail;
    volatile Runnable duringRead;

    void write(String user, String product, Instant at) {
      rows.put(user, new UserActivity(user, List.of(new Interaction(product, EventType.VIEW, at)), List.of(), at));
    }

    @Override
    public Optional<UserActivity> userActivity(String userId) {
      reads.incrementAndGet();
      Optional<UserActivity> row = Optional.ofNullable(rows.get(userId));
      Runnable hook = duringRead;
      if (hook != null) {
        duringRead = null;
        hook.run();
      }
      return row;
    }

    @Override
    public List<UserChange> userChanges(Instant since, int maxRows) {
      if (pollsFail) {
        throw new StoreException("warehouse down (test)", null);
      }
      return rows.values().stream().filter(r -> !r.updatedAt().isBefore(since))
          .sorted(Comparator.comparing(UserActivity::updatedAt).reversed())
          .limit(maxRows).map(r -> new UserChange(r.userId(), r.updatedAt())).toList();
    }

    @Override
    public List<NeighborRow> neighbors(int maxRows) {
      throw new UnsupportedOperationException();
    }

    @Override
    public List<TrendRow> trendRowsChangedSince(Instant since, Duration window, int maxRows) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Trends trends(Duration window, ModelConfig weights, int maxRows) {
      throw new UnsupportedOperationException();
    }

    @Override
    public List<TrendScore> popularity(Instant asOf, Duration window, ModelConfig weights, int maxRows) {
      throw new UnsupportedOperationException();
    }

    @Override
    public List<CatalogEntry> catalog(int maxRows) {
      throw new UnsupportedOperationException();
    }
  }

  private String product(String user) {
    return cache.get(user).map(a -> a.recentItems().get(0).productId()).orElse("unknown");
  }

  private void at(int second) {
    clock.advance(Duration.between(clock.instant(), T0.plusSeconds(second)));
  }

  /** Polls every 5 s from {@code from} to {@code to} (inclusive), as the scheduler does. */
  private void pollEvery5s(int from, int to) {
    for (int s = from; s <= to; s += 5) {
      at(s);
      assertThat(cache.pollChanges()).isTrue();
    }
  }

  /**
   * At the size bound one-off users are evicted, not everything: a user asked for on every request stays cached
   * while 1,000 others pass through a cache of 50 (before Caffeine a full cache was emptied, and every user was read
   * again).
   */
  @Test
  void atTheSizeBoundOneOffUsersAreEvictedAndAFrequentUserStays() {
    UserActivityCache small = new UserActivityCache(store, TTL, 50,
        new UserChanges(Duration.ofSeconds(5), Duration.ofSeconds(30), Duration.ofMinutes(5)), clock);
    store.write("regular", "tea-02", T0);
    for (int i = 0; i < 1000; i++) {
      store.write("once-" + i, "pot-03", T0);
    }
    for (int i = 0; i < 1000; i++) {
      assertThat(small.get("regular")).isPresent();
      assertThat(small.get("once-" + i)).isPresent();
      assertThat(small.size()).isLessThanOrEqualTo(50);
    }

    assertThat(store.reads).as("regular read once, each one-off user once").hasValue(1001);
    assertThat(small.size()).isEqualTo(50);
  }

  @Test
  void unchangedUsersStayCachedBeyondTheTtlWhilePollsSucceed() {
    store.write("alice", "tea-02", T0.minusSeconds(3600));
    store.write("bob", "pot-03", T0.minusSeconds(3600));
    pollEvery5s(0, 0);
    assertThat(product("alice")).isEqualTo("tea-02");
    assertThat(product("bob")).isEqualTo("pot-03");
    assertThat(product("nobody")).isEqualTo("unknown");

    pollEvery5s(5, 60);

    assertThat(List.of(product("alice"), product("bob"), product("nobody"))).containsExactly("tea-02", "pot-03",
        "unknown");
    assertThat(store.reads).hasValue(3);
  }

  @Test
  void aChangeIsServedAsSoonAsAPollReportsIt() {
    store.write("alice", "tea-02", T0.minusSeconds(3600));
    store.write("bob", "pot-03", T0.minusSeconds(3600));
    pollEvery5s(0, 0);
    product("alice");
    product("bob");
    product("carol");
    pollEvery5s(5, 20);

    at(21);
    store.write("alice", "mug-01", clock.instant());
    store.write("carol", "mug-02", clock.instant()); // an unknown user who now has a row
    assertThat(product("alice")).as("until the next poll the cached row may be served").isEqualTo("tea-02");
    pollEvery5s(25, 25);

    assertThat(product("alice")).isEqualTo("mug-01");
    assertThat(product("carol")).isEqualTo("mug-02");
    assertThat(product("bob")).isEqualTo("pot-03");
    assertThat(store.reads).hasValue(5); // alice, bob, carol, then alice and carol again: bob stayed cached
  }

  @Test
  void withoutPollsTheTtlAloneBoundsFreshnessAsBefore() {
    store.write("alice", "tea-02", T0.minusSeconds(3600));
    pollEvery5s(0, 15);
    product("alice"); // read at 15
    store.pollsFail = true;
    at(17);
    store.write("alice", "mug-01", clock.instant()); // committed at 17: served from 27 at the latest
    at(20);
    assertThat(cache.pollChanges()).isFalse();

    at(24);
    assertThat(product("alice")).as("the last good poll (15) vouches until 25").isEqualTo("tea-02");
    at(25);
    assertThat(product("alice")).isEqualTo("mug-01");
  }

  @Test
  void aPollRacingWithAReadDoesNotVouchForTheRowItDidNotSee() {
    store.write("alice", "tea-02", T0.minusSeconds(3600));
    pollEvery5s(0, 0);
    at(1);
    store.duringRead = () -> { // alice's old row is read at 1; her new row commits at 2; a poll runs at 4
      at(2);
      store.write("alice", "mug-01", clock.instant());
      at(4);
      assertThat(cache.pollChanges()).isTrue(); // reports alice, whose row is not in the cache yet
    };
    assertThat(product("alice")).isEqualTo("tea-02");

    at(10);
    assertThat(product("alice")).as("read 9 s ago: still within the TTL").isEqualTo("tea-02");
    at(12); // the change committed at 2 must be served from 12; the poll of 4 must not vouch for the old row
    assertThat(product("alice")).isEqualTo("mug-01");
  }

  @Test
  void aRowIsReadAgainAfterTheMaxAgeEvenWithoutChanges() {
    store.write("alice", "tea-02", T0.minusSeconds(3600));
    pollEvery5s(0, 0);
    product("alice");
    pollEvery5s(5, 295);
    product("alice");
    assertThat(store.reads).hasValue(1);

    pollEvery5s(300, 300);
    product("alice");

    assertThat(store.reads).hasValue(2);
  }
}
