package dev.shopstream.bench;

import dev.shopstream.functions.recommend.DuckDbRecommendationStore;
import dev.shopstream.warehouse.duckdb.DuckDbWarehouse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;

/**
 * The rows one snapshot refresh reads from {@code item_neighbors}, before (every refresh a full read of the current
 * lists) and after (only the rows with {@code updated_at} since the previous load minus the overlap), on a DuckDB
 * table of {@code --rows} rows in lists of 10, of which {@code --changed-percent} are rewritten (new
 * {@code updated_at}) between two refreshes. Time is simulated: refreshes are {@code --refresh} apart, so the run
 * takes only as long as the reads. Both reads run on the same table at each step, alternately, so the machine's load
 * weighs on both alike; the figures are medians over the steps after the overlap has filled up.
 */
final class RefreshReadsBench {
  private static final String USAGE = """
      refresh-reads [--rows=100000] [--changed-percent=1] [--refresh=5] [--overlap=30] [--steps=20]
        --rows             item_neighbors rows (lists of 10, one signal)
        --changed-percent  percent of the rows rewritten between two refreshes
        --refresh          seconds between refreshes (SNAPSHOT_REFRESH)
        --overlap          seconds of overlap of each changed read (SNAPSHOT_CHANGES_OVERLAP)
        --steps            refreshes measured""";

  private RefreshReadsBench() {}

  static void run(Options options) throws Exception {
    int rows = options.integer("rows", 100_000);
    int changedPercent = options.integer("changed-percent", 1);
    Duration refresh = options.seconds("refresh", 5);
    Duration overlap = options.seconds("overlap", 30);
    int steps = options.integer("steps", 20);
    if (!options.done(USAGE)) {
      return;
    }
    Path file = Files.createTempDirectory("shopstream-refresh-reads").resolve("warehouse.duckdb");
    int lists = rows / 10;
    int changedLists = Math.max(1, lists * changedPercent / 100);
    Instant now = Instant.parse("2026-12-01T00:00:00Z");
    try (DuckDbWarehouse warehouse = DuckDbWarehouse.open(file)) {
      write(warehouse, 0, lists, now.minus(Duration.ofHours(1)));
      DuckDbRecommendationStore store = new DuckDbRecommendationStore(warehouse);
      System.out.printf("%nitem_neighbors: %d rows in %d lists of 10; %d lists (%d rows, %d%%) rewritten per "
          + "refresh of %d s; overlap %d s%n%n", warehouse.count("item_neighbors"), lists, changedLists,
          changedLists * 10, changedPercent, refresh.toSeconds(), overlap.toSeconds());
      System.out.println("| refresh | full read: rows | ms | changed read: rows | ms |");
      System.out.println("|---|---|---|---|---|");
      long[] fullRows = new long[steps];
      long[] fullNanos = new long[steps];
      long[] changedRows = new long[steps];
      long[] changedNanos = new long[steps];
      Instant lastLoad = now;
      int next = 0;
      int warm = (int) (overlap.toSeconds() / Math.max(1, refresh.toSeconds())) + 1;
      for (int step = -warm; step < steps; step++) {
        now = now.plus(refresh);
        write(warehouse, next, changedLists, now.minusSeconds(1)); // stamped just before the refresh
        next = (next + changedLists) % Math.max(1, lists - changedLists);
        long t0 = System.nanoTime();
        int full = store.neighbors(Integer.MAX_VALUE).size();
        long t1 = System.nanoTime();
        int changed = store.neighborsChangedSince(lastLoad.minus(overlap), Integer.MAX_VALUE).size();
        long t2 = System.nanoTime();
        lastLoad = now;
        if (step >= 0) {
          fullRows[step] = full;
          fullNanos[step] = t1 - t0;
          changedRows[step] = changed;
          changedNanos[step] = t2 - t1;
          System.out.printf("| %d | %d | %.1f | %d | %.1f |%n", step + 1, full, (t1 - t0) / 1e6, changed,
              (t2 - t1) / 1e6);
        }
      }
      System.out.printf("%nmedian per refresh: full read %d rows in %.1f ms; changed read %d rows in %.1f ms: "
          + "%.1f%% of the rows (%.1fx fewer), %.1fx faster%n", median(fullRows), median(fullNanos) / 1e6,
          median(changedRows), median(changedNanos) / 1e6, 100.0 * median(changedRows) / median(fullRows),
          (double) median(fullRows) / median(changedRows), (double) median(fullNanos) / median(changedNanos));
    }
  }

  /** Lists {@code from} .. {@code from + count - 1}: 10 neighbours each, all stamped {@code at}. */
  private static void write(DuckDbWarehouse w, int from, int count, Instant at) throws Exception {
    try (Connection c = w.connect(); PreparedStatement ps = c.prepareStatement("""
        INSERT OR REPLACE INTO item_neighbors
        SELECT 'p' || i, 'n' || ((i * 7 + r * 97) % 100000), 'co_view', 1.0 / r, r, 10.0 / r, ?::TIMESTAMPTZ
        FROM range(?, ?) AS a(i), range(1, 11) AS b(r)""")) {
      ps.setString(1, at.toString());
      ps.setLong(2, from);
      ps.setLong(3, from + count);
      ps.executeUpdate();
    }
  }

  private static long median(long[] values) {
    long[] sorted = values.clone();
    java.util.Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }
}
