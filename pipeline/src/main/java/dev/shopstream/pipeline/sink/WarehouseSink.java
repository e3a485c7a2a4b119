package dev.shopstream.pipeline.sink;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.google.api.services.bigquery.model.TableRow;
import dev.shopstream.contract.DeadLetter;
import dev.shopstream.contract.Event;
import dev.shopstream.contract.Json;
import dev.shopstream.contract.Rows;
import dev.shopstream.contract.TableSchema;
import java.io.Serializable;
import java.time.Instant;
import java.util.Map;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.windowing.DefaultTrigger;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PDone;
import org.joda.time.Duration;

/**
 * Writes to a warehouse: events to the contract's {@code events} table ({@link #events()}), rows of the other contract
 * tables ({@link #table(TableSchema)}) and dead letters, with the rows the warehouse rejected, to its
 * {@code dead_letter} table ({@link #deadLetters()}). The pipeline applies each part where its data is made.
 *
 * <p><b>Nothing is dropped silently.</b> A row the warehouse rejects for good (bad data, not an outage) is returned by
 * {@link #events()} and {@link #table(TableSchema)} as a dead letter of step {@value #STEP_WRITE} whose payload is the
 * row as JSON and whose attribute {@value #TABLE_ATTRIBUTE} names the table; the caller writes it with the other dead
 * letters (and publishes it to the dead-letter topic). An outage fails the write, so the runner retries it. Only a
 * dead letter the warehouse rejects is the end of the line: {@link #deadLetters()} logs it whole and counts it.
 *
 * <p>Rows of other contract tables are in the shape of {@link dev.shopstream.contract.Rows} as {@link TableRow}s
 * ({@link BigQueryTables#tableRow}, coder {@code TableRowJsonCoder}). For a table whose contract says {@code upsert},
 * the latest row per key wins.
 */
public abstract class WarehouseSink implements Serializable {
  private static final long serialVersionUID = 1L;
  /** The step of a dead letter for a row the warehouse rejected. */
  public static final String STEP_WRITE = "write";
  /** The attribute of a {@value #STEP_WRITE} dead letter naming the table that rejected the row. */
  public static final String TABLE_ATTRIBUTE = "table";

  /** Writes events to the {@code events} table (one row per {@code event_id}); returns the rejected ones. */
  public abstract PTransform<PCollection<Event>, PCollection<DeadLetter>> events();

  /**
   * Writes rows of the contract table {@code table} (rows in the shape of {@link dev.shopstream.contract.Rows},
   * converted with {@link BigQueryTables#tableRow}); returns the rejected ones as dead letters in the global window
   * ({@link #globalWindow()}), ready to be flattened with the others. Insert-once tables keep the first row per key;
   * {@code upsert} tables keep the latest.
   */
  public abstract PTransform<PCollection<TableRow>, PCollection<DeadLetter>> table(TableSchema table);

  /** Writes dead letters to the {@code dead_letter} table; one it rejects is logged whole and counted. */
  public abstract PTransform<PCollection<DeadLetter>, PDone> deadLetters();

  /** A row the warehouse rejected as a dead letter: the row as JSON, the table named, the warehouse's reason. */
  protected static DeadLetter rejectedRow(String table, Map<String, ?> row, String reason) {
    String payload;
    try {
      payload = Json.MAPPER.writeValueAsString(row);
    } catch (JsonProcessingException | RuntimeException e) {
      payload = String.valueOf(row); // a rejected row is never lost to a formatting problem
    }
    Object id = row.get(Rows.EVENT_ID);
    return new DeadLetter(id instanceof String s ? s : null, payload, Map.of(TABLE_ATTRIBUTE, table),
        table + ": " + reason, STEP_WRITE, Instant.now());
  }

  /**
   * Dead letters re-windowed into the global window with the default trigger, the windowing of the source's: rejected
   * rows of windowed tables (sessions, trends) can then be flattened with every other dead letter.
   */
  public static PTransform<PCollection<DeadLetter>, PCollection<DeadLetter>> globalWindow() {
    return Window.<DeadLetter>into(new GlobalWindows())
        .triggering(DefaultTrigger.of())
        .withAllowedLateness(Duration.ZERO)
        .discardingFiredPanes();
  }
}
