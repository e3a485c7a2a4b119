package dev.shopstream.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shopstream.contract.Json;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.duckdb.DuckDBResultSetMetaData;
import org.duckdb.StatementReturnType;

/**
 * A read-only SQL query of the warehouse, for the {@code query} command and the running stack's {@code /api/query}:
 * one statement that starts with SELECT, WITH, FROM, VALUES, TABLE, DESCRIBE, SHOW or SUMMARIZE, that DuckDB
 * prepares as one returning rows; it runs in a transaction that is always rolled back, is cancelled after a timeout,
 * and returns at most a number of rows (the answer says when it was cut).
 */
public final class WarehouseQuery {
  /** Rows returned when no limit is given. */
  public static final int DEFAULT_MAX_ROWS = 1000;
  /** The most rows one query returns. */
  public static final int MAX_ROWS = 10_000;
  /** How long a query may run. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

  private static final Set<String> READ_ONLY_STARTS =
      Set.of("select", "with", "from", "values", "table", "describe", "show", "summarize");

  /** Where a query gets its connection (closed after the query). */
  @FunctionalInterface
  public interface Connections {
    Connection open() throws SQLException;
  }

  /** A statement that is not one read-only query: refused before it runs (exit 2, HTTP 400). */
  public static final class NotReadOnlyException extends IllegalArgumentException {
    NotReadOnlyException(String message) {
      super(message);
    }
  }

  /** A query's answer: column names, rows as text (null for SQL NULL), and whether rows were left off. */
  public record Result(List<String> columns, List<List<String>> rows, boolean truncated) {
    public ObjectNode toJson() {
      ObjectNode json = Json.MAPPER.createObjectNode();
      ArrayNode cols = json.putArray("columns");
      columns.forEach(cols::add);
      ArrayNode rs = json.putArray("rows");
      for (List<String> row : rows) {
        ArrayNode r = rs.addArray();
        row.forEach(r::add);
      }
      json.put("truncated", truncated);
      return json;
    }

    public static Result fromJson(JsonNode json) {
      List<String> columns = new ArrayList<>();
      json.path("columns").forEach(c -> columns.add(c.asText()));
      List<List<String>> rows = new ArrayList<>();
      for (JsonNode r : json.path("rows")) {
        List<String> row = new ArrayList<>();
        r.forEach(v -> row.add(v.isNull() ? null : v.asText()));
        rows.add(row);
      }
      return new Result(columns, rows, json.path("truncated").asBoolean());
    }

    /** The rows as a text table with a header, NULL for nulls, and a count line. */
    public String table() {
      int n = columns.size();
      int[] width = new int[n];
      for (int i = 0; i < n; i++) {
        width[i] = columns.get(i).length();
        for (List<String> row : rows) {
          width[i] = Math.max(width[i], cell(row.get(i)).length());
        }
      }
      StringBuilder b = new StringBuilder();
      StringBuilder rule = new StringBuilder("+");
      for (int w : width) {
        rule.append("-".repeat(w + 2)).append('+');
      }
      b.append(rule).append('\n');
      line(b, columns, width);
      b.append(rule).append('\n');
      for (List<String> row : rows) {
        line(b, row, width);
      }
      b.append(rule).append('\n');
      b.append(rows.size()).append(rows.size() == 1 ? " row" : " rows")
          .append(truncated ? " (more rows left off: raise --max-rows or add a LIMIT)" : "").append('\n');
      return b.toString();
    }

    private static String cell(String v) {
      return v == null ? "NULL" : v.replace("\n", "\\n");
    }

    private static void line(StringBuilder b, List<String> cells, int[] width) {
      b.append('|');
      for (int i = 0; i < width.length; i++) {
        String c = cell(cells.get(i));
        b.append(' ').append(c).append(" ".repeat(width[i] - c.length())).append(" |");
      }
      b.append('\n');
    }
  }

  private WarehouseQuery() {}

  /**
   * {@code sql} without comments and trailing semicolons, if it is one statement starting with a read-only keyword.
   *
   * @throws NotReadOnlyException saying why not
   */
  public static String readOnlyStatement(String sql) {
    String s = stripComments(sql == null ? "" : sql).strip();
    while (s.endsWith(";")) {
      s = s.substring(0, s.length() - 1).strip();
    }
    if (s.isEmpty()) {
      throw new NotReadOnlyException("no SQL statement given");
    }
    if (hasSemicolonOutsideQuotes(s)) {
      throw new NotReadOnlyException("only one statement at a time");
    }
    String first = s.split("[\\s(]", 2)[0].toLowerCase(Locale.ROOT);
    if (!READ_ONLY_STARTS.contains(first)) {
      throw new NotReadOnlyException("only read-only queries (SELECT, WITH, FROM, VALUES, TABLE, DESCRIBE, SHOW, "
          + "SUMMARIZE) are run; got " + first.toUpperCase(Locale.ROOT));
    }
    return s;
  }

