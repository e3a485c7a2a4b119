package dev.shopstream.warehouse.duckdb;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.shopstream.contract.Json;
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
import java.util.stream.Collectors;
import org.duckdb.DuckDBConnection;

/**
 * DuckDB standing in for BigQuery on one machine. One database file per warehouse, shared by everything in the
 * process (the pipeline writes, the recommend function reads): DuckDB allows one process per file, so the local
 * stack runs its parts in one JVM and they all get their connections here.
 *
 * <p>Tables are created from the contract ({@link TableSchemas}). A table with a primary key is written with
 * {@code INSERT OR IGNORE} (a retried or duplicated write leaves the first row per key), or, when the contract
 * marks it {@code upsert}, with {@code INSERT OR REPLACE} (the latest row per key wins). Writes to one file are
 * serialized (DuckDB aborts concurrent transactions that touch the same key); reads run in parallel.
 */
public final class DuckDbWarehouse implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(DuckDbWarehouse.class.getName());
  private static final Map<Path, DuckDbWarehouse> OPEN = new ConcurrentHashMap<>();
  static final int ROWS_PER_STATEMENT = 200;

  private final Path file;
  private final DuckDBConnection root;
  private final ReentrantLock writeLock = new ReentrantLock();
  private final Queue<Write> pending = new ConcurrentLinkedQueue<>();
  private long commits;

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
   * <p>Rows go in multi-row statements of up to {@value #ROWS_PER_STATEMENT} rows: DuckDB runs a JDBC batch one
   * statement per row.
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
    try (Connection c = connect()) {
      c.setAutoCommit(false);
      try {
        int[] inserted = new int[writes.size()];
        for (int w = 0; w < writes.size(); w++) {
          inserted[w] = statements(c, writes.get(w).table, writes.get(w).rows);
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
    List<String> defs = new ArrayList<>();
    for (Column c : t.columns()) {
      defs.add(c.name() + " " + duckType(c) + (c.mode() == Mode.REQUIRED ? " NOT NULL" : ""));
    }
    if (!t.primaryKey().isEmpty()) {
      defs.add("PRIMARY KEY (" + String.join(", ", t.primaryKey()) + ")");
    }
    return "CREATE TABLE IF NOT EXISTS " + t.name() + " (\n  " + String.join(",\n  ", defs) + "\n)";
  }

  static String duckType(Column c) {
    String base = switch (c.type()) {
      case STRING -> "VARCHAR";
      case INT64 -> "BIGINT";
      case FLOAT64 -> "DOUBLE";
      case BOOL -> "BOOLEAN";
      case TIMESTAMP -> "TIMESTAMPTZ";
      case JSON -> "JSON";
      case RECORD -> "STRUCT(" + c.fields().stream().map(f -> f.name() + " " + duckType(f))
          .collect(Collectors.joining(", ")) + ")";
    };
    return c.mode() == Mode.REPEATED ? base + "[]" : base;
  }

  private static String insertSql(TableSchema t, int rows) {
    List<String> names = new ArrayList<>();
    List<String> params = new ArrayList<>();
    for (Column c : t.columns()) {
      names.add(c.name());
      params.add(param(c));
    }
    String verb = t.primaryKey().isEmpty() ? "INSERT INTO "
        : t.upsert() ? "INSERT OR REPLACE INTO " : "INSERT OR IGNORE INTO ";
    String values = "(" + String.join(", ", params) + ")";
    return verb + t.name() + " (" + String.join(", ", names) + ") VALUES "
        + String.join(", ", java.util.Collections.nCopies(rows, values));
  }

  /** A placeholder with the cast that turns the row value (text for timestamps, JSON for nested) into the type. */
  private static String param(Column c) {
    if (c.type() == TableSchema.Type.RECORD || c.mode() == Mode.REPEATED) {
      return "from_json(?::JSON, '" + jsonStructure(c).replace("'", "''") + "')";
    }
    return switch (c.type()) {
      case TIMESTAMP -> "?::TIMESTAMPTZ";
      case JSON -> "?::JSON";
      default -> "?";
    };
  }

  /** DuckDB's from_json structure for a column, e.g. {@code [{"product_id":"VARCHAR","quantity":"BIGINT"}]}. */
  private static String jsonStructure(Column c) {
    String base;
    if (c.type() == TableSchema.Type.RECORD) {
      base = c.fields().stream().map(f -> "\"" + f.name() + "\":" + jsonStructure(f))
          .collect(Collectors.joining(",", "{", "}"));
    } else {
      base = "\"" + duckType(new Column(c.name(), c.type(), Mode.NULLABLE, "", List.of())) + "\"";
    }
    return c.mode() == Mode.REPEATED ? "[" + base + "]" : base;
  }

  private static Object jdbcValue(Column c, Object value) {
    if (value == null) {
      return c.mode() == Mode.REPEATED ? "[]" : null;
    }
    if (c.type() == TableSchema.Type.RECORD || c.mode() == Mode.REPEATED) {
      try {
        return Json.MAPPER.writeValueAsString(value);
      } catch (JsonProcessingException e) {
        throw new IllegalArgumentException("column " + c.name() + ": cannot write value as JSON", e);
      }
    }
    return value instanceof java.time.Instant ? value.toString() : value;
  }
}
