package dev.shopstream.pipeline.testing;

import dev.shopstream.contract.DeadLetter;
import dev.shopstream.pipeline.sink.WarehouseSink;
import dev.shopstream.pipeline.transforms.ParseEvents;
import java.util.Objects;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.PDone;

/**
 * A sink's tests' shortcut: writes the output of {@link ParseEvents} with a {@link WarehouseSink}, events
 * ({@link ParseEvents#EVENTS}) to the {@code events} table and dead letters ({@link ParseEvents#DEAD_LETTERS}), with
 * the events the warehouse rejected, to its {@code dead_letter} table.
 */
public final class WriteParsed extends PTransform<PCollectionTuple, PDone> {
  private final WarehouseSink sink;

  private WriteParsed(WarehouseSink sink) {
    this.sink = Objects.requireNonNull(sink, "sink");
  }

  public static WriteParsed with(WarehouseSink sink) {
    return new WriteParsed(sink);
  }

  @Override
  public PDone expand(PCollectionTuple parsed) {
    PCollection<DeadLetter> rejected = parsed.get(ParseEvents.EVENTS).apply("WriteEvents", sink.events());
    return PCollectionList.of(parsed.get(ParseEvents.DEAD_LETTERS)).and(rejected)
        .apply("AllDeadLetters", Flatten.pCollections())
        .apply("WriteDeadLetters", sink.deadLetters());
  }
}
