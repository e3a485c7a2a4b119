package dev.shopstream.warehouse.duckdb;

import static dev.shopstream.warehouse.duckdb.DuckDbSql.*;

import dev.shopstream.contract.TableSchema;
import dev.shopstream.contract.TableSchema.Column;
import dev.shopstream.contract.TableSchema.Mode;
import dev.shopstream.contract.TableSchemas;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.ReentrantLock;
import java.util.logging.Logger;

import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;

/**
 * DuckDB standing in for BigQuery on one machine. One database file per warehouse, shared by everything in the
 * process (the pipeline writes, the recommend function reads): DuckDB allows one process per file, so the local
 * stack runs its parts in one JVM and they all get their connections here.
 *
 * <p>Tables are created from the contract ({@link TableSchemas}). A table with a primary key is written with
 * {@code INSERT OR IGNORE} (a retried or duplicated write leaves the first row per key), or, when the contract
 * marks it {@code upsert}, as {@code INSERT OR REPLACE} would (the latest row per key wins). Writes to one file are
 * serialized (DuckDB aborts concurrent transactions that touch the same key); reads run in parallel.
 *
 * <p>Rows reach DuckDB through its Appender ({@link WritePath#STAGED}): appended to a temporary staging table with
 * the table's columns (nested, JSON and timestamp columns as text), then moved into the table by an
 * {@code INSERT ... SELECT} that casts them as the former multi-row statements did (for an upsert table after a
 * {@code DELETE} of the staged keys). Several times the former statements' upsert rate (docs/BENCHMARKS.md,
 * "DuckDB upserts").
 */
