package dev.shopstream.pipeline.sink;

import com.google.api.services.bigquery.model.TableRow;
import dev.shopstream.contract.DeadLetter;
import dev.shopstream.contract.Event;
import dev.shopstream.contract.Rows;
import dev.shopstream.contract.TableSchema;
import dev.shopstream.contract.TableSchemas;
import dev.shopstream.pipeline.coders.DeadLetterCoder;
import dev.shopstream.warehouse.duckdb.DuckDbWarehouse;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PDone;

/**
 * Writes to the local DuckDB warehouse ({@link DuckDbWarehouse}, one file shared by the whole process). Rows are
 * buffered per bundle and written when the bundle finishes (and every {@value #MAX_BATCH_ROWS} rows), before the
 * bundle completes: nothing is acknowledged before it is committed. The stateful and windowed steps upstream emit
 * bundles of one or two rows (on the DirectRunner a bundle per key); {@link DuckDbWarehouse#insert} commits the
 * writes of concurrent bundles together (group commit), so the cost of a commit is shared by every bundle that
 * waits for it: run the DirectRunner with many threads ({@code --targetParallelism}) and most bundles are written
 * in a commit shared with others. (Regrouping rows with a {@code GroupByKey} in front of the writer does not help on
 * the DirectRunner: it emits one group per input bundle.)
 *
 * <p><b>Idempotence.</b> The {@code events} table's primary key absorbs duplicates and retried bundles (one row per
 * {@code event_id}: {@code INSERT OR IGNORE}); an {@code upsert} table replaces the row of the same key
 * (as {@code INSERT OR REPLACE} would), and within a write only the row with the newest {@code updated_at} per key is
 * written. A row DuckDB refuses (a data error: constraint, conversion, out of range) is returned as a dead letter of
 * step {@value WarehouseSink#STEP_WRITE}, the rest of its batch is written; any other failure (the file, the disk) is
 * retried with exponential backoff ({@link Retry#DEFAULT}: 5 attempts, waiting 0.5, 1, 2 and 4 s, each retry logged
 * at WARNING) and then fails the bundle: on the local stack the pipeline then stops, and the stack reports itself
 * unhealthy. The {@code dead_letter} table has no key in the contract: a bundle retried after its commit
 * (the DirectRunner fails the pipeline instead of retrying) would repeat its dead letters, never lose them.
 *
 * <p>Counters, per table (namespace {@code duckdb.<table>}): {@code rows_written} (new rows),
 * {@code duplicates_ignored} (rows of an insert-once table whose key was already there), {@code superseded} (rows of
 * an upsert table replaced by a newer row of the same key in the same write), {@code rows_rejected} (dead-lettered)
 * and {@code writes}.
 */
public final class DuckDbSink extends WarehouseSink {
  static final int MAX_BATCH_ROWS = 500;

  private final String file;

  private DuckDbSink(String file) {
    this.file = file;
  }

  /** A sink writing to the DuckDB database file {@code file} (created with its tables when missing). */
  public static DuckDbSink at(Path file) {
    return new DuckDbSink(file.toAbsolutePath().toString());
  }

  @Override
  public PTransform<PCollection<Event>, PCollection<DeadLetter>> events() {
    String file = this.file;
    return new PTransform<>("Write_events") {
      @Override
      public PCollection<DeadLetter> expand(PCollection<Event> events) {
        return events.apply("Write",
                ParDo.of(new WriteFn<Event>(file, TableSchemas.events(), e -> Rows.event(e, Instant.now()))))
            .setCoder(DeadLetterCoder.of());
      }
    };
  }

  @Override
  public PTransform<PCollection<TableRow>, PCollection<DeadLetter>> table(TableSchema table) {
    String file = this.file;
    return new PTransform<>("Write_" + table.name()) {
      @Override
      public PCollection<DeadLetter> expand(PCollection<TableRow> rows) {
        return rows.apply("Write", ParDo.of(new WriteFn<TableRow>(file, table, row -> row)))
            .setCoder(DeadLetterCoder.of())
            .apply("RejectedInGlobalWindow", globalWindow());
      }
    };
  }

