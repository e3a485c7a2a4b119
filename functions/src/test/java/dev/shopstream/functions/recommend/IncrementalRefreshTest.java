package dev.shopstream.functions.recommend;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shopstream.functions.http.AccessPolicy;
import dev.shopstream.functions.recommend.RecommendConfig.SnapshotReads;
import dev.shopstream.functions.recommend.RecommendationStore.NeighborRow;
import dev.shopstream.functions.recommend.RecommendationStore.TrendRow;
import dev.shopstream.model.ModelConfig;
import dev.shopstream.model.Neighbor;
import dev.shopstream.model.Signal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The snapshot after a sequence of incremental refreshes equals the snapshot of a full load of the same warehouse,
 * over random sequences of changes: neighbour lists rewritten (all rows of a list with one {@code updated_at}, some
 * of them committed one refresh later, some lists shrinking, some emptied), trend panes replaced, windows expiring
 * as event time moves on, rows becoming visible up to 20 s after their {@code updated_at} (the overlap is 60 s).
 */
class IncrementalRefreshTest {
  private static final Duration WINDOW = Duration.ofHours(1);
  private static final List<String> TYPES = List.of("view", "add_to_cart", "purchase", "search");
  private static final RecommendConfig CONFIG = RecommendConfig.defaults(AccessPolicy.open())
      .withTrendingWindow(WINDOW)
      .withSnapshotReads(new SnapshotReads(Duration.ofSeconds(60), Duration.ofHours(24)));

  /** A warehouse that answers the store's queries from rows in memory; rows become visible when committed. */
  static final class ChangingWarehouse implements RecommendationStore {
    private record NeighborKey(String productId, Signal signal, String neighborId) {}

    private record TrendKey(String productId, String eventType, Instant windowStart) {}

    final Map<NeighborKey, NeighborRow> neighborTable = new LinkedHashMap<>();
    final Map<TrendKey, TrendRow> trendTable = new LinkedHashMap<>();

    /** An upsert whose change sequence number is updated_at (as the BigQuery sink writes): older never wins. */
    void commit(NeighborRow row) {
      neighborTable.merge(new NeighborKey(row.productId(), row.neighbor().signal(), row.neighbor().productId()), row,
          (held, next) -> next.updatedAt().isBefore(held.updatedAt()) ? held : next);
    }

    void commit(TrendRow row) {
      trendTable.merge(new TrendKey(row.productId(), row.eventType(), row.windowStart()), row,
          (held, next) -> next.updatedAt().isBefore(held.updatedAt()) ? held : next);
    }

    /** Per product and signal, the rows with the newest updated_at among {@code rows}. */
    private static List<NeighborRow> newestLists(List<NeighborRow> rows, int maxRows) {
      Map<String, Instant> newest = new HashMap<>();
      for (NeighborRow r : rows) {
        newest.merge(r.productId() + "/" + r.neighbor().signal(), r.updatedAt(),
            (a, b) -> a.isAfter(b) ? a : b);
      }
      return rows.stream().filter(r -> r.updatedAt().equals(newest.get(r.productId() + "/" + r.neighbor().signal())))
          .sorted(Comparator.comparing(NeighborRow::productId).thenComparing(r -> r.neighbor().signal())
              .thenComparingInt(r -> r.neighbor().rank()).thenComparing(r -> r.neighbor().productId()))
          .limit(maxRows).toList();
    }

    @Override
    public List<NeighborRow> neighbors(int maxRows) {
      return newestLists(new ArrayList<>(neighborTable.values()), maxRows);
    }

    @Override
    public List<NeighborRow> neighborsChangedSince(Instant since, int maxRows) {
      return newestLists(neighborTable.values().stream().filter(r -> !r.updatedAt().isBefore(since)).toList(),
          maxRows);
    }

    @Override
    public List<TrendRow> trendRowsChangedSince(Instant since, Duration window, int maxRows) {
      List<TrendRow> changed = trendTable.values().stream().filter(r -> !r.updatedAt().isBefore(since)).toList();
      Optional<Instant> newest = changed.stream().map(TrendRow::windowEnd).max(Comparator.naturalOrder());
      if (newest.isEmpty()) {
        return List.of();
      }
      return changed.stream().filter(r -> r.windowEnd().isAfter(newest.get().minus(window))).limit(maxRows).toList();
    }

    @Override
    public Trends trends(Duration window, ModelConfig weights, int maxRows) {
      throw new UnsupportedOperationException("the refresher reads trend rows");
    }

    /** The popularity prior's answer, and each read's as-of instant and window. */
    List<TrendScore> popular = List.of();
    final List<Instant> popularityReads = new ArrayList<>();
    final List<Duration> popularityWindows = new ArrayList<>();

    @Override
    public List<TrendScore> popularity(Instant asOf, Duration window, ModelConfig weights, int maxRows) {
      popularityReads.add(asOf);
      popularityWindows.add(window);
      return popular;
    }