  /**
   * Runs {@code sql} ({@link #readOnlyStatement}) on {@code c} in a transaction that is rolled back, cancelled after
   * {@code timeout}; at most {@code maxRows} rows.
   *
   * @throws NotReadOnlyException when the statement is not one read-only query
   * @throws SQLException when DuckDB refuses or fails it (timeout: "query cancelled after ...")
   */
  public static Result run(Connection c, String sql, int maxRows, Duration timeout) throws SQLException {
    if (maxRows < 1 || maxRows > MAX_ROWS) {
      throw new IllegalArgumentException("max rows must be 1.." + MAX_ROWS + ", got " + maxRows);
    }
    String statement = readOnlyStatement(sql);
    boolean autoCommit = c.getAutoCommit();
    c.setAutoCommit(false);
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "query-timeout");
      t.setDaemon(true);
      return t;
    });
    AtomicBoolean timedOut = new AtomicBoolean();
    try (PreparedStatement ps = c.prepareStatement(statement)) {
      if (ps.getMetaData() instanceof DuckDBResultSetMetaData meta
          && meta.getReturnType() != StatementReturnType.QUERY_RESULT) {
        throw new NotReadOnlyException("only read-only queries are run; this statement does not return rows");
      }
      ScheduledFuture<?> cancel = timer.schedule(() -> {
        timedOut.set(true);
        try {
          ps.cancel();
        } catch (SQLException e) {
          // the statement has finished
        }
      }, timeout.toMillis(), TimeUnit.MILLISECONDS);
      try (ResultSet rs = ps.executeQuery()) {
        ResultSetMetaData md = rs.getMetaData();
        List<String> columns = new ArrayList<>();
        for (int i = 1; i <= md.getColumnCount(); i++) {
          columns.add(md.getColumnLabel(i));
        }
        List<List<String>> rows = new ArrayList<>();
        boolean truncated = false;
        while (rs.next()) {
          if (rows.size() == maxRows) {
            truncated = true;
            break;
          }
          List<String> row = new ArrayList<>(columns.size());
          for (int i = 1; i <= columns.size(); i++) {
            Object v = rs.getObject(i);
            row.add(v == null ? null : v.toString());
          }
          rows.add(row);
        }
        cancel.cancel(false);
        return new Result(columns, rows, truncated);
      } catch (SQLException e) {
        if (timedOut.get()) {
          throw new SQLException("query cancelled after " + timeout.toSeconds() + " s", e);
        }
        throw e;
      }
    } finally {
      timer.shutdownNow();
      try {
        c.rollback();
      } finally {
        c.setAutoCommit(autoCommit);
      }
    }
  }

  private static String stripComments(String sql) {
    StringBuilder out = new StringBuilder();
    char quote = 0;
    for (int i = 0; i < sql.length(); i++) {
      char ch = sql.charAt(i);
      if (quote != 0) {
        out.append(ch);
        if (ch == quote) {
          quote = 0;
        }
      } else if (ch == '\'' || ch == '"') {
        quote = ch;
        out.append(ch);
      } else if (ch == '-' && i + 1 < sql.length() && sql.charAt(i + 1) == '-') {
        while (i < sql.length() && sql.charAt(i) != '\n') {
          i++;
        }
        out.append(' ');
      } else if (ch == '/' && i + 1 < sql.length() && sql.charAt(i + 1) == '*') {
        int end = sql.indexOf("*/", i + 2);
        i = end < 0 ? sql.length() : end + 1;
        out.append(' ');
      } else {
        out.append(ch);
      }
    }
    return out.toString();
  }

  private static boolean hasSemicolonOutsideQuotes(String s) {
    char quote = 0;
    for (int i = 0; i < s.length(); i++) {
      char ch = s.charAt(i);
      if (quote != 0) {
        if (ch == quote) {
          quote = 0;
        }
      } else if (ch == '\'' || ch == '"') {
        quote = ch;
      } else if (ch == ';') {
        return true;
      }
    }
    return false;
  }
}
