package dev.shopstream.pipeline.warehouse;

import dev.shopstream.contract.DeadLetter;
import dev.shopstream.contract.Event;
import dev.shopstream.pipeline.transforms.ParseEvents;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.PDone;

/**
 * Writes the output of {@link ParseEvents} to a warehouse: events ({@link ParseEvents#EVENTS}) to the contract's
 * {@code events} table and dead letters ({@link ParseEvents#DEAD_LETTERS}) to its {@code dead_letter} table. A row the
 * warehouse rejects becomes a dead letter of step {@value #STEP_WRITE}; nothing is dropped silently.
 */
public abstract class WarehouseSink extends PTransform<PCollectionTuple, PDone> {
  /** The step of a dead letter for a row the warehouse rejected. */
  public static final String STEP_WRITE = "write";

  @Override
  public final PDone expand(PCollectionTuple parsed) {
    return write(parsed.get(ParseEvents.EVENTS), parsed.get(ParseEvents.DEAD_LETTERS));
  }

  protected abstract PDone write(PCollection<Event> events, PCollection<DeadLetter> deadLetters);
}
