package dev.shopstream.pipeline.warehouse;

import com.google.api.services.bigquery.model.TableRow;
import dev.shopstream.contract.DeadLetter;
import dev.shopstream.contract.Event;
import dev.shopstream.contract.Rows;
import dev.shopstream.contract.TableSchema;
import dev.shopstream.contract.TableSchemas;
import dev.shopstream.warehouse.duckdb.DuckDbWarehouse;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.SerializableFunction;
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
 * ({@code INSERT OR REPLACE}), and within a write only the row with the newest {@code updated_at} per key is
 * written. A failed insert fails the bundle, so the runner retries it. The {@code dead_letter} table has no key in
 * the contract: a bundle retried after its commit (the DirectRunner fails the pipeline instead of retrying) would
 * repeat its dead letters, never lose them.
 *
 * <p>Counters, per table (namespace {@code duckdb.<table>}): {@code rows_written} (new rows),
 * {@code duplicates_ignored} (rows of an insert-once table whose key was already there), {@code superseded} (rows of
 * an upsert table replaced by a newer row of the same key in the same write) and {@code writes}.
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
  protected PDone write(PCollection<Event> events, PCollection<DeadLetter> deadLetters) {
    events.apply("WriteEvents",
        ParDo.of(new WriteFn<>(file, TableSchemas.events(), e -> Rows.event(e, Instant.now()))));
    deadLetters.apply("WriteDeadLetters", ParDo.of(new WriteFn<>(file, TableSchemas.deadLetter(), Rows::deadLetter)));
    return PDone.in(events.getPipeline());
  }

  @Override
  public PTransform<PCollection<TableRow>, PDone> table(TableSchema table) {
    String file = this.file;
    return new PTransform<>("Write_" + table.name()) {
      @Override
      public PDone expand(PCollection<TableRow> rows) {
        rows.apply("Write", ParDo.of(new WriteFn<TableRow>(file, table, row -> row)));
        return PDone.in(rows.getPipeline());
      }
    };
  }

  /** Inserts rows of one contract table in batches; an insert that fails throws, failing the bundle. */
  static final class WriteFn<T> extends DoFn<T, Void> {
    private final String file;
    private final TableSchema table;
    private final SerializableFunction<T, Map<String, Object>> toRow;
    private final Counter written;
    private final Counter duplicates;
    private final Counter superseded;
    private final Counter writes;
    private transient DuckDbWarehouse warehouse;
    private transient List<Map<String, Object>> batch;

    WriteFn(String file, TableSchema table, SerializableFunction<T, Map<String, Object>> toRow) {
      this.file = file;
      this.table = table;
      this.toRow = toRow;
      this.written = Metrics.counter("duckdb." + table.name(), "rows_written");
      this.duplicates = Metrics.counter("duckdb." + table.name(), "duplicates_ignored");
      this.superseded = Metrics.counter("duckdb." + table.name(), "superseded");
      this.writes = Metrics.counter("duckdb." + table.name(), "writes");
    }

    @Setup
    public void setup() {
      warehouse = DuckDbWarehouse.open(Path.of(file));
    }

    @StartBundle
    public void startBundle() {
      batch = new ArrayList<>();
    }

    @ProcessElement
    public void process(@Element T element) throws SQLException {
      batch.add(toRow.apply(element));
      if (batch.size() >= MAX_BATCH_ROWS) {
        flush();
      }
    }

    @FinishBundle
    public void finishBundle() throws SQLException {
      flush();
    }

    private void flush() throws SQLException {
      if (batch.isEmpty()) {
        return;
      }
      List<Map<String, Object>> rows = batch;
      if (table.upsert()) {
        rows = newestPerKey(table, batch);
        superseded.inc(batch.size() - rows.size());
      }
      int inserted;
      try {
        inserted = warehouse.insert(table, rows);
      } catch (SQLException e) {
        throw new SQLException("inserting " + rows.size() + " rows into " + table.name() + " of " + file
            + " failed: " + e.getMessage(), e);
      }
      writes.inc();
      written.inc(inserted);
      duplicates.inc(rows.size() - inserted);
      batch.clear();
    }
  }

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
    Object value = row.get("updated_at");
    return value == null ? Instant.MIN : Instant.parse(value.toString());
  }
}