  @Override
  public PTransform<PCollection<DeadLetter>, PDone> deadLetters() {
    String file = this.file;
    return new PTransform<>("Write_dead_letter") {
      @Override
      public PDone expand(PCollection<DeadLetter> deadLetters) {
        deadLetters.apply("Write", ParDo.of(new WriteFn<>(file, TableSchemas.deadLetter(), Rows::deadLetter)))
            .setCoder(DeadLetterCoder.of())
            .apply("LogRejected", ParDo.of(RejectedRowFn.<DeadLetter>logged("duckdb", TableSchemas.deadLetter().name(),
                d -> d, false)))
            .setCoder(DeadLetterCoder.of());
        return PDone.in(deadLetters.getPipeline());
      }
    };
  }

  /**
   * Inserts rows of one contract table in batches. When a batch fails with a data error (a constraint, a conversion,
   * a value the table cannot hold), its rows are inserted one by one and each row that still fails is output as a
   * dead letter (in its element's window, when the bundle finishes); any other failure (the file, the disk) throws,
   * failing the bundle so the runner retries it.
   */
  static final class WriteFn<T> extends DoFn<T, DeadLetter> {
    private final String file;
    private final TableSchema table;
    private final SerializableFunction<T, Map<String, Object>> toRow;
    private final Counter written;
    private final Counter duplicates;
    private final Counter superseded;
    private final Counter writes;
    private final Counter rejected;
    private final Counter retries;
    private transient DuckDbWarehouse warehouse;
    private transient List<Pending> batch;
    private transient List<Rejected> rejections;

    /** A row waiting for its write, with where its element was. */
    private record Pending(Map<String, Object> row, org.joda.time.Instant timestamp, BoundedWindow window) {}

    /** A rejected row's dead letter, with where its element was. */
    private record Rejected(DeadLetter deadLetter, org.joda.time.Instant timestamp, BoundedWindow window) {}

    WriteFn(String file, TableSchema table, SerializableFunction<T, Map<String, Object>> toRow) {
      this.file = file;
      this.table = table;
      this.toRow = toRow;
      this.written = Metrics.counter("duckdb." + table.name(), "rows_written");
      this.duplicates = Metrics.counter("duckdb." + table.name(), "duplicates_ignored");
      this.superseded = Metrics.counter("duckdb." + table.name(), "superseded");
      this.writes = Metrics.counter("duckdb." + table.name(), "writes");
      this.rejected = Metrics.counter("duckdb." + table.name(), "rows_rejected");
      this.retries = Metrics.counter("duckdb." + table.name(), "write_retries");
    }

    @Setup
    public void setup() {
      warehouse = DuckDbWarehouse.open(Path.of(file));
    }

    @StartBundle
    public void startBundle() {
      batch = new ArrayList<>();
      rejections = new ArrayList<>();
    }

    @ProcessElement
    public void process(@Element T element, @Timestamp org.joda.time.Instant timestamp, BoundedWindow window)
        throws SQLException {
      batch.add(new Pending(toRow.apply(element), timestamp, window));
      if (batch.size() >= MAX_BATCH_ROWS) {
        flush();
      }
    }

    @FinishBundle
    public void finishBundle(FinishBundleContext context) throws SQLException {
      flush();
      for (Rejected r : rejections) {
        context.output(r.deadLetter(), r.timestamp(), r.window());
      }
      rejections.clear();
    }

    private void flush() throws SQLException {
      if (batch.isEmpty()) {
        return;
      }
      List<Map<String, Object>> rows = new ArrayList<>(batch.size());
      batch.forEach(p -> rows.add(p.row()));
      List<Map<String, Object>> kept = rows;
      if (table.upsert()) {
        kept = newestPerKey(table, rows);
        superseded.inc(rows.size() - kept.size());
      }
      List<Map<String, Object>> rowsToWrite = kept;
      try {
        count(Retry.DEFAULT.call("inserting " + kept.size() + " rows into " + table.name() + " of " + file,
            Retry.SLEEP, retries::inc, () -> warehouse.insert(table, rowsToWrite)), kept.size());
      } catch (DataError e) {
        oneByOne(kept);
      }
      batch.clear();
    }

    /** After a batch's data error: each row alone; the ones that fail with a data error become dead letters. */
    private void oneByOne(List<Map<String, Object>> rows) throws SQLException {
      for (Map<String, Object> row : rows) {
        try {
          count(Retry.DEFAULT.call("inserting a row into " + table.name() + " of " + file, Retry.SLEEP,
              retries::inc, () -> warehouse.insert(table, List.of(row))), 1);
        } catch (DataError d) {
          Exception e = d.cause;
          Pending p = batch.stream().filter(b -> b.row() == row).findFirst().orElseThrow();
          rejections.add(new Rejected(rejectedRow(table.name(), row, String.valueOf(e.getMessage())), p.timestamp(),
              p.window()));
          rejected.inc();
        }
      }
    }

