package dev.shopstream.pipeline.transforms;

import com.google.api.services.bigquery.model.TableRow;
import dev.shopstream.contract.Event;
import dev.shopstream.contract.EventType;
import dev.shopstream.contract.ProductLine;
import dev.shopstream.contract.ProductTrendRow;
import dev.shopstream.pipeline.coders.EventCoder;
import dev.shopstream.pipeline.sink.BigQueryTables;
import java.time.Clock;
import java.time.Instant;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.io.gcp.bigquery.TableRowJsonCoder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.state.StateSpec;
import org.apache.beam.sdk.state.StateSpecs;
import org.apache.beam.sdk.state.TimeDomain;
import org.apache.beam.sdk.state.Timer;
import org.apache.beam.sdk.state.TimerSpec;
import org.apache.beam.sdk.state.TimerSpecs;
import org.apache.beam.sdk.state.ValueState;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.PaneInfo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.joda.time.Duration;

/**
 * Events to rows of the contract's {@code product_trends} table: per product and event type, the number of events
 * and the sum of quantities in event-time sliding windows of {@code size} every {@code period} (offset zero), the
 * windows Beam's {@code SlidingWindows} would assign. Every row is the window's totals so far, and the table's upsert
 * on (product, event type, window) keeps the latest: early rows ({@code earlyFiringDelay} of processing time after the
 * first change since the last row) while the window is open, the on-time one when the watermark passes its end, late
 * ones when data for it arrives later, within {@code allowedLateness} ({@code lateFiringDelay} after the first late
 * change; zero: at once). Each row's {@code timing} says which (EARLY, ON_TIME, LATE).
 *
 * <p>It is one stateful step per product in the global window (input in the global window, as the pipeline's is), not
 * windows: the product lines of each bundle are summed per product and bucket of time first ({@link TrendBuckets}),
 * then one state value per product ({@link ProductTrends}: totals per bucket, the period when it divides the size,
 * and a closed and a dirty flag per window with data), one event-time timer ({@code close}: the earliest window end,
 * or forgetting time, of the product's windows; it only moves earlier when data arrives and moves itself later when
 * it fires) and one processing-time timer ({@code flush}: early rows, and late rows when {@code lateFiringDelay} is
 * not zero). The windowed implementation (a fixed window per period, then 12 sliding windows, each with trigger, pane
 * and accumulator state and timers) was the largest windowing cost left in the profile on Flink. A bounded input (a
 * backfill) has no early rows: every window's row comes when the watermark passes its end.
 *
 * <p><b>Late data</b> (a stateful step does not see the watermark; what it knows of it per product is the newest
 * event-time timer that fired for that product, at most a period behind for a product with data). A window is kept
 * until the watermark passes its end + {@code allowedLateness}, then forgotten; when the product has no window left,
 * its state keeps only that watermark (a tombstone of a few bytes per product ever seen, bounded by the catalog; no
 * timer). Data within the allowed lateness gives the same rows as the windows: a LATE row of every
 * window whose end the product's timers have passed, on-time data of the later ones. Data whose period (the window
 * it would have been in first) is beyond the allowed lateness of the watermark known for the product is dropped, as
 * the windows did (counter {@code dropped}); a window whose on-time row the product's timers have shown but the
 * windows would have dropped data of in the meantime (the watermark moved on since the product's last timer, at most
 * a period for a product with data) counts it. A product seen for the first time cannot tell data is late: it is
 * counted and its windows' rows go out as ON_TIME at the next watermark advance (the windows wrote them as LATE, or
 * dropped the data when beyond the allowed lateness); no earlier row of the product exists that it could replace.
 * A product whose windows were forgotten drops such data (its tombstone), as the windows did. Rows are in the global window, so they carry no pane (the {@code timing} column says what
 * the pane said). A change of this step's state or graph means a Flink checkpoint of an earlier release cannot be
 * restored (locally: {@code --discard-pipeline-state}; Dataflow: drain and start).
 *
 * <p>Counters (namespace: this class): {@code in} (events), {@code out} (rows), {@code early} and {@code late} (rows
 * of those timings), {@code dropped} (bucket sums dropped as beyond the allowed lateness).
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
    ProductTrends.Geometry geometry = new ProductTrends.Geometry(size, period, allowedLateness);
    return events
        .apply("CountIn", ParDo.of(new SessionizeEvents.CountFn<>(TrendingProducts.class)))
        .setCoder(EventCoder.of())
        .apply("PerProductLine", ParDo.of(new PreAggregateFn(size, period)))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), TrendTotals.Coder.INSTANCE))
        .apply("TrendsPerProduct", ParDo.of(new TrendFn(geometry, earlyFiringDelay, lateFiringDelay,
            events.isBounded() == PCollection.IsBounded.UNBOUNDED, clock)))
        .setCoder(TableRowJsonCoder.of());
  }

  /**
   * The product lines of each bundle summed per product, event type and bucket of time ({@link TrendBuckets}), so
   * that the product's state is read and written once per bucket and bundle rather than once per line.
   */
  static final class PreAggregateFn extends DoFn<Event, KV<String, TrendTotals>> {
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
   * The stateful step: one {@link ProductTrends} value per product, one event-time timer ({@code close}: the earliest
   * on-time or forgetting time of the product's windows; it only moves earlier when data arrives, and moves itself
   * later when it fires) and one processing-time timer ({@code flush}: early rows, and late rows when
   * {@code lateFiringDelay} is not zero).
   */
  static final class TrendFn extends DoFn<KV<String, TrendTotals>, TableRow> {
    @StateId("trends")
    private final StateSpec<ValueState<ProductTrends>> trendsSpec = StateSpecs.value(ProductTrends.Coder.INSTANCE);

    @TimerId("close")
    private final TimerSpec closeSpec = TimerSpecs.timer(TimeDomain.EVENT_TIME);

    @TimerId("flush")
    private final TimerSpec flushSpec = TimerSpecs.timer(TimeDomain.PROCESSING_TIME);

    private final Counter out = Metrics.counter(TrendingProducts.class, "out");
    private final Counter early = Metrics.counter(TrendingProducts.class, "early");
    private final Counter late = Metrics.counter(TrendingProducts.class, "late");
    private final Counter dropped = Metrics.counter(TrendingProducts.class, "dropped");
    private final ProductTrends.Geometry geometry;
    private final Duration earlyFiringDelay;
    private final Duration lateFiringDelay;
    private final boolean processingTimers;
    private final Clock clock;

    TrendFn(ProductTrends.Geometry geometry, Duration earlyFiringDelay, Duration lateFiringDelay,
        boolean processingTimers, Clock clock) {
      this.geometry = geometry;
      this.earlyFiringDelay = earlyFiringDelay;
      this.lateFiringDelay = lateFiringDelay;
      this.processingTimers = processingTimers;
      this.clock = clock;
    }

    @ProcessElement
    public void process(@Element KV<String, TrendTotals> element, @Timestamp org.joda.time.Instant timestamp,
        @StateId("trends") ValueState<ProductTrends> state, @TimerId("close") Timer close,
        @TimerId("flush") Timer flush, OutputReceiver<TableRow> o) {
      ProductTrends product = state.read();
      if (product == null) {
        product = new ProductTrends();
      }
      ProductTrends.Changed changed = product.add(element.getValue(), timestamp.getMillis(), geometry);
      if (changed.dropped()) {
        dropped.inc();
        return; // nothing changed: no state written
      }
      if (!changed.onTime().isEmpty() && processingTimers) {
        scheduleFlush(product, flush, earlyFiringDelay);
      }
      if (!changed.late().isEmpty()) {
        if (lateFiringDelay.isLongerThan(Duration.ZERO) && processingTimers) {
          scheduleFlush(product, flush, lateFiringDelay);
        } else {
          for (long start : changed.late()) {
            emit(element.getKey(), product, start, PaneInfo.Timing.LATE, o);
          }
        }
      }
      long due = product.nextDue(geometry);
      if (product.closeTimer == ProductTrends.NONE || due < product.closeTimer) {
        close.set(new org.joda.time.Instant(due));
        product.closeTimer = due;
      }
      state.write(product);
    }

    private static void scheduleFlush(ProductTrends product, Timer flush, Duration delay) {
      if (!product.flushPending) {
        flush.offset(delay).setRelative();
        product.flushPending = true;
      }
    }

    /**
     * The watermark passed {@code closeTimer}: windows that ended by then get their on-time row and are closed;
     * closed ones past their allowed lateness are forgotten (a late change still waiting for its flush goes out
     * first), with the buckets no kept window covers; the timer moves to the next due time, or the state is cleared
     * when no window is left.
     */
    @OnTimer("close")
    public void onClose(@Key String productId, @StateId("trends") ValueState<ProductTrends> state,
        @TimerId("close") Timer close, OutputReceiver<TableRow> o) {
      ProductTrends product = state.read();
      if (product == null) {
        return;
      }
      long now = product.closeTimer;
      product.watermarkSeen = Math.max(product.watermarkSeen, now);
      boolean forgot = false;
      for (Iterator<Map.Entry<Long, ProductTrends.Window>> it = product.windows.entrySet().iterator();
          it.hasNext(); ) {
        Map.Entry<Long, ProductTrends.Window> entry = it.next();
        long start = entry.getKey();
        ProductTrends.Window w = entry.getValue();
        if (!w.closed && geometry.due(start, false) <= now) {
          emit(productId, product, start, PaneInfo.Timing.ON_TIME, o);
          w.closed = true;
        }
        if (w.closed && geometry.due(start, true) <= now) {
          if (w.dirty) {
            emit(productId, product, start, PaneInfo.Timing.LATE, o);
          }
          it.remove();
          forgot = true;
        }
      }
      if (product.windows.isEmpty()) {
        // not cleared: the product keeps what it knows of the watermark (a tombstone of a few bytes per product,
        // bounded by the catalog), so data beyond the allowed lateness is still dropped instead of replacing its
        // window's row with its own counts; no timer is pending until data comes
        product.forgetUncoveredBuckets(geometry);
        product.closeTimer = ProductTrends.NONE;
        state.write(product);
        return;
      }
      if (forgot) {
        product.forgetUncoveredBuckets(geometry);
      }
      product.closeTimer = product.nextDue(geometry);
      close.set(new org.joda.time.Instant(product.closeTimer));
      state.write(product);
    }

    /** Early rows of the open windows that changed, late rows of the closed ones that did. */
    @OnTimer("flush")
    public void onFlush(@Key String productId, @StateId("trends") ValueState<ProductTrends> state,
        OutputReceiver<TableRow> o) {
      ProductTrends product = state.read();
      if (product == null) {
        return;
      }
      product.flushPending = false;
      for (Map.Entry<Long, ProductTrends.Window> w : product.windows.entrySet()) {
        if (w.getValue().dirty) {
          emit(productId, product, w.getKey(),
              w.getValue().closed ? PaneInfo.Timing.LATE : PaneInfo.Timing.EARLY, o);
        }
      }
      state.write(product);
    }

    /** One row per event type the window counts, with the window's totals so far. */
    private void emit(String productId, ProductTrends product, long start, PaneInfo.Timing timing,
        OutputReceiver<TableRow> o) {
      product.windows.get(start).dirty = false;
      TrendTotals totals = product.totals(start, geometry);
      Instant windowStart = Instant.ofEpochMilli(start);
      Instant windowEnd = Instant.ofEpochMilli(start + geometry.size);
      Instant updatedAt = clock.instant();
      for (EventType type : TrendTotals.TYPES) {
        long events = totals.events(type);
        if (events == 0) {
          continue; // no event of this type in the window (yet): no row
        }
        o.output(BigQueryTables.tableRow(row(productId, type.wireName(), windowStart, windowEnd, events,
            totals.units(type), timing, updatedAt)));
        out.inc();
        if (timing == PaneInfo.Timing.LATE) {
          late.inc();
        } else if (timing == PaneInfo.Timing.EARLY) {
          early.inc();
        }
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