public final class DuckDbWarehouse implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(DuckDbWarehouse.class.getName());
  private static final Map<Path, DuckDbWarehouse> OPEN = new ConcurrentHashMap<>();
  static final int ROWS_PER_STATEMENT = 200;

  private final Path file;
  private final DuckDBConnection root;
  private final ReentrantLock writeLock = new ReentrantLock();
  private final Queue<Write> pending = new ConcurrentLinkedQueue<>();
  private volatile WritePath writePath = WritePath.STAGED;
  private long commits;

  /** How {@link #insert} sends rows to DuckDB. Both write the same rows and fail on the same rows. */
  public enum WritePath {
    /**
     * The rows appended (DuckDB's Appender) to a temporary staging table, then one {@code INSERT ... SELECT} into
     * the table per write; a write with a value of a Java type the staging table does not take as is (e.g. a string
     * for an INT64 column) goes through {@link #STATEMENTS}, which lets DuckDB convert it. The default.
     */
    STAGED,
    /**
     * Multi-row {@code INSERT ... VALUES} statements of up to {@value DuckDbWarehouse#ROWS_PER_STATEMENT} rows with
     * bound parameters: the former path, kept as the upsert bench's baseline and as the reference of the tests.
     */
    STATEMENTS
  }

  private DuckDbWarehouse(Path file) {
    this.file = file;
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      this.root = (DuckDBConnection) DriverManager.getConnection("jdbc:duckdb:" + file.toAbsolutePath());
      try (Statement s = root.createStatement()) {
        for (TableSchema t : TableSchemas.all()) {
          s.execute(createTableSql(t));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the warehouse folder for " + file, e);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot open the DuckDB warehouse " + file + ": " + e.getMessage(), e);
    }
    LOG.info(() -> "DuckDB warehouse open at " + file.toAbsolutePath());
  }

  /** The process-wide warehouse of this file, opened (and its tables created) on first use. */
  public static DuckDbWarehouse open(Path file) {
    return OPEN.computeIfAbsent(file.toAbsolutePath().normalize(), DuckDbWarehouse::new);
  }

  public Path file() {
    return file;
  }

  /** Chooses how the next writes reach DuckDB (for benches and tests; {@link WritePath#STAGED} by default). */
  public void writePath(WritePath path) {
    this.writePath = java.util.Objects.requireNonNull(path);
  }

  /** A new connection to this warehouse, in UTC; the caller closes it. */
  public Connection connect() throws SQLException {
    Connection c = root.duplicate();
    try (Statement s = c.createStatement()) {
      s.execute("SET TimeZone = 'UTC'");
    }
    return c;
  }

  /**
   * Writes rows (in the shape of {@link dev.shopstream.contract.Rows}) into a contract table, atomically. Returns
   * how many rows were written: for an insert-once table, rows whose key is already there (in the table or earlier
   * in {@code rows}) are skipped; for an upsert table the last row per key in {@code rows} is the one written (as if
   * the rows were written one after the other). Returns only once the rows are committed; throws when they are not.
   *
   * <p><b>Group commit.</b> A DuckDB commit costs tens of milliseconds whatever its size (it writes and syncs the
   * write-ahead log), and the pipeline's steps write a few rows at a time from several threads. So writes that wait
   * while another commits are committed together, in one transaction, by the next writer to get the lock (each
   * write's statements run in order; the counts are per write). If that transaction fails, it is rolled back and
   * each write of the group is retried in its own transaction, so a bad write fails alone.
   *
   * <p>Rows go through a staging table ({@link WritePath#STAGED}): DuckDB runs a JDBC batch one statement per row,
   * and even multi-row statements of bound parameters upsert only a few thousand rows/s.
   */
  public int insert(TableSchema table, List<Map<String, Object>> rows) throws SQLException {
    if (rows.isEmpty()) {
      return 0;
    }
    Write write = new Write(table, onePerKey(table, rows));
    pending.add(write);
    writeLock.lock();
    try {
      if (!write.done) {
        List<Write> group = new ArrayList<>();
        for (Write w = pending.poll(); w != null; w = pending.poll()) {
          group.add(w);
        }
        commit(group);
      }
    } finally {
      writeLock.unlock();
    }
    if (write.failure != null) {
      throw new SQLException(write.failure.getMessage(), write.failure);
    }
    return write.inserted;
  }

  /** One caller's rows and, once committed (or failed), the outcome. Guarded by {@link #writeLock}. */
  private static final class Write {
    final TableSchema table;
    final List<Map<String, Object>> rows;
    volatile boolean done;
    int inserted;
    Exception failure;

    Write(TableSchema table, List<Map<String, Object>> rows) {
      this.table = table;
      this.rows = rows;
    }
  }

  /** Commits a group in one transaction; when that fails, each write alone. Holds {@link #writeLock}. */
  private void commit(List<Write> group) {
    try {
      int[] inserted = transaction(group);
      for (int i = 0; i < group.size(); i++) {
        group.get(i).inserted = inserted[i];
      }
    } catch (SQLException | RuntimeException groupFailure) {
      for (Write w : group) {
        try {
          w.inserted = group.size() == 1 ? fail(groupFailure) : transaction(List.of(w))[0];
        } catch (SQLException | RuntimeException e) {
          w.failure = e;
        }
      }
    }
    group.forEach(w -> w.done = true);
    commits++;
  }

  private static int fail(Exception e) throws SQLException {
    if (e instanceof SQLException sql) {
      throw sql;
    }
    throw (RuntimeException) e;
  }

  private int[] transaction(List<Write> writes) throws SQLException {
    WritePath path = writePath;
    try (Connection c = connect()) {
      c.setAutoCommit(false);
      try {
        int[] inserted = new int[writes.size()];
        for (int w = 0; w < writes.size(); w++) {
          Write write = writes.get(w);
          inserted[w] = path == WritePath.STAGED && stageable(write.table, write.rows)
              ? staged((DuckDBConnection) c, write.table, write.rows)
              : statements(c, write.table, write.rows);
        }
        c.commit();
        return inserted;
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      }
    }
  }

  private static int statements(Connection c, TableSchema table, List<Map<String, Object>> rows) throws SQLException {
    int inserted = 0;
    for (int from = 0; from < rows.size(); from += ROWS_PER_STATEMENT) {
      List<Map<String, Object>> chunk = rows.subList(from, Math.min(rows.size(), from + ROWS_PER_STATEMENT));
      try (PreparedStatement ps = c.prepareStatement(insertSql(table, chunk.size()))) {
        int i = 1;
        for (Map<String, Object> row : chunk) {
          for (Column col : table.columns()) {
            ps.setObject(i++, jdbcValue(col, row.get(col.name())));
          }
        }
        inserted += Math.max(ps.executeUpdate(), 0);
      }
    }
    return inserted;
  }

  /**
   * Appends the rows to the table's staging table (temporary: the connection's own, gone with it) and moves them
   * into the table: for an upsert table, the rows of the same keys are deleted first and the rows inserted (the
   * same as {@code INSERT OR REPLACE}, as the rows have one row per key, and about 3x faster when rows are replaced:
   * DuckDB replaces a row with nested columns slowly). The staging table is emptied afterwards for the transaction's
   * next write.
   */
  private static int staged(DuckDBConnection c, TableSchema table, List<Map<String, Object>> rows) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute(stagingTableSql(table));
    }
    try (DuckDBAppender appender = c.createAppender("temp", "main", stagingTable(table))) {
      for (Map<String, Object> row : rows) {
        appender.beginRow();
        for (Column col : table.columns()) {
          append(appender, col, row.get(col.name()));
        }
        appender.endRow();
      }
    }
    try (Statement s = c.createStatement()) {
      if (table.upsert()) {
        s.executeUpdate(stagedDeleteSql(table));
      }
      int inserted = s.executeUpdate(stagedInsertSql(table));
      s.execute("DELETE FROM temp.main." + stagingTable(table));
      return Math.max(inserted, 0);
    }
  }

  /** Whether every value of the rows has a Java type its staging column takes as is (see {@link #append}). */
  static boolean stageable(TableSchema table, List<Map<String, Object>> rows) {
    for (Map<String, Object> row : rows) {
      for (Column col : table.columns()) {
        Object value = row.get(col.name());
        if (value != null && !stageable(col, value)) {
          return false;
        }
      }
    }
    return true;
  }

  private static boolean stageable(Column c, Object value) {
    if (c.type() == TableSchema.Type.RECORD || c.mode() == Mode.REPEATED) {
      return true; // written as JSON text, as the statements do
    }
    return switch (c.type()) {
      case STRING, JSON -> value instanceof String;
      case TIMESTAMP -> value instanceof String || value instanceof java.time.Instant;
      case INT64 -> isIntegral(value);
      case FLOAT64 -> value instanceof Double || value instanceof Float || isIntegral(value);
      case BOOL -> value instanceof Boolean;
      case RECORD -> true;
    };
  }

  private static boolean isIntegral(Object value) {
    return value instanceof Long || value instanceof Integer || value instanceof Short || value instanceof Byte;
  }

  /** Appends one value of a {@link #stageable} row: its staging column's type, or the text the statements bind. */
  private static void append(DuckDBAppender appender, Column c, Object value) throws SQLException {
    Object v = jdbcValue(c, value);
    if (v == null) {
      appender.appendNull();
    } else if (v instanceof String text) {
      appender.append(text);
    } else if (v instanceof Boolean b) {
      appender.append(b.booleanValue());
    } else if (c.type() == TableSchema.Type.FLOAT64) {
      appender.append(((Number) v).doubleValue());
    } else {
      appender.append(((Number) v).longValue());
    }
  }

  /** Transactions committed by {@link #insert} so far (for benches and the stack's status). */
  public long commits() {
    writeLock.lock();
    try {
      return commits;
    } finally {
      writeLock.unlock();
    }
  }

  /**
   * One row per primary key (a multi-row statement may not touch a key twice): the first for an insert-once table,
   * the last for an upsert table; all rows of a table without a key.
   */
  private static List<Map<String, Object>> onePerKey(TableSchema table, List<Map<String, Object>> rows) {
    if (table.primaryKey().isEmpty()) {
      return rows;
    }
    Map<List<Object>, Map<String, Object>> byKey = new LinkedHashMap<>();
    for (Map<String, Object> row : rows) {
      List<Object> key = new ArrayList<>();
      for (String column : table.primaryKey()) {
        key.add(row.get(column));
      }
      if (table.upsert()) {
        byKey.remove(key);
        byKey.put(key, row);
      } else {
        byKey.putIfAbsent(key, row);
      }
    }
    return new ArrayList<>(byKey.values());
  }

  /** Number of rows in a table (for tests, reconciliation and the stack's status). */
  public long count(String table) throws SQLException {
    TableSchemas.get(table); // only contract tables: the name is never user input
    try (Connection c = connect(); Statement s = c.createStatement();
         var rs = s.executeQuery("SELECT count(*) FROM " + table)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  @Override
  public void close() {
    OPEN.remove(file.toAbsolutePath().normalize(), this);
    try {
      root.close();
    } catch (SQLException e) {
      LOG.warning("closing DuckDB warehouse " + file + ": " + e.getMessage());
    }
  }

  /** {@code CREATE TABLE IF NOT EXISTS} for a contract table, in DuckDB types. */
  public static String createTableSql(TableSchema t) {
    return DuckDbSql.createTableSql(t);
  }

  static String stagingTableSql(TableSchema t) {
    return DuckDbSql.stagingTableSql(t);
  }

  static String stagedInsertSql(TableSchema t) {
    return DuckDbSql.stagedInsertSql(t);
  }

  static String stagedDeleteSql(TableSchema t) {
    return DuckDbSql.stagedDeleteSql(t);
  }
}