    private void count(int inserted, int rows) {
      writes.inc();
      written.inc(inserted);
      duplicates.inc(rows - inserted);
    }
  }

  /** A write the rows themselves made fail ({@link #isDataError}): not retried. */
  static final class DataError extends Exception {
    final Exception cause;

    DataError(Exception cause) {
      super(cause.getMessage(), cause, false, false);
      this.cause = cause;
    }
  }

  /** A write to the warehouse. */
  interface Write {
    int run() throws SQLException;
  }

  /**
   * How a write that failed for a reason other than its data (the file, the disk, the process) is retried before
   * the bundle fails: {@code attempts} in all, waiting {@code initialBackoffMillis} and twice as long after each
   * further failure.
   */
  record Retry(int attempts, long initialBackoffMillis) implements java.io.Serializable {
    static final Retry DEFAULT = new Retry(5, 500);
    static final java.util.function.LongConsumer SLEEP = millis -> {
      try {
        Thread.sleep(millis);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    };
    private static final Logger LOG = Logger.getLogger(DuckDbSink.class.getName());

    /**
     * Runs {@code write}; a data error is thrown at once as {@link DataError}, any other failure is retried (each
     * retry logged at WARNING, counted by {@code onRetry}, after {@code sleep}) and, after the last attempt, thrown
     * as an {@link SQLException} naming {@code what} and the attempts.
     */
    int call(String what, java.util.function.LongConsumer sleep, Runnable onRetry, Write write)
        throws SQLException, DataError {
      long backoff = initialBackoffMillis;
      for (int attempt = 1; ; attempt++) {
        try {
          return write.run();
        } catch (SQLException | RuntimeException e) {
          if (isDataError(e)) {
            throw new DataError(e);
          }
          if (attempt >= attempts || Thread.currentThread().isInterrupted()) {
            throw new SQLException(what + " failed after " + attempt + " attempt(s): " + e.getMessage(), e);
          }
          int failed = attempt;
          long wait = backoff;
          LOG.warning(() -> what + " failed (" + e.getMessage() + "), attempt " + failed + " of " + attempts
              + "; retrying in " + wait + " ms");
          onRetry.run();
          sleep.accept(wait);
          backoff *= 2;
        }
      }
    }
  }

  /**
   * Whether DuckDB refused the rows themselves (a constraint, a conversion, an invalid or out-of-range value, a type
   * mismatch; or a value the row binding cannot convert), as opposed to an outage of the file or the process.
   */
  static boolean isDataError(Exception e) {
    // the warehouse wraps what went wrong in an SQLException with the cause kept: judge the whole chain
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof ClassCastException || t instanceof IllegalArgumentException
          || t instanceof java.time.DateTimeException || t instanceof ArithmeticException) {
        return true; // the binding of a row's values (wrong type, unparsable time, not JSON): the row's fault
      }
      if (t instanceof SQLException && DATA_ERROR.matcher(String.valueOf(t.getMessage())).find()) {
        return true;
      }
    }
    return false;
  }

  private static final java.util.regex.Pattern DATA_ERROR = java.util.regex.Pattern.compile(
      "\\b(Constraint|Conversion|Invalid Input|Out of Range|Mismatch Type) Error\\b");

  /**
   * Of rows of an upsert table, the one with the newest {@code updated_at} per primary key (the later one in
   * {@code rows} on a tie), in the order of their first appearance.
   */
  static List<Map<String, Object>> newestPerKey(TableSchema table, List<Map<String, Object>> rows) {
    Map<List<Object>, Map<String, Object>> newest = new LinkedHashMap<>();
    for (Map<String, Object> row : rows) {
      List<Object> key = new ArrayList<>();
      for (String column : table.primaryKey()) {
        key.add(row.get(column));
      }
      newest.merge(key, row, (kept, candidate) -> updatedAt(candidate).isBefore(updatedAt(kept)) ? kept : candidate);
    }
    return new ArrayList<>(newest.values());
  }

  private static Instant updatedAt(Map<String, Object> row) {
    Object value = row.get(Rows.UPDATED_AT);
    return value == null ? Instant.MIN : Instant.parse(value.toString());
  }
}
