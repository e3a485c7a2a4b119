package dev.shopstream.pipeline.transforms;

import com.google.api.services.bigquery.model.TableRow;
import dev.shopstream.contract.Event;
import dev.shopstream.contract.EventType;
import dev.shopstream.contract.ProductLine;
import dev.shopstream.contract.ProductTrendRow;
import dev.shopstream.pipeline.coders.EventCoder;
import dev.shopstream.pipeline.sink.BigQueryTables;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderRegistry;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.io.gcp.bigquery.TableRowJsonCoder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.Filter;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.windowing.AfterPane;
import org.apache.beam.sdk.transforms.windowing.AfterProcessingTime;
import org.apache.beam.sdk.transforms.windowing.AfterWatermark;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.FixedWindows;
import org.apache.beam.sdk.transforms.windowing.IntervalWindow;
import org.apache.beam.sdk.transforms.windowing.PaneInfo;
import org.apache.beam.sdk.transforms.windowing.SlidingWindows;
import org.apache.beam.sdk.transforms.windowing.TimestampCombiner;
import org.apache.beam.sdk.transforms.windowing.Trigger;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.joda.time.Duration;

/**
 * The trends step as it was before the stateful step (up to b95fe03): a fixed window per period (early, on-time and
 * late firings, discarding) whose sums the sliding windows of {@code size} every {@code period} add up (accumulating
 * panes), over a {@link Combine} of the same {@link TrendTotals}; one row per event type and pane. Kept in test code
 * only, as the reference the stateful step's rows are compared with ({@code TrendingProductsTest}).
 */
final class WindowedTrends extends PTransform<PCollection<Event>, PCollection<TableRow>> {
  private final Duration size;
  private final Duration period;
  private final Duration earlyFiringDelay;
  private final Duration lateFiringDelay;
  private final Duration allowedLateness;
  private final Clock clock;

  WindowedTrends(Duration size, Duration period, Duration earlyFiringDelay, Duration lateFiringDelay,
      Duration allowedLateness, Clock clock) {
    this.size = size;
    this.period = period;
    this.earlyFiringDelay = earlyFiringDelay;
    this.lateFiringDelay = lateFiringDelay;
    this.allowedLateness = allowedLateness;
    this.clock = clock;
  }

  @Override
  public PCollection<TableRow> expand(PCollection<Event> events) {
    KvCoder<String, TrendTotals> keyed = KvCoder.of(StringUtf8Coder.of(),
        TrendTotals.Coder.INSTANCE);
    PCollection<KV<String, TrendTotals>> lines = events
        .apply("CountIn", ParDo.of(new SessionizeEvents.CountFn<>(WindowedTrends.class)))
        .setCoder(EventCoder.of())
        .apply("PerProductLine", ParDo.of(new TrendingProducts.PreAggregateFn(size, period)))
        .setCoder(keyed);
    PCollection<KV<String, TrendTotals>> slidingInput = lines;
    Trigger.OnceTrigger slidingEarly = AfterProcessingTime.pastFirstElementInPane().plusDelayOf(earlyFiringDelay);
    Trigger.OnceTrigger slidingLate = Triggers.afterDelay(lateFiringDelay);
    if (period.getMillis() > 0 && size.getMillis() % period.getMillis() == 0) {
      // Two stages: a fixed window per period does the per-element work (one window instead of size / period),
      // and the sliding windows only add up what it fires, a few elements per product and minute.
      slidingInput = lines
          .apply("PeriodWindows", Window.<KV<String, TrendTotals>>into(FixedWindows.of(period))
              .triggering(AfterWatermark.pastEndOfWindow()
                  .withEarlyFirings(AfterProcessingTime.pastFirstElementInPane().plusDelayOf(earlyFiringDelay))
                  .withLateFirings(Triggers.afterDelay(lateFiringDelay)))
              .withAllowedLateness(allowedLateness)
              .discardingFiredPanes()
              .withOnTimeBehavior(Window.OnTimeBehavior.FIRE_IF_NON_EMPTY))
          .apply("PeriodTotals", Combine.perKey(new EventsAndUnits()))
          .apply("NonEmpty", Filter.by((KV<String, TrendTotals> kv) -> !kv.getValue().isEmpty()))
          .setCoder(keyed);
      slidingEarly = AfterProcessingTime.pastFirstElementInPane();
      slidingLate = AfterPane.elementCountAtLeast(1);
    }
    return slidingInput
        .apply("SlidingWindows", Window.<KV<String, TrendTotals>>into(
                SlidingWindows.of(size).every(period))
            .triggering(AfterWatermark.pastEndOfWindow()
                .withEarlyFirings(slidingEarly)
                .withLateFirings(slidingLate))
            .withAllowedLateness(allowedLateness)
            .accumulatingFiredPanes()
            // set explicitly: a Window transform keeps the input's settings it does not set (the periods' above)
            .withOnTimeBehavior(Window.OnTimeBehavior.FIRE_ALWAYS)
            .withTimestampCombiner(TimestampCombiner.END_OF_WINDOW))
        .apply("EventsAndUnits", Combine.perKey(new EventsAndUnits()))
        .apply("ToTrendRow", ParDo.of(new TrendRowFn(clock)))
        .setCoder(TableRowJsonCoder.of());
  }

