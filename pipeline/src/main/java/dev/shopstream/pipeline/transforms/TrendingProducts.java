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
 * Events to rows of the contract's {@code product_trends} table: per product and event type, the number of events
 * and the sum of quantities in event-time sliding windows of {@code size} every {@code period}. The windows are
 * keyed by product, with the sums of every event type in one accumulator (one window state and trigger per product
 * rather than per product and type: the windowing machinery is most of this step's cost), and each pane gives one
 * row per event type it counts. Panes accumulate:
 * early ones ({@code earlyFiringDelay} of processing time after the first element of a pane) while the window is
 * open, the on-time one when the watermark passes its end, late ones for data within {@code allowedLateness}
 * ({@code lateFiringDelay} after the first late element; zero: at once). Each row's {@code timing} is its pane's
 * (EARLY, ON_TIME, LATE); the table's upsert keeps the latest per window. Later data is dropped by the runner.
 *
 * <p>When {@code period} divides {@code size} (the defaults: 1 h every 5 min), the per-event work happens in one
 * fixed window per period rather than in all {@code size / period} sliding windows of an event: the period windows
 * (same triggers and lateness, discarding) fire the sums that are new since their last firing, and the sliding windows
 * add those up, firing at once (processing time) for early and late sums and when the watermark passes their end.
 * The rows are the same; an early row comes one processing-time tick after the period's early firing. The period's
 * on-time sum is held in the watermark until it is out, so a sliding window's on-time pane counts it. That cut the
 * windowing work per event about twelvefold (issue 14: it was the largest share of the pipeline's CPU on Flink).
 *
 * <p>A pane whose combined value counts no event is not written: the Beam model never fires a key's pane without an
 * element, but Flink's streaming runner (parallelism 2, Beam 2.70) fires a second on-time pane of an empty
 * accumulator after the real one, which would overwrite the window's row with zeros (found by the Flink scenario
 * test, {@code PipelineScenarios}); such panes are counted as {@code empty_panes}.
 *
 * <p>Counters (namespace: this class): {@code in} (events), {@code out} (rows), {@code late} (rows of late panes),
 * {@code empty_panes} (panes skipped, see above).
 */
public final class TrendingProducts extends PTransform<PCollection<Event>, PCollection<TableRow>> {
  public static final Duration DEFAULT_SIZE = Duration.standardHours(1);
  public static final Duration DEFAULT_PERIOD = Duration.standardMinutes(5);

  private final Duration size;
  private final Duration period;
  private final Duration earlyFiringDelay;
  private final Duration lateFiringDelay;
  private final Duration allowedLateness;
  private final Clock clock;

  public TrendingProducts(Duration size, Duration period, Duration earlyFiringDelay, Duration lateFiringDelay,
      Duration allowedLateness) {
    this(size, period, earlyFiringDelay, lateFiringDelay, allowedLateness, Clock.systemUTC());
  }

  private TrendingProducts(Duration size, Duration period, Duration earlyFiringDelay, Duration lateFiringDelay,
      Duration allowedLateness, Clock clock) {
    this.size = Objects.requireNonNull(size, "size");
    this.period = Objects.requireNonNull(period, "period");
    this.earlyFiringDelay = Objects.requireNonNull(earlyFiringDelay, "earlyFiringDelay");
    this.lateFiringDelay = Objects.requireNonNull(lateFiringDelay, "lateFiringDelay");
    this.allowedLateness = Objects.requireNonNull(allowedLateness, "allowedLateness");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** The clock that stamps {@code updated_at} (serializable). */
  public TrendingProducts withClock(Clock clock) {
    return new TrendingProducts(size, period, earlyFiringDelay, lateFiringDelay, allowedLateness, clock);
  }

  @Override
  public PCollection<TableRow> expand(PCollection<Event> events) {
    KvCoder<String, EventsAndUnits.Totals> keyed = KvCoder.of(StringUtf8Coder.of(),
        EventsAndUnits.TotalsCoder.INSTANCE);
    PCollection<KV<String, EventsAndUnits.Totals>> lines = events
        .apply("CountIn", ParDo.of(new SessionizeEvents.CountFn<>(TrendingProducts.class)))
        .setCoder(EventCoder.of())
        .apply("PerProductLine", ParDo.of(new PreAggregateFn(size, period)))
        .setCoder(keyed);
    PCollection<KV<String, EventsAndUnits.Totals>> slidingInput = lines;
    Trigger.OnceTrigger slidingEarly = AfterProcessingTime.pastFirstElementInPane().plusDelayOf(earlyFiringDelay);
    Trigger.OnceTrigger slidingLate = Triggers.afterDelay(lateFiringDelay);
    if (period.getMillis() > 0 && size.getMillis() % period.getMillis() == 0) {
      // Two stages: a fixed window per period does the per-element work (one window instead of size / period),
      // and the sliding windows only add up what it fires, a few elements per product and minute.
      slidingInput = lines
          .apply("PeriodWindows", Window.<KV<String, EventsAndUnits.Totals>>into(FixedWindows.of(period))
              .triggering(AfterWatermark.pastEndOfWindow()
                  .withEarlyFirings(AfterProcessingTime.pastFirstElementInPane().plusDelayOf(earlyFiringDelay))
                  .withLateFirings(Triggers.afterDelay(lateFiringDelay)))
              .withAllowedLateness(allowedLateness)
              .discardingFiredPanes()
              .withOnTimeBehavior(Window.OnTimeBehavior.FIRE_IF_NON_EMPTY))
          .apply("PeriodTotals", Combine.perKey(new EventsAndUnits()))
          .apply("NonEmpty", Filter.by((KV<String, EventsAndUnits.Totals> kv) -> !kv.getValue().isEmpty()))
          .setCoder(keyed);
      slidingEarly = AfterProcessingTime.pastFirstElementInPane();
      slidingLate = AfterPane.elementCountAtLeast(1);
    }
    return slidingInput
        .apply("SlidingWindows", Window.<KV<String, EventsAndUnits.Totals>>into(
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
   * The product lines of each bundle summed per product, event type and trend period ({@link TrendBuckets}), so
   * that the sliding windows' combining state is updated once per bucket and bundle rather than once per line.
   */
  static final class PreAggregateFn extends DoFn<Event, KV<String, EventsAndUnits.Totals>> {
    private final Duration size;
    private final Duration period;
    private transient TrendBuckets buckets;

    PreAggregateFn(Duration size, Duration period) {
      this.size = size;
      this.period = period;
    }

    @StartBundle
    public void startBundle() {
      buckets = new TrendBuckets(size, period);
    }

    @ProcessElement
    public void process(@Element Event e, @Timestamp org.joda.time.Instant timestamp, BoundedWindow window) {
      for (ProductLine p : e.products()) {
        buckets.add(p.productId(), e.eventType(), p.quantity(), timestamp, window);
      }
    }

    @FinishBundle
    public void finishBundle(FinishBundleContext context) {
      for (TrendBuckets.Output o : buckets.drain()) {
        context.output(o.element(), o.timestamp(), o.window());
      }
    }
  }

  /**
   * Partial sums per event type to the sums of the pane. The accumulator is mutable and {@code addInput} returns the
   * instance it was given: Flink's streaming combine keeps the accumulator it passed in and drops the returned one,
   * so an immutable accumulator there stays at its initial value (every pane counted 0 events; found by the Flink
   * scenario test). The output is a copy, never the accumulator itself.
   */
  static final class EventsAndUnits
      extends Combine.CombineFn<EventsAndUnits.Totals, EventsAndUnits.Totals, EventsAndUnits.Totals> {
    private static final EventType[] TYPES = EventType.values();

    /** Running totals (events and units) per event type; mutated in place. */
    static final class Totals {
      final long[] events = new long[TYPES.length];
      final long[] units = new long[TYPES.length];

      void add(EventType type, long eventCount, long unitCount) {
        events[type.ordinal()] += eventCount;
        units[type.ordinal()] += unitCount;
      }

      void add(Totals other) {
        for (int i = 0; i < TYPES.length; i++) {
          events[i] += other.events[i];
          units[i] += other.units[i];
        }
      }

      long events(EventType type) {
        return events[type.ordinal()];
      }

      boolean isEmpty() {
        for (long n : events) {
          if (n != 0) {
            return false;
          }
        }
        return true;
      }

      long units(EventType type) {
        return units[type.ordinal()];
      }

      Totals copy() {
        Totals copy = new Totals();
        copy.add(this);
        return copy;
      }
    }

    @Override
    public Totals createAccumulator() {
      return new Totals();
    }

    @Override
    public Totals addInput(Totals totals, Totals partial) {
      totals.add(partial);
      return totals;
    }

    @Override
    public Totals mergeAccumulators(Iterable<Totals> accumulators) {
      Totals merged = null;
      for (Totals t : accumulators) {
        if (merged == null) {
          merged = t;
        } else {
          merged.add(t);
        }
      }
      return merged == null ? new Totals() : merged;
    }

    @Override
    public Totals extractOutput(Totals totals) {
      return totals.copy();
    }

    @Override
    public Coder<Totals> getAccumulatorCoder(CoderRegistry registry, Coder<Totals> input) {
      return TotalsCoder.INSTANCE;
    }

    @Override
    public Coder<Totals> getDefaultOutputCoder(CoderRegistry registry, Coder<Totals> input) {
      return TotalsCoder.INSTANCE;
    }

    /** Per event type (in enum order), two variable-length longs: events and units. */
    static final class TotalsCoder extends AtomicCoder<Totals> {
      static final TotalsCoder INSTANCE = new TotalsCoder();

      @Override
      public void encode(Totals totals, OutputStream out) throws IOException {
        for (int i = 0; i < TYPES.length; i++) {
          VarLongCoder.of().encode(totals.events[i], out);
          VarLongCoder.of().encode(totals.units[i], out);
        }
      }

      @Override
      public Totals decode(InputStream in) throws IOException {
        Totals totals = new Totals();
        for (int i = 0; i < TYPES.length; i++) {
          totals.events[i] = VarLongCoder.of().decode(in);
          totals.units[i] = VarLongCoder.of().decode(in);
        }
        return totals;
      }

      @Override
      public void verifyDeterministic() {}
    }
  }

  /** A pane's totals to one row per event type that it counts (none: an empty pane, see the class comment). */
  static final class TrendRowFn extends DoFn<KV<String, EventsAndUnits.Totals>, TableRow> {
    private final Counter out = Metrics.counter(TrendingProducts.class, "out");
    private final Counter late = Metrics.counter(TrendingProducts.class, "late");
    private final Counter emptyPanes = Metrics.counter(TrendingProducts.class, "empty_panes");
    private final Clock clock;

    TrendRowFn(Clock clock) {
      this.clock = clock;
    }

    @ProcessElement
    public void process(@Element KV<String, EventsAndUnits.Totals> totals, BoundedWindow window,
        PaneInfo pane, OutputReceiver<TableRow> o) {
      IntervalWindow w = (IntervalWindow) window;
      boolean any = false;
      for (EventType type : EventType.values()) {
        long events = totals.getValue().events(type);
        if (events == 0) {
          continue; // no event of this type in the window (yet): no row
        }
        any = true;
        o.output(BigQueryTables.tableRow(row(totals.getKey(), type.wireName(),
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

  /** A {@code product_trends} row (shape of {@link dev.shopstream.contract.Rows}); an UNKNOWN timing is left out. */
  static Map<String, Object> row(String productId, String eventType, Instant windowStart, Instant windowEnd,
      long events, long units, PaneInfo.Timing timing, Instant updatedAt) {
    return new ProductTrendRow(productId, eventType, windowStart, windowEnd, events, units,
        timing == PaneInfo.Timing.UNKNOWN ? null : timing.name(), updatedAt).toRow();
  }
}