    @Override
    public List<CatalogEntry> catalog(int maxRows) {
      return List.of(new CatalogEntry("p1", "P1", "home", true), new CatalogEntry("p2", "P2", "garden", false));
    }

    @Override
    public Optional<UserActivity> userActivity(String userId) {
      return Optional.empty();
    }

    @Override
    public List<UserChange> userChanges(Instant since, int maxRows) {
      return List.of();
    }
  }

  @Test
  void incrementalRefreshesGiveTheSnapshotOfAFullLoad() {
    for (long seed = 1; seed <= 40; seed++) {
      Random random = new Random(seed);
      ChangingWarehouse warehouse = new ChangingWarehouse();
      TestClock clock = new TestClock(Instant.parse("2026-12-01T10:00:00Z"));
      SnapshotRefresher incremental = new SnapshotRefresher(warehouse, CONFIG, clock, null);
      List<NeighborRow> pendingNeighbors = new ArrayList<>();
      List<TrendRow> pendingTrends = new ArrayList<>();
      Instant eventTime = clock.instant();
      for (int step = 0; step < 30; step++) {
        pendingNeighbors.forEach(r -> warehouse.commit(r)); // the rest of lists committed apart
        pendingTrends.forEach(r -> warehouse.commit(r));
        pendingNeighbors.clear();
        pendingTrends.clear();
        write(random, warehouse, clock.instant(), eventTime, pendingNeighbors, pendingTrends);

        assertThat(incremental.refresh()).isTrue();
        SnapshotRefresher full = new SnapshotRefresher(warehouse, CONFIG, clock, null);
        assertThat(full.refresh()).isTrue();
        assertThat(full.lastLoad().full()).isTrue();
        assertThat(incremental.lastLoad().full()).as("seed %d step %d", seed, step).isEqualTo(step == 0);
        assertSameSnapshot(incremental.current().orElseThrow().snapshot(), full.current().orElseThrow().snapshot(),
            "seed " + seed + " step " + step);
        clock.advance(Duration.ofSeconds(5));
        eventTime = eventTime.plus(Duration.ofMinutes(random.nextInt(10)));
      }
    }
  }

  @Test
  void aRefreshReadsOnlyTheRowsChangedSinceTheLastAndAFullLoadComesEveryFullReload() {
    ChangingWarehouse warehouse = new ChangingWarehouse();
    TestClock clock = new TestClock(Instant.parse("2026-12-01T10:00:00Z"));
    for (int p = 0; p < 100; p++) {
      for (int rank = 1; rank <= 5; rank++) {
        warehouse.commit(new NeighborRow("p" + p, new Neighbor("n" + rank, Signal.CO_VIEW, 1.0 / rank, rank, 1),
            clock.instant().minusSeconds(600)));
      }
    }
    RecommendConfig config = CONFIG.withSnapshotReads(new SnapshotReads(Duration.ofSeconds(60),
        Duration.ofMinutes(10)));
    SnapshotRefresher refresher = new SnapshotRefresher(warehouse, config, clock, null);
    assertThat(refresher.refresh()).isTrue();
    assertThat(refresher.lastLoad()).isEqualTo(new SnapshotRefresher.Load(true, null, 500, 0));

    clock.advance(Duration.ofMinutes(2)); // more than the overlap: the first load's rows are not read again
    for (int rank = 1; rank <= 3; rank++) {
      warehouse.commit(new NeighborRow("p7", new Neighbor("m" + rank, Signal.CO_VIEW, 1.0 / rank, rank, 1),
          clock.instant().minusSeconds(1)));
    }
    assertThat(refresher.refresh()).isTrue();
    assertThat(refresher.lastLoad()).isEqualTo(new SnapshotRefresher.Load(false,
        Instant.parse("2026-12-01T09:59:00Z"), 3, 0)); // the previous load's start minus the overlap
    assertThat(refresher.current().orElseThrow().snapshot().recommender().neighbors("p7", 10, Signal.CO_VIEW))
        .extracting(Neighbor::productId).containsExactly("m1", "m2", "m3");
    assertThat(refresher.current().orElseThrow().snapshot().neighborRows()).isEqualTo(498);

    clock.advance(Duration.ofMinutes(8)); // ten minutes after the full load
    warehouse.neighborTable.clear(); // a table emptied by hand: only a full load can tell
    assertThat(refresher.refresh()).isTrue();
    assertThat(refresher.lastLoad().full()).isTrue();
    assertThat(refresher.current().orElseThrow().snapshot().neighborRows()).isZero();
  }

