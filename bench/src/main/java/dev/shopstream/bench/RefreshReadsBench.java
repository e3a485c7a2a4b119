package dev.shopstream.bench;

import dev.shopstream.functions.recommend.DuckDbRecommendationStore;
import dev.shopstream.warehouse.duckdb.DuckDbWarehouse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The rows one snapshot refresh reads from {@code item_neighbors}, before (every refresh a full read of the current
 * lists) and after (only the rows with {@code updated_at} since the previous load minus the overlap), on a DuckDB
 * table of {@code --rows} rows in lists of 10, of which {@code --changed-percent} are rewritten (new
 * {@code updated_at}) between two refreshes. Time is simulated: refreshes are {@code --refresh} apart, so the run
 * takes only as long as the reads. Both reads run on the same table at each step, alternately, so the machine's load
 * weighs on both alike; the figures are medians over the steps after the overlap has filled up.
 */
@Command(name = "refresh-reads", sortOptions = false, description = "recommend's snapshot refresh: item_neighbors rows read per refresh, a full read vs the changed rows only, on one DuckDB table")
final class RefreshReadsBench implements Callable<Integer> {
  @Option(names = "--rows", description = "item_neighbors rows, lists of 10, one signal (default ${DEFAULT-VALUE})")
  int rows = 100_000;
  @Option(names = "--changed-percent", description = "percent of the rows rewritten between two refreshes (default ${DEFAULT-VALUE})")
  int changedPercent = 1;
  @Option(names = "--refresh", paramLabel = "DURATION", description = "between refreshes, SNAPSHOT_REFRESH (default 5s; a plain number is seconds)")
  Duration refresh = Duration.ofSeconds(5);
  @Option(names = "--overlap", paramLabel = "DURATION", description = "of each changed read, SNAPSHOT_CHANGES_OVERLAP (default 30s)")
  Duration overlap = Duration.ofSeconds(30);
  @Option(names = "--steps", description = "refreshes measured (default ${DEFAULT-VALUE})")
  int steps = 20;
  @Option(names = {"-h", "--help"}, usageHelp = true, description = "this text")
  boolean help;

  @Override
  public Integer call() throws Exception {
    System.out.println(Machine.describe());
    run();
    return 0;
  }

  private void run() throws Exception {
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
