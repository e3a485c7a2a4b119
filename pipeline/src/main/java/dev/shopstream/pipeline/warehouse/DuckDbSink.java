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
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.WithKeys;
import org.apache.beam.sdk.transforms.windowing.AfterPane;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.Repeatedly;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.joda.time.Duration;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PDone;

/**
 * Writes to the local DuckDB warehouse ({@link DuckDbWarehouse}, one file shared by the whole process).
 *
 * <p><b>Batching.</b> Before each table's writer, {@link Batch} regroups the rows (global window, one key per
 * table, a trigger that fires for whatever has arrived): the stateful and windowed steps upstream emit bundles of
 * one or two rows (on the DirectRunner a bundle per key), and a DuckDB transaction per such bundle was the
 * bottleneck of the whole local pipeline (each commit writes and syncs the write-ahead log). A batch is written in
 * one transaction. The regrouping is a {@code GroupByKey}: every row is in
 * exactly one pane, so nothing is dropped or repeated on the way; window and pane are dropped (a row carries what it
 * needs).
 *
 * <p><b>Idempotence.</b> The {@code events} table's primary key absorbs duplicates and retried batches (one row per
 * {@code event_id}: {@code INSERT OR IGNORE}); an {@code upsert} table replaces the row of the same key
 * ({@code INSERT OR REPLACE}), and within a batch only the row with the newest {@code updated_at} per key is written
 * (the batch's order is not the order rows were produced in). A failed insert fails the batch, so the runner retries
 * it. The {@code dead_letter} table has no key in the contract: a batch retried after its commit (the DirectRunner
 * fails the pipeline instead of retrying) would repeat its dead letters, never lose them.
 *
 * <p>Counters, per table (namespace {@code duckdb.<table>}): {@code rows_written} (new rows),
 * {@code duplicates_ignored} (rows of an insert-once table whose key was already there), {@code superseded} (rows of
 * an upsert table replaced by a newer row of the same key in the same batch) and {@code batches}.
 */
public final class DuckDbSink extends WarehouseSink {
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
    events.apply("BatchEvents", new Batch<>()).apply("WriteEvents",
        ParDo.of(new WriteFn<>(file, TableSchemas.events(), e -> Rows.event(e, Instant.now()))));
    deadLetters.apply("BatchDeadLetters", new Batch<>())
        .apply("WriteDeadLetters", ParDo.of(new WriteFn<>(file, TableSchemas.deadLetter(), Rows::deadLetter)));
    return PDone.in(events.getPipeline());
  }

  @Override
  public PTransform<PCollection<TableRow>, PDone> table(TableSchema table) {
    String file = this.file;
    return new PTransform<>("Write_" + table.name()) {
      @Override
      public PDone expand(PCollection<TableRow> rows) {
        rows.apply("Batch", new Batch<>()).apply("Write", ParDo.of(new WriteFn<TableRow>(file, table, row -> row)));
        return PDone.in(rows.getPipeline());
      }
    };
  }

  /**
   * Regroups elements into batches of whatever has arrived: global window, one key, a {@code GroupByKey} whose
   * trigger fires for every non-empty pane (discarding, so each element is in exactly one batch). In the global
   * window nothing is ever late, so nothing is dropped; the final pane fires when the input ends.
   */
  static final class Batch<T> extends PTransform<PCollection<T>, PCollection<KV<Integer, Iterable<T>>>> {
    @Override
    public PCollection<KV<Integer, Iterable<T>>> expand(PCollection<T> input) {
      return input
          .apply("GlobalWindow", Window.<T>into(new GlobalWindows())
              .triggering(Repeatedly.forever(AfterPane.elementCountAtLeast(1)))
              .withAllowedLateness(Duration.ZERO)
              .discardingFiredPanes())
          .apply("OneKey", WithKeys.of(0))
          .setCoder(KvCoder.of(VarIntCoder.of(), input.getCoder()))
          .apply("GroupIntoBatch", GroupByKey.create());
    }
  }

  /**
   * Inserts each batch of rows of one contract table in one transaction; an insert that fails throws, failing the
   * bundle (the runner retries it; the writes of keyed tables are idempotent).
   */
  static final class WriteFn<T> extends DoFn<KV<Integer, Iterable<T>>, Void> {
    private final String file;
    private final TableSchema table;
    private final SerializableFunction<T, Map<String, Object>> toRow;
    private final Counter written;
    private final Counter duplicates;
    private final Counter superseded;
    private final Counter batches;
    private transient DuckDbWarehouse warehouse;

    WriteFn(String file, TableSchema table, SerializableFunction<T, Map<String, Object>> toRow) {
      this.file = file;
      this.table = table;
      this.toRow = toRow;
      this.written = Metrics.counter("duckdb." + table.name(), "rows_written");
      this.duplicates = Metrics.counter("duckdb." + table.name(), "duplicates_ignored");
      this.superseded = Metrics.counter("duckdb." + table.name(), "superseded");
      this.batches = Metrics.counter("duckdb." + table.name(), "batches");
    }

    @Setup
    public void setup() {
      warehouse = DuckDbWarehouse.open(Path.of(file));
    }

    @ProcessElement
    public void process(@Element KV<Integer, Iterable<T>> batch) throws SQLException {
      batches.inc();
      List<Map<String, Object>> rows = new ArrayList<>();
      for (T element : batch.getValue()) {
        rows.add(toRow.apply(element));
      }
      if (table.upsert()) {
        int all = rows.size();
        rows = newestPerKey(table, rows);
        superseded.inc(all - rows.size());
      }
      int inserted;
      try {
        inserted = warehouse.insert(table, rows);
      } catch (SQLException e) {
        throw new SQLException("inserting " + rows.size() + " rows into " + table.name() + " of " + file
            + " failed: " + e.getMessage(), e);
      }
      written.inc(inserted);
      duplicates.inc(rows.size() - inserted);
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