  @Test
  void thePopularityPriorIsReadAtFullLoadsOnlyAsOfTheNewestTrendWindowAndBlendsOnlyAvailableProducts() {
    ChangingWarehouse warehouse = new ChangingWarehouse();
    TestClock clock = new TestClock(Instant.parse("2026-12-01T10:00:00Z"));
    Instant windowEnd = Instant.parse("2026-12-01T09:55:00Z");
    warehouse.commit(new TrendRow("p1", "view", windowEnd.minus(WINDOW), windowEnd, 3, clock.instant()));
    warehouse.popular = List.of(new RecommendationStore.TrendScore("p2", 9, 9),
        new RecommendationStore.TrendScore("p1", 5, 5), new RecommendationStore.TrendScore("p3", 2, 2));
    RecommendConfig config = CONFIG.withModel(CONFIG.model().toBuilder().popularityWeight(0.1)
        .popularityWindow(Duration.ofDays(90)).build())
        .withSnapshotReads(new SnapshotReads(Duration.ofSeconds(60), Duration.ofMinutes(10)));
    SnapshotRefresher refresher = new SnapshotRefresher(warehouse, config, clock, null);

    assertThat(refresher.refresh()).isTrue();
    assertThat(warehouse.popularityReads).containsExactly(windowEnd);
    assertThat(warehouse.popularityWindows).containsExactly(Duration.ofDays(90));
    // p2 is unavailable in the catalog: never recommended, so the prior scales by p1, the best available product
    assertThat(refresher.current().orElseThrow().snapshot().popularBlend().ranked())
        .extracting(r -> r.productId()).containsExactly("p1", "p3");

    clock.advance(Duration.ofMinutes(2));
    warehouse.popular = List.of(new RecommendationStore.TrendScore("p3", 7, 7));
    assertThat(refresher.refresh()).isTrue();
    assertThat(refresher.lastLoad().full()).isFalse();
    assertThat(warehouse.popularityReads).as("an incremental load keeps the prior").hasSize(1);
    assertThat(refresher.current().orElseThrow().snapshot().popularBlend().ranked())
        .extracting(r -> r.productId()).containsExactly("p1", "p3");

    clock.advance(Duration.ofMinutes(8));
    assertThat(refresher.refresh()).isTrue();
    assertThat(refresher.lastLoad().full()).isTrue();
    assertThat(warehouse.popularityReads).hasSize(2);
    assertThat(refresher.current().orElseThrow().snapshot().popularBlend().ranked())
        .extracting(r -> r.productId()).containsExactly("p3");

    SnapshotRefresher withoutPrior = new SnapshotRefresher(warehouse,
        CONFIG.withModel(CONFIG.model().toBuilder().popularityWeight(0).build()), clock, null);
    assertThat(withoutPrior.refresh()).isTrue();
    assertThat(warehouse.popularityReads).as("weight 0: no query").hasSize(2);
    assertThat(withoutPrior.current().orElseThrow().snapshot().popularBlend().isEmpty()).isTrue();
  }

  /**
   * A few lists rewritten (each with one updated_at = the writer's clock, lagging the reader's by up to 20 s; some
   * rows committed at the next step), a few trend panes written or replaced.
   */
  private static void write(Random random, ChangingWarehouse warehouse, Instant now, Instant eventTime,
      List<NeighborRow> pendingNeighbors, List<TrendRow> pendingTrends) {
    int lists = random.nextInt(5);
    for (int l = 0; l < lists; l++) {
      String product = "p" + random.nextInt(15);
      Instant stamped = now.minusSeconds(random.nextInt(21));
      for (Signal signal : Signal.values()) {
        if (random.nextInt(3) == 0) {
          continue; // this signal's list is not rewritten (empty now: the writer emits no rows for it)
        }
        int size = random.nextInt(6);
        for (int rank = 1; rank <= size; rank++) {
          String neighbor = "p" + random.nextInt(15);
          NeighborRow row = new NeighborRow(product,
              new Neighbor(neighbor, signal, random.nextInt(100) / 100.0, rank, random.nextInt(50)), stamped);
          if (random.nextInt(4) == 0) {
            pendingNeighbors.add(row);
          } else {
            warehouse.commit(row);
          }
        }
      }
    }
    int panes = random.nextInt(6);
    for (int t = 0; t < panes; t++) {
      Instant start = eventTime.minus(Duration.ofMinutes(5L * random.nextInt(18)));
      TrendRow row = new TrendRow("p" + random.nextInt(15), TYPES.get(random.nextInt(TYPES.size())), start,
          start.plus(Duration.ofHours(1)), 1 + random.nextInt(20), now.minusSeconds(random.nextInt(21)));
      if (random.nextInt(4) == 0) {
        pendingTrends.add(row);
      } else {
        warehouse.commit(row);
      }
    }
  }

  private static void assertSameSnapshot(Snapshot incremental, Snapshot full, String what) {
    for (int p = 0; p < 15; p++) {
      for (Signal signal : Signal.values()) {
        assertThat(incremental.recommender().neighbors("p" + p, 100, signal)).as("%s: p%d %s", what, p, signal)
            .isEqualTo(full.recommender().neighbors("p" + p, 100, signal));
      }
    }
    assertThat(incremental.neighborRows()).as(what).isEqualTo(full.neighborRows());
    assertThat(incremental.trending()).as(what).isEqualTo(full.trending());
    assertThat(incremental.trendingByCategory()).as(what).isEqualTo(full.trendingByCategory());
    assertThat(incremental.asOf()).as(what).isEqualTo(full.asOf());
  }
}
