package dev.shopstream.functions.recommend;

import dev.shopstream.contract.ItemFactorRow;
import dev.shopstream.contract.TableSchemas;
import dev.shopstream.functions.recommend.RecommendationStore.CatalogEntry;
import dev.shopstream.functions.recommend.RecommendationStore.NeighborRow;
import dev.shopstream.functions.recommend.RecommendationStore.TrendRow;
import dev.shopstream.functions.recommend.RecommendationStore.TrendScore;
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
 * <p><b>Incremental reads.</b> The first refresh, and then one every {@code SNAPSHOT_FULL_RELOAD}, is a full load:
 * every current neighbour list and every trend row in the trending window. The refreshes between read only the
 * {@code item_neighbors}, {@code product_trends} and {@code item_factors} rows with {@code updated_at >= since} and
 * merge them into the rows kept from before ({@link SnapshotRows}, {@link FactorRows}), which gives the snapshot a
 * full load would. The learned factors' scorer is built again only when factor rows changed. {@code since} is the start
 * of the last successful load (this function's clock) minus {@code SNAPSHOT_CHANGES_OVERLAP}: a row the pipeline
 * stamped before the last load started but that became visible only after it (the sink's commit latency: the Storage
 * Write API's triggering frequency, a DuckDB batch; plus the difference between the pipeline's and this function's
 * clocks) is still read, as long as that is below the overlap. A row that took longer (a bundle retried for minutes)
 * is read by the next full load at the latest: that bounds the drift. A changed read that reaches
 * {@code SNAPSHOT_MAX_ROWS} is replaced by a full load at once. The catalog is read whole each refresh. The
 * popularity prior (when its weight is above 0) is read at full loads only and kept between them: a year's
 * popularity barely moves in {@code SNAPSHOT_FULL_RELOAD}, and its query scans that year of {@code events}.
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
  /** Refresh thread only: the rows kept between loads, and when and how far the last load read. */
  private final SnapshotRows rows = new SnapshotRows();
  private final FactorRows factorRows = new FactorRows();
  private List<TrendScore> popularity = List.of();
  private Instant lastLoadStarted;
  private Instant lastFullLoad;
  private volatile Load lastLoad;

  /** What one successful refresh read: whether it was full, and the neighbour, trend and factor rows it read. */
  record Load(boolean full, Instant since, int neighborRowsRead, int trendRowsRead, int factorRowsRead) {
    Load(boolean full, Instant since, int neighborRowsRead, int trendRowsRead) {
      this(full, since, neighborRowsRead, trendRowsRead, 0);
    }
  }

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

  /**
   * The popularity prior's scores as of the newest trend window among {@code trendRows} (a full load's), over the
   * model's {@code popularityWindow}; none when the prior's weight is 0 or there is no trend window yet.
   */
  private List<TrendScore> readPopularity(List<TrendRow> trendRows, int max) {
    if (config.model().popularityWeight() <= 0) {
      return List.of();
    }
    Instant asOf = null;
    for (TrendRow t : trendRows) {
      asOf = asOf == null || t.windowEnd().isAfter(asOf) ? t.windowEnd() : asOf;
    }
    if (asOf == null) {
      return List.of();
    }
    List<TrendScore> read = store.popularity(asOf, config.model().popularityWindow(), config.model(), max);
    warnIfTruncated("events (popularity)", read.size(), max);
    return read;
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
      Duration window = config.trendingWindow();
      Instant since = incrementalSince(started);
      List<NeighborRow> neighbors = null;
      List<TrendRow> trendRows = null;
      List<ItemFactorRow> factors = null;
      if (since != null) {
        neighbors = store.neighborsChangedSince(since, max);
        trendRows = neighbors.size() >= max ? null : store.trendRowsChangedSince(since, window, max);
        factors = trendRows == null || trendRows.size() >= max ? null : store.factorsChangedSince(since, max);
        if (factors == null || factors.size() >= max) {
          LOG.info("a read of changed rows reached SNAPSHOT_MAX_ROWS (" + max + "): loading in full instead");
          since = null;
        }
      }
      List<TrendScore> popular = popularity;
      if (since == null) {
        neighbors = store.neighbors(max);
        trendRows = store.trendRowsChangedSince(Instant.EPOCH, window, max);
        factors = store.factors(max);
        warnIfTruncated(TableSchemas.ITEM_NEIGHBORS, neighbors.size(), max);
        warnIfTruncated(TableSchemas.PRODUCT_TRENDS, trendRows.size(), max);
        warnIfTruncated(TableSchemas.ITEM_FACTORS, factors.size(), max);
        popular = readPopularity(trendRows, max);
      }
      List<CatalogEntry> catalog = store.catalog(max);
      warnIfTruncated(TableSchemas.PRODUCTS, catalog.size(), max);
      // every read succeeded: only now is anything kept
      if (since == null) {
        popularity = popular;
        rows.replaceNeighbors(neighbors);
        rows.replaceTrends(trendRows, window);
        factorRows.replace(factors);
        lastFullLoad = started;
      } else {
        rows.mergeNeighbors(neighbors);
        rows.mergeTrends(trendRows, window);
        factorRows.merge(factors);
        // the lists kept outgrew the bound
        warnIfTruncated(TableSchemas.ITEM_NEIGHBORS, rows.neighborRowCount(), max);
        warnIfTruncated(TableSchemas.ITEM_FACTORS, factorRows.count(), max);
      }
      lastLoadStarted = started;
      List<NeighborRow> current = rows.neighborRows(max);
      Trends trends = rows.trends(config.model(), max);
      Snapshot next = Snapshot.build(config.model(), current, trends, popularity, catalog, started,
          factorRows.model());
      boolean first = snapshot == null;
      snapshot = next;
      Load load = new Load(since == null, since, neighbors.size(), trendRows.size(), factors.size());
      lastLoad = load;
      firstLoad.countDown();
      Level level = first || lastError != null ? Level.INFO : Level.FINE;
      lastError = null;
      LOG.log(level, () -> "snapshot loaded (" + (load.full() ? "full" : "changes since " + load.since()) + ": read "
          + load.neighborRowsRead() + " neighbour rows, " + load.trendRowsRead() + " trend rows, "
          + load.factorRowsRead() + " factor rows): " + current.size() + " neighbour rows, "
          + (next.factors() == null ? "no" : next.factors().items() + " (model version " + factorRows.version() + ")")
          + " factor products, " + trends.products().size() + " trending products, "
          + popularity.size() + " popular products, "
          + catalog.size() + " catalog products, as_of " + next.asOf() + ", in "
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

  /**
   * Where a refresh starting now reads changed rows from; null when it is a full load (the first, or
   * {@code fullReload} after the last full one, or every one when {@code fullReload} is zero).
   */
  private Instant incrementalSince(Instant now) {
    Duration fullReload = config.snapshotReads().fullReload();
    if (lastFullLoad == null || fullReload.isZero() || !now.isBefore(lastFullLoad.plus(fullReload))) {
      return null;
    }
    return lastLoadStarted.minus(config.snapshotReads().overlap());
  }

  /** What the last successful refresh read; null before the first. */
  Load lastLoad() {
    return lastLoad;
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
