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
 * buffered per bundle and inserted in one transaction per {@value #MAX_BATCH_ROWS} rows and at the end of the
 * bundle. The {@code events} table's primary key absorbs duplicates and retried bundles (one row per
 * {@code event_id}); a failed insert fails the bundle, so the runner retries it.
 *
 * <p>Counters, per table (namespace {@code duckdb.<table>}): {@code rows_written} (new rows) and
 * {@code duplicates_ignored} (rows whose key was already there).
 *
 * <p>{@link #table(TableSchema)} writes any contract table the same way; an {@code upsert} table replaces the row
 * of the same key ({@code INSERT OR REPLACE}), so the row written last wins.
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
    private transient DuckDbWarehouse warehouse;
    private transient List<Map<String, Object>> batch;

    WriteFn(String file, TableSchema table, SerializableFunction<T, Map<String, Object>> toRow) {
      this.file = file;
      this.table = table;
      this.toRow = toRow;
      this.written = Metrics.counter("duckdb." + table.name(), "rows_written");
      this.duplicates = Metrics.counter("duckdb." + table.name(), "duplicates_ignored");
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
      int inserted;
      try {
        inserted = warehouse.insert(table, batch);
      } catch (SQLException e) {
        throw new SQLException("inserting " + batch.size() + " rows into " + table.name() + " of " + file
            + " failed: " + e.getMessage(), e);
      }
      written.inc(inserted);
      duplicates.inc(batch.size() - inserted);
      batch.clear();
    }
  }
}
