package dev.shopstream.pipeline.warehouse;

import dev.shopstream.contract.DeadLetter;
import com.google.api.services.bigquery.model.TableRow;
import dev.shopstream.contract.Event;
import dev.shopstream.contract.TableSchema;
import dev.shopstream.pipeline.transforms.ParseEvents;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.PDone;

/**
 * Writes the output of {@link ParseEvents} to a warehouse: events ({@link ParseEvents#EVENTS}) to the contract's
 * {@code events} table and dead letters ({@link ParseEvents#DEAD_LETTERS}) to its {@code dead_letter} table. A row the
 * warehouse rejects becomes a dead letter of step {@value #STEP_WRITE}; nothing is dropped silently.
 *
 * <p>{@link #table(TableSchema)} writes any other contract table: rows in the shape of
 * {@link dev.shopstream.contract.Rows} as {@link TableRow}s ({@link BigQueryTables#tableRow}, coder
 * {@code TableRowJsonCoder}). For a table whose contract says {@code upsert}, the latest row per key wins.
 */
public abstract class WarehouseSink extends PTransform<PCollectionTuple, PDone> {
  /** The step of a dead letter for a row the warehouse rejected. */
  public static final String STEP_WRITE = "write";

  @Override
  public final PDone expand(PCollectionTuple parsed) {
    return write(parsed.get(ParseEvents.EVENTS), parsed.get(ParseEvents.DEAD_LETTERS));
  }

  /**
   * Writes rows of the contract table {@code table} (rows in the shape of {@link dev.shopstream.contract.Rows},
   * converted with {@link BigQueryTables#tableRow}). Insert-once tables keep the first row per key; {@code upsert}
   * tables keep the latest.
   */
  public abstract PTransform<PCollection<TableRow>, PDone> table(TableSchema table);

  protected abstract PDone write(PCollection<Event> events, PCollection<DeadLetter> deadLetters);
}
