package dev.shopstream.bench;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import dev.shopstream.contract.ProductTrendRow;
import dev.shopstream.contract.TableSchema;
import dev.shopstream.contract.TableSchemas;
import dev.shopstream.contract.UserActivityRow;
import dev.shopstream.warehouse.duckdb.DuckDbWarehouse;
import dev.shopstream.warehouse.duckdb.DuckDbWarehouse.WritePath;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * DuckDB upserts as the pipeline's sink makes them ({@link DuckDbWarehouse#insert}, one thread, writes of
 * {@code --batch} rows, each committed), through the former multi-row statements ({@link WritePath#STATEMENTS}) and
 * the staging table ({@link WritePath#STAGED}), in the same process, each into a new database file. Rounds alternate
 * which path goes first, so a change of the machine's load weighs on both alike. Tables:
 *
 * <ul>
 *   <li>{@code product_trends} (flat columns, three-column key), rows in the backfill's shape: 3,665 products per
 *       window start, every 10th row a newer version of a row of an earlier write;
 *   <li>{@code user_activity} (a REPEATED RECORD with a timestamp, a REPEATED string: the {@code from_json} casts),
 *       10 recent items per row, 20,000 users: later rows replace earlier ones.
 * </ul>
 *
 * Each path first writes 2,000 rows untimed (warm-up). Each table is first filled with {@code --prefill} other rows
 * (staged, not timed), as the backfill's tables grow.
 * After each round the two files must hold the same rows (compared in full), or the bench fails.
 */
@Command(name = "upsert", sortOptions = false, description = "DuckDB upserts as the pipeline's sink writes them: rows/s of the former multi-row statements and of the staging table, in the same process")
final class UpsertBench implements Callable<Integer> {
  @Option(names = "--rows", description = "rows upserted per table, path and round (default ${DEFAULT-VALUE})")
  int rows = 50_000;
  @Option(names = "--batch", description = "rows per write (the pipeline's sink writes up to 500 per bundle; default ${DEFAULT-VALUE})")
  int batch = 500;
  @Option(names = "--rounds", description = "rounds; each times both paths, alternating which goes first (default ${DEFAULT-VALUE})")
  int rounds = 2;
  @Option(names = "--prefill", description = "rows in each table before the timed writes (other keys; default ${DEFAULT-VALUE})")
  int prefill = 0;
  @Option(names = "--tables", split = ",", description = "product_trends and/or user_activity (default product_trends,user_activity)")
  List<String> tables = List.of("product_trends", "user_activity");
  @Option(names = {"-h", "--help"}, usageHelp = true, description = "this text")
  boolean help;

  private static final int PRODUCTS = 3665;
  private static final int USERS = 20_000;
  private static final Instant START = Instant.parse("2010-12-01T08:00:00Z");

  UpsertBench() {}

  @Override
  public Integer call() throws Exception {
    System.out.println(Machine.describe());
    run();
    return 0;
  }

  private void run() throws Exception {
    System.out.printf(Locale.ROOT, "%n### DuckDB upserts: %,d rows per table and path in writes of %d rows, "
        + "%,d rows in the table before, %d round(s)%n%n", rows, batch, prefill, rounds);
    System.out.println("| table | round | statements (rows/s) | staged (rows/s) | staged / statements "
        + "| rows in table |");
    System.out.println("|---|---:|---:|---:|---:|---:|");
    for (String name : tables) {
      TableSchema table = TableSchemas.get(name.trim());
      List<Map<String, Object>> timed = rows(table, rows, false);
      List<Map<String, Object>> before = rows(table, prefill, true);
      for (WritePath path : WritePath.values()) { // warm-up, untimed: the JIT, DuckDB's first statements
        Path dir = Files.createTempDirectory("upsert-bench");
        try (DuckDbWarehouse warehouse = DuckDbWarehouse.open(dir.resolve("warehouse.duckdb"))) {
          warehouse.writePath(path);
          write(warehouse, table, timed.subList(0, Math.min(timed.size(), 2000)), batch);
        } finally {
          deleteQuietly(dir);
        }
      }
      double[] sums = new double[2];
      for (int round = 1; round <= rounds; round++) {
        List<WritePath> order = round % 2 == 1 ? List.of(WritePath.STATEMENTS, WritePath.STAGED)
            : List.of(WritePath.STAGED, WritePath.STATEMENTS);
        Map<WritePath, Double> rate = new EnumMap<>(WritePath.class);
        Map<WritePath, String> content = new EnumMap<>(WritePath.class);
        long count = 0;
        for (WritePath path : order) {
          Path dir = Files.createTempDirectory("upsert-bench");
          try (DuckDbWarehouse warehouse = DuckDbWarehouse.open(dir.resolve("warehouse.duckdb"))) {
            warehouse.writePath(WritePath.STAGED);
            write(warehouse, table, before, 5000);
            warehouse.writePath(path);
            long start = System.nanoTime();
            write(warehouse, table, timed, batch);
            double seconds = (System.nanoTime() - start) / 1e9;
            rate.put(path, timed.size() / seconds);
            content.put(path, digest(warehouse, table));
            count = warehouse.count(table.name());
          } finally {
            deleteQuietly(dir);
          }
        }
        if (!content.get(WritePath.STAGED).equals(content.get(WritePath.STATEMENTS))) {
          throw new IllegalStateException(table.name() + ": the two paths wrote different rows");
        }
        sums[0] += rate.get(WritePath.STATEMENTS);
        sums[1] += rate.get(WritePath.STAGED);
        System.out.printf(Locale.ROOT, "| %s | %d | %,.0f | %,.0f | %.1fx | %,d |%n", table.name(), round,
            rate.get(WritePath.STATEMENTS), rate.get(WritePath.STAGED),
            rate.get(WritePath.STAGED) / rate.get(WritePath.STATEMENTS), count);
      }
      System.out.printf(Locale.ROOT, "| %s | mean | %,.0f | %,.0f | %.1fx | |%n", table.name(), sums[0] / rounds,
          sums[1] / rounds, sums[1] / sums[0]);
    }
    System.out.println("\n(both paths wrote the same rows in every round)");
  }

  private static void write(DuckDbWarehouse warehouse, TableSchema table, List<Map<String, Object>> rows, int batch)
      throws SQLException {
    for (int from = 0; from < rows.size(); from += batch) {
      warehouse.insert(table, rows.subList(from, Math.min(rows.size(), from + batch)));
    }
  }

  /** The table's rows, in full, as one MD5. */
  private static String digest(DuckDbWarehouse warehouse, TableSchema table) throws SQLException {
    try (Connection c = warehouse.connect(); Statement s = c.createStatement();
         ResultSet r = s.executeQuery("SELECT md5(string_agg(t::VARCHAR, '|' ORDER BY t::VARCHAR)) FROM "
             + table.name() + " t")) {
      r.next();
      return r.getString(1);
    }
  }

  private static List<Map<String, Object>> rows(TableSchema table, int n, boolean prefill) {
    List<Map<String, Object>> rows = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      rows.add(switch (table.name()) {
        case "product_trends" -> trend(prefill ? "pre-" + i : null, i);
        case "user_activity" -> activity(prefill ? "pre-" + i : "u-" + (i % USERS), i);
        default -> throw new IllegalArgumentException("no rows for " + table.name() + ": product_trends or "
            + "user_activity");
      });
    }
    return rows;
  }

  /** A trend row: product i mod 3,665 of window i / 3,665; every 10th row a newer version of row i - 1,000. */
  private static Map<String, Object> trend(String product, int i) {
    int key = i % 10 == 9 && i >= 1000 ? i - 1000 : i;
    Instant windowStart = START.plusSeconds(300L * (key / PRODUCTS));
    return new ProductTrendRow(product != null ? product : "p-" + (key % PRODUCTS), "purchase", windowStart,
        windowStart.plusSeconds(3600), 1L + i % 7, 1L + i % 13, "ON_TIME", START.plusMillis(i)).toRow();
  }

  /** A user's activity: 10 recent items, 2 purchases. */
  private static Map<String, Object> activity(String user, int i) {
    List<UserActivityRow.RecentItem> recent = new ArrayList<>();
    for (int k = 0; k < 10; k++) {
      recent.add(new UserActivityRow.RecentItem("p-" + ((i + k) % PRODUCTS), k % 3 == 0 ? "purchase" : "view",
          START.plusSeconds(i - k)));
    }
    return new UserActivityRow(user, recent, List.of("p-" + (i % PRODUCTS), "p-" + ((i + 1) % PRODUCTS)),
        START.plusMillis(i)).toRow();
  }

  private static void deleteQuietly(Path dir) {
    try (var files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (java.io.IOException e) {
      // a temporary folder: left for the system to clean
    }
  }
}
