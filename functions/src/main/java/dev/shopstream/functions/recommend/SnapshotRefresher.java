package dev.shopstream.functions.recommend;

import dev.shopstream.functions.recommend.RecommendationStore.CatalogEntry;
import dev.shopstream.functions.recommend.RecommendationStore.NeighborRow;
import dev.shopstream.functions.recommend.RecommendationStore.Trends;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Keeps the current {@link Snapshot}: {@link #start} schedules {@link #refresh} on the injected scheduler (at once,
 * then {@code snapshotRefresh} after each end), each refresh reads the three bulk tables and swaps the new
 * snapshot in whole. Requests call {@link #current}, which never waits: it returns the last snapshot that loaded.
 *
 * <p>A failed refresh keeps the previous snapshot; it is then served {@linkplain View#stale stale}, as is a
 * snapshot older than {@code staleAfter} (refreshes stuck or slow). Nothing ever loaded: {@link #current} is
 * empty and the function answers 503.
 */
final class SnapshotRefresher implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(SnapshotRefresher.class.getName());

  private final RecommendationStore store;
  private final RecommendConfig config;
  private final Clock clock;
  private final ScheduledExecutorService scheduler;
  private final CountDownLatch firstLoad = new CountDownLatch(1);
  private volatile Snapshot snapshot;
  private volatile Instant lastFailure;
  private volatile String lastError;

  /** What a request serves: the snapshot and whether it is stale. */
  record View(Snapshot snapshot, boolean stale) {}

  SnapshotRefresher(RecommendationStore store, RecommendConfig config, Clock clock,
      ScheduledExecutorService scheduler) {
    this.store = store;
    this.config = config;
    this.clock = clock;
    this.scheduler = scheduler;
  }

  /** Schedules the refreshes: the first now, then one {@code snapshotRefresh} after each. */
  void start() {
    scheduler.scheduleWithFixedDelay(this::refreshLogged, 0, config.snapshotRefresh().toMillis(),
        TimeUnit.MILLISECONDS);
  }

  /** Waits up to {@code timeout} for the first snapshot; true when one is loaded. */
  boolean awaitFirstLoad(Duration timeout) throws InterruptedException {
    return firstLoad.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * Reads the warehouse and swaps in the new snapshot; on failure keeps the old one and returns false.
   * Runs on the scheduler's thread (and in tests, directly).
   */
  boolean refresh() {
    Instant started = clock.instant();
    try {
      int max = config.snapshotMaxRows();
      List<NeighborRow> neighbors = store.neighbors(max);
      Trends trends = store.trends(config.trendingWindow(), config.model(), max);
      List<CatalogEntry> catalog = store.catalog(max);
      warnIfTruncated("item_neighbors", neighbors.size(), max);
      warnIfTruncated("product_trends", trends.products().size(), max);
      warnIfTruncated("products", catalog.size(), max);
      Snapshot next = Snapshot.build(config.model(), neighbors, trends, catalog, started);
      boolean first = snapshot == null;
      snapshot = next;
      firstLoad.countDown();
      Level level = first || lastError != null ? Level.INFO : Level.FINE;
      lastError = null;
      LOG.log(level, () -> "snapshot loaded: " + neighbors.size() + " neighbour rows, " + trends.products().size()
          + " trending products, " + catalog.size() + " catalog products, as_of " + next.asOf() + ", in "
          + Duration.between(started, clock.instant()).toMillis() + " ms");
      return true;
    } catch (StoreException e) {
      lastFailure = started;
      if (!e.getMessage().equals(lastError)) { // log each new problem once, not every interval
        LOG.warning("snapshot refresh failed, serving the "
            + (snapshot == null ? "nothing (503)" : "snapshot of " + snapshot.loadedAt() + " as stale") + ": "
            + e.getMessage());
      }
      lastError = e.getMessage();
      return false;
    }
  }

  /** The snapshot to serve now, never waiting; empty until the first load. */
  Optional<View> current() {
    Snapshot s = snapshot;
    if (s == null) {
      return Optional.empty();
    }
    Instant failure = lastFailure;
    boolean failedSince = failure != null && failure.isAfter(s.loadedAt());
    boolean old = Duration.between(s.loadedAt(), clock.instant()).compareTo(config.staleAfter()) > 0;
    return Optional.of(new View(s, failedSince || old));
  }

  private void refreshLogged() {
    try {
      refresh();
    } catch (RuntimeException e) { // never let the scheduled task die
      LOG.log(Level.SEVERE, "snapshot refresh failed unexpectedly", e);
    }
  }

  private static void warnIfTruncated(String table, int rows, int max) {
    if (rows >= max) {
      LOG.warning(table + ": read the limit of " + max + " rows (SNAPSHOT_MAX_ROWS); the snapshot is truncated");
    }
  }

  @Override
  public void close() {
    scheduler.shutdownNow();
  }
}