  /**
   * Partial sums per event type to the sums of the pane. The accumulator is mutable and {@code addInput} returns the
   * instance it was given: Flink's streaming combine keeps the accumulator it passed in and drops the returned one,
   * so an immutable accumulator there stays at its initial value (every pane counted 0 events; found by the Flink
   * scenario test). The output is a copy, never the accumulator itself.
   */
  static final class EventsAndUnits
      extends Combine.CombineFn<TrendTotals, TrendTotals, TrendTotals> {
    @Override
    public TrendTotals createAccumulator() {
      return new TrendTotals();
    }

    @Override
    public TrendTotals addInput(TrendTotals totals, TrendTotals partial) {
      totals.add(partial);
      return totals;
    }

    @Override
    public TrendTotals mergeAccumulators(Iterable<TrendTotals> accumulators) {
      TrendTotals merged = null;
      for (TrendTotals t : accumulators) {
        if (merged == null) {
          merged = t;
        } else {
          merged.add(t);
        }
      }
      return merged == null ? new TrendTotals() : merged;
    }

    @Override
    public TrendTotals extractOutput(TrendTotals totals) {
      return totals.copy();
    }

    @Override
    public Coder<TrendTotals> getAccumulatorCoder(CoderRegistry registry, Coder<TrendTotals> input) {
      return TrendTotals.Coder.INSTANCE;
    }

    @Override
    public Coder<TrendTotals> getDefaultOutputCoder(CoderRegistry registry, Coder<TrendTotals> input) {
      return TrendTotals.Coder.INSTANCE;
    }
  }

  /** A pane's totals to one row per event type that it counts (none: an empty pane, see the class comment). */
  static final class TrendRowFn extends DoFn<KV<String, TrendTotals>, TableRow> {
    private final Counter out = Metrics.counter(WindowedTrends.class, "out");
    private final Counter late = Metrics.counter(WindowedTrends.class, "late");
    private final Counter emptyPanes = Metrics.counter(WindowedTrends.class, "empty_panes");
    private final Clock clock;

    TrendRowFn(Clock clock) {
      this.clock = clock;
    }

    @ProcessElement
    public void process(@Element KV<String, TrendTotals> totals, BoundedWindow window,
        PaneInfo pane, OutputReceiver<TableRow> o) {
      IntervalWindow w = (IntervalWindow) window;
      boolean any = false;
      for (EventType type : EventType.values()) {
        long events = totals.getValue().events(type);
        if (events == 0) {
          continue; // no event of this type in the window (yet): no row
        }
        any = true;
        o.output(BigQueryTables.tableRow(TrendingProducts.row(totals.getKey(), type.wireName(),
            Instant.ofEpochMilli(w.start().getMillis()), Instant.ofEpochMilli(w.end().getMillis()),
            events, totals.getValue().units(type), pane.getTiming(), clock.instant())));
        out.inc();
        if (pane.getTiming() == PaneInfo.Timing.LATE) {
          late.inc();
        }
      }
      if (!any) {
        // a pane of an empty accumulator: no event of this key is in it (see the class comment)
        emptyPanes.inc();
      }
    }
  }
}
