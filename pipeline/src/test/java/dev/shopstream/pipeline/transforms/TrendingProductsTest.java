package dev.shopstream.pipeline.transforms;

import static dev.shopstream.pipeline.transforms.WindowedEvents.at;
import static dev.shopstream.pipeline.transforms.WindowedEvents.event;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.api.services.bigquery.model.TableRow;
import dev.shopstream.contract.Event;
import dev.shopstream.contract.EventType;
import dev.shopstream.contract.ProductLine;
import dev.shopstream.contract.ProductTrendRow;
import dev.shopstream.pipeline.coders.EventCoder;
import dev.shopstream.pipeline.testing.TestEvents;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.Filter;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.Max;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Sum;
import org.apache.beam.sdk.transforms.windowing.AfterWatermark;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.IntervalWindow;
import org.apache.beam.sdk.transforms.windowing.Repeatedly;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.TimestampedValue;
import org.apache.beam.sdk.values.TypeDescriptor;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * LeaderBoardTest-style: early, on-time, late within the allowed lateness, and droppable data; the stateful step's
 * rows against the windows' ({@link WindowedTrends}, the implementation up to b95fe03) on random streams with
 * out-of-order and late data and on a shuffled bounded input.
 *
 * <p>Deliberate changes from the windows (see {@link TrendingProducts}): rows are in the global window, so they carry
 * no pane (the {@code timing} column still says EARLY, ON_TIME or LATE), and data of a product without state is
 * counted even when the windows would have dropped it.
 */
@ExtendWith(TestPipelineExtension.class)
public class TrendingProductsTest {
  private transient TestPipeline pipeline;

  private static final String[] COLUMNS = ProductTrendRow.COLUMNS.toArray(String[]::new);
  private static final IntervalWindow FIRST = new IntervalWindow(at("09:55"), at("10:05"));
  private static final IntervalWindow SECOND = new IntervalWindow(at("10:00"), at("10:10"));
  private static final Duration TEN_MINUTES = Duration.standardMinutes(10);
  private static final Duration FIVE_MINUTES = Duration.standardMinutes(5);
  private static final Duration HALF_HOUR = Duration.standardMinutes(30);

  @BeforeEach
  public void pipeline(TestPipeline pipeline) {
    this.pipeline = pipeline;
  }

  private static String row(String product, String type, IntervalWindow w, int events, int units, String timing) {
    return "product_id=" + product + " event_type=" + type + " window_start=" + iso(w.start()) + " window_end="
        + iso(w.end()) + " events=" + events + " units=" + units + " timing=" + timing + " updated_at="
        + TestEvents.NOW;
  }

  private static String iso(org.joda.time.Instant t) {
    return java.time.Instant.ofEpochMilli(t.getMillis()).toString();
  }

  /** Rows as {@code col=value ...} (the pane left out: the stateful step's rows have none). */
  private static PCollection<String> describe(String name, PCollection<TableRow> rows) {
    return rows.apply(name + "Describe", ParDo.of(new WindowedEvents.DescribeFn(COLUMNS)))
        .apply(name + "NoPane", MapElements.into(TypeDescriptors.strings())
            .via((String s) -> s.substring(0, s.lastIndexOf(" @"))));
  }

  private PCollection<String> trends(TestStream<Event> stream, Duration lateFiringDelay) {
    return describe("", pipeline.apply(stream)
        .apply(new TrendingProducts(TEN_MINUTES, FIVE_MINUTES, Duration.standardMinutes(1), lateFiringDelay,
            HALF_HOUR).withClock(TestEvents.CLOCK)));
  }

  @Test
  public void earlyOnTimeLateAndBeyondTheAllowedLateness() {
    TestStream<Event> stream = TestStream.create(EventCoder.of())
        .advanceWatermarkTo(at("10:00"))
        .addElements(
            event("e-1", EventType.VIEW, "u-1", "10:01", new ProductLine("sku-1", 1, null)),
            event("e-2", EventType.PURCHASE, "u-2", "10:01", new ProductLine("sku-2", 3, 4.0)))
        .advanceProcessingTime(Duration.standardMinutes(2)) // early rows of both windows
        .addElements(event("e-3", EventType.VIEW, "u-3", "10:02", new ProductLine("sku-1", 2, null)))
        .advanceWatermarkTo(at("10:06")) // FIRST on time
        .advanceWatermarkTo(at("10:11")) // SECOND on time
        .addElements(event("e-4", EventType.VIEW, "u-4", "10:03", new ProductLine("sku-1", 1, null))) // late
        .advanceWatermarkTo(at("11:00")) // past both windows' end + 30 min: sku-1 and sku-2 keep no window
        .addElements(event("e-5", EventType.VIEW, "u-5", "10:04", new ProductLine("sku-1", 1, null)))
        .advanceWatermarkToInfinity();

    List<String> expected = new ArrayList<>();
    for (IntervalWindow w : new IntervalWindow[] {FIRST, SECOND}) {
      expected.addAll(List.of(
          row("sku-1", "view", w, 1, 1, "EARLY"), row("sku-2", "purchase", w, 1, 3, "EARLY"),
          row("sku-1", "view", w, 2, 3, "ON_TIME"), row("sku-2", "purchase", w, 1, 3, "ON_TIME"),
          row("sku-1", "view", w, 3, 4, "LATE")));
      // e-5 is beyond the allowed lateness: dropped, as the windows did; sku-1 kept what it knew of the watermark
      // after its windows were forgotten, so no row of e-5 alone replaces the window's row
    }
    PAssert.that(trends(stream, Duration.ZERO)).containsInAnyOrder(expected);
    org.apache.beam.sdk.PipelineResult result = pipeline.run();
    result.waitUntilFinish();
    assertThat(TestEvents.counter(result, TrendingProducts.class, "in")).isEqualTo(5);
    assertThat(TestEvents.counter(result, TrendingProducts.class, "out")).isEqualTo(10); // as the windows
    assertThat(TestEvents.counter(result, TrendingProducts.class, "early")).isEqualTo(4);
    assertThat(TestEvents.counter(result, TrendingProducts.class, "late")).isEqualTo(2);
    assertThat(TestEvents.counter(result, TrendingProducts.class, "dropped")).isEqualTo(1);
  }

  @Test
  public void dataBeyondTheAllowedLatenessOfAProductWithStateIsDroppedAsTheWindowsDid() {
    TestStream<Event> stream = TestStream.create(EventCoder.of())
        .advanceWatermarkTo(at("10:00"))
        .addElements(
            event("e-1", EventType.VIEW, "u-1", "10:01", new ProductLine("sku-1", 1, null)),
            event("e-2", EventType.VIEW, "u-2", "11:01", new ProductLine("sku-1", 1, null)))
        // 10:01's windows: on time, then forgotten at 10:35 and 10:40; 11:01's stay open: sku-1 keeps state and
        // knows the watermark passed 10:40
        .advanceWatermarkTo(at("10:50"))
        // its period (10:00-10:05) ended more than 30 minutes ago: dropped (the windows dropped it too)
        .addElements(event("e-3", EventType.VIEW, "u-3", "10:04", new ProductLine("sku-1", 5, null)))
        .advanceWatermarkToInfinity();

    PAssert.that(trends(stream, Duration.ZERO)).containsInAnyOrder(
        row("sku-1", "view", FIRST, 1, 1, "ON_TIME"), row("sku-1", "view", SECOND, 1, 1, "ON_TIME"),
        row("sku-1", "view", new IntervalWindow(at("10:55"), at("11:05")), 1, 1, "ON_TIME"),
        row("sku-1", "view", new IntervalWindow(at("11:00"), at("11:10")), 1, 1, "ON_TIME"));
    org.apache.beam.sdk.PipelineResult result = pipeline.run();
    result.waitUntilFinish();
    assertThat(TestEvents.counter(result, TrendingProducts.class, "dropped")).isEqualTo(1);
    assertThat(TestEvents.counter(result, TrendingProducts.class, "late")).isZero();
  }

  @Test
  public void lateChangesWithinTheLateFiringDelayGoOutAsOneRowPerWindow() {
    TestStream<Event> stream = TestStream.create(EventCoder.of())
        .advanceWatermarkTo(at("10:00"))
        .addElements(event("e-1", EventType.VIEW, "u-1", "10:01", new ProductLine("sku-1", 1, null)))
        .advanceWatermarkTo(at("10:20")) // both windows on time
        .addElements(event("e-2", EventType.VIEW, "u-2", "10:02", new ProductLine("sku-1", 1, null)))
        .addElements(event("e-3", EventType.VIEW, "u-3", "10:03", new ProductLine("sku-1", 2, null)))
        .advanceProcessingTime(Duration.standardMinutes(2)) // the late flush: both late events in one row
        .advanceWatermarkToInfinity();

    PAssert.that(trends(stream, Duration.standardMinutes(1))).containsInAnyOrder(
        row("sku-1", "view", FIRST, 1, 1, "ON_TIME"), row("sku-1", "view", SECOND, 1, 1, "ON_TIME"),
        row("sku-1", "view", FIRST, 3, 4, "LATE"), row("sku-1", "view", SECOND, 3, 4, "LATE"));
    org.apache.beam.sdk.PipelineResult result = pipeline.run();
    result.waitUntilFinish();
    assertThat(TestEvents.counter(result, TrendingProducts.class, "late")).isEqualTo(2);
  }

  @Test
  public void eachEventTypeOfAProductHasItsOwnRowInEveryWindow() {
    TestStream<Event> stream = TestStream.create(EventCoder.of())
        .advanceWatermarkTo(at("10:00"))
        .addElements(
            event("e-1", EventType.VIEW, "u-1", "10:01", new ProductLine("sku-1", 1, null)),
            event("e-2", EventType.ADD_TO_CART, "u-1", "10:02", new ProductLine("sku-1", 2, null)),
            event("e-3", EventType.VIEW, "u-2", "10:03", new ProductLine("sku-1", 1, null)))
        .advanceWatermarkToInfinity();

    List<String> expected = new ArrayList<>();
    for (IntervalWindow w : new IntervalWindow[] {FIRST, SECOND}) {
      expected.add(row("sku-1", "view", w, 2, 2, "ON_TIME"));
      expected.add(row("sku-1", "add_to_cart", w, 1, 2, "ON_TIME"));
    }
    PAssert.that(trends(stream, Duration.ZERO)).containsInAnyOrder(expected);
    org.apache.beam.sdk.PipelineResult result = pipeline.run();
    result.waitUntilFinish();
    assertThat(TestEvents.counter(result, TrendingProducts.class, "out")).isEqualTo(4);
  }

  @Test
  public void onTimeRowsEqualTheWindowsOnRandomOnTimeStreams() {
    List<TimestampedValue<Event>> events = randomEvents(new Random(31), 160);
    TestStream.Builder<Event> stream = TestStream.create(EventCoder.of()).advanceWatermarkTo(at("08:00"));
    Random random = new Random(32);
    Instant watermark = at("08:00");
    for (int i = 0; i < events.size(); ) {
      // a few events at a time, shuffled; then the watermark moves to the earliest event still to come: every
      // event is on time, windows close midway
      int n = Math.min(events.size() - i, 1 + random.nextInt(16));
      List<TimestampedValue<Event>> chunk = new ArrayList<>(events.subList(i, i + n));
      Collections.shuffle(chunk, random);
      stream = stream.addElements(chunk.get(0), chunk.subList(1, n).toArray(TimestampedValue[]::new));
      i += n;
      if (i < events.size() && events.get(i).getTimestamp().isAfter(watermark)) {
        watermark = events.get(i).getTimestamp();
        stream = stream.advanceWatermarkTo(watermark);
      }
    }
    PCollection<Event> input = pipeline.apply(stream.advanceWatermarkToInfinity());
    Comparison c = compare(input, TEN_MINUTES.multipliedBy(2), FIVE_MINUTES);
    // every row but early ones, timing included: one ON_TIME row per key
    assertSame("OnTime", notEarly("Stateful", c.stateful), notEarly("Windowed", c.windowed));
    assertSame("Final", finalPerKey("Stateful", c.stateful), finalPerKey("Windowed", c.windowed));
    assertNotVacuous(c.windowed, events.size(), false);
    pipeline.run().waitUntilFinish();
  }

  @Test
  public void finalRowsEqualTheWindowsOnRandomStreamsWithLateData() {
    List<TimestampedValue<Event>> events = randomEvents(new Random(41), 160);
    TestStream.Builder<Event> stream = TestStream.create(EventCoder.of()).advanceWatermarkTo(at("08:00"));
    Random random = new Random(42);
    Instant watermark = at("08:00");
    for (int i = 0; i < events.size(); ) {
      // the watermark runs up to 12 minutes ahead of the earliest event still to come: those behind it are late
      // (by less than the allowed lateness), for windows closed already or not
      int n = Math.min(events.size() - i, 1 + random.nextInt(10));
      List<TimestampedValue<Event>> chunk = new ArrayList<>(events.subList(i, i + n));
      Collections.shuffle(chunk, random);
      stream = stream.addElements(chunk.get(0), chunk.subList(1, n).toArray(TimestampedValue[]::new));
      i += n;
      if (i < events.size()) {
        Instant next = events.get(i).getTimestamp().plus(Duration.standardSeconds(random.nextInt(12 * 60)));
        if (next.isAfter(watermark)) {
          watermark = next;
          stream = stream.advanceWatermarkTo(watermark);
        }
      }
    }
    PCollection<Event> input = pipeline.apply(stream.advanceWatermarkToInfinity());
    Comparison c = compare(input, TEN_MINUTES.multipliedBy(2), FIVE_MINUTES);
    // what the table keeps per key (the newest row: the largest counts) is the same
    assertSame("Final", finalPerKey("Stateful", c.stateful), finalPerKey("Windowed", c.windowed));
    assertNotVacuous(c.windowed, events.size(), true);
    pipeline.run().waitUntilFinish();
  }

  @Test
  public void rowsEqualTheWindowsOnARandomlyOrderedBoundedInput() {
    List<TimestampedValue<Event>> events = randomEvents(new Random(51), 200);
    Collections.shuffle(events, new Random(52));
    PCollection<Event> input = pipeline.apply(Create.timestamped(events).withCoder(EventCoder.of()));
    Comparison c = compare(input, TEN_MINUTES.multipliedBy(2), FIVE_MINUTES);
    // the windows' sliding stage fired early rows at the next processing-time tick; otherwise every row the same
    assertSame("All", notEarly("Stateful", c.stateful), notEarly("Windowed", c.windowed));
    assertSame("Final", finalPerKey("Stateful", c.stateful), finalPerKey("Windowed", c.windowed));
    assertNotVacuous(c.windowed, events.size(), false);
    // a period that does not divide the size (one-stage windows before; buckets of their gcd, 2 minutes, now)
    Comparison odd = compare("Odd", input, TEN_MINUTES.multipliedBy(2), Duration.standardMinutes(6));
    assertSame("OddAll", notEarly("OddStateful", odd.stateful), notEarly("OddWindowed", odd.windowed));
    pipeline.run().waitUntilFinish();
  }

  private record Comparison(PCollection<String> stateful, PCollection<String> windowed) {}

  private static Comparison compare(PCollection<Event> input, Duration size, Duration period) {
    return compare("", input, size, period);
  }

  /**
   * Both implementations over the same events, with early rows out of reach (a day of processing time, never
   * advanced), late rows at once; rows described and in the global window.
   */
  private static Comparison compare(String name, PCollection<Event> input, Duration size, Duration period) {
    Duration day = Duration.standardDays(1);
    PCollection<String> stateful = describe(name + "Stateful", input.apply(name + "Stateful",
        new TrendingProducts(size, period, day, Duration.ZERO, HALF_HOUR).withClock(TestEvents.CLOCK)))
        .apply(name + "GlobalStateful", globally());
    PCollection<String> windowed = describe(name + "Windowed", input.apply(name + "Windowed",
        new WindowedTrends(size, period, day, Duration.ZERO, HALF_HOUR, TestEvents.CLOCK)))
        .apply(name + "GlobalWindowed", globally());
    return new Comparison(stateful, windowed);
  }

  /** The two multisets of rows are equal: each row counted +1 on one side, -1 on the other, nothing left. */
  private static void assertSame(String name, PCollection<String> stateful, PCollection<String> windowed) {
    PCollection<KV<String, Integer>> plus = stateful
        .apply(name + "PlusOne", MapElements.into(counts()).via((String row) -> KV.of(row, 1)));
    PCollection<KV<String, Integer>> minus = windowed
        .apply(name + "MinusOne", MapElements.into(counts()).via((String row) -> KV.of(row, -1)));
    PAssert.that(name + " rows differ", PCollectionList.of(plus).and(minus)
            .apply(name + "Both", Flatten.pCollections())
            .apply(name + "Sum", Sum.integersPerKey())
            .apply(name + "NonZero", Filter.by((KV<String, Integer> kv) -> kv.getValue() != 0)))
        .empty();
  }

  /**
   * What the table keeps per key (product, type, window): the row with the largest counts (panes accumulate, so the
   * newest); its timing and update time left out.
   */
  private static PCollection<String> finalPerKey(String name, PCollection<String> rows) {
    return rows
        .apply(name + "ByKey", MapElements.into(TypeDescriptors.kvs(TypeDescriptors.strings(),
            TypeDescriptors.strings())).via((String row) -> {
              int events = row.indexOf(" events=");
              int timing = row.indexOf(" timing=");
              String[] counts = row.substring(events + 1, timing).split(" ");
              long e = Long.parseLong(counts[0].substring(counts[0].indexOf('=') + 1));
              long u = Long.parseLong(counts[1].substring(counts[1].indexOf('=') + 1));
              return KV.of(row.substring(0, events), String.format("%012d %012d", e, u));
            }))
        .apply(name + "Newest", Max.perKey())
        .apply(name + "AsRow", MapElements.into(TypeDescriptors.strings())
            .via((KV<String, String> kv) -> kv.getKey() + " " + kv.getValue()))
        .apply(name + "Regather", globally());
  }

  private static PCollection<String> notEarly(String name, PCollection<String> rows) {
    return rows.apply(name + "NotEarly", Filter.by((String row) -> !row.contains(" timing=EARLY ")));
  }

  /** Not a vacuous comparison: many windows, every event counted in them, and late rows when there is late data. */
  private static void assertNotVacuous(PCollection<String> windowed, int events, boolean late) {
    PAssert.that("windowed rows", windowed).satisfies(rows -> {
      int onTime = 0;
      int lateRows = 0;
      for (String row : rows) {
        onTime += row.contains(" timing=ON_TIME ") ? 1 : 0;
        lateRows += row.contains(" timing=LATE ") ? 1 : 0;
      }
      assertThat(onTime).isGreaterThan(events / 4);
      if (late) {
        assertThat(lateRows).isGreaterThan(10);
      } else {
        assertThat(lateRows).isZero();
      }
      return null;
    });
  }

  private static TypeDescriptor<KV<String, Integer>> counts() {
    return TypeDescriptors.kvs(TypeDescriptors.strings(), TypeDescriptors.integers());
  }

  private static Window<String> globally() {
    // one firing once the input is done, also for an unbounded input
    return Window.<String>into(new GlobalWindows()).triggering(Repeatedly.forever(AfterWatermark.pastEndOfWindow()))
        .withAllowedLateness(Duration.ZERO).discardingFiredPanes();
  }

  /**
   * {@code n} events from 08:00 on, 0-90 seconds apart, of 8 products (one to three lines each), random types and
   * quantities; sorted by time.
   */
  private static List<TimestampedValue<Event>> randomEvents(Random random, int n) {
    EventType[] types = {EventType.VIEW, EventType.VIEW, EventType.ADD_TO_CART, EventType.PURCHASE};
    Instant t = at("08:00");
    List<TimestampedValue<Event>> events = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      t = t.plus(Duration.millis(random.nextInt(90_000)));
      List<ProductLine> lines = new ArrayList<>();
      for (int l = 0, k = 1 + random.nextInt(3); l < k; l++) {
        lines.add(new ProductLine("sku-" + random.nextInt(8), 1 + random.nextInt(3), null));
      }
      Event e = new Event("e-" + i, types[random.nextInt(types.length)], "u-" + random.nextInt(20), null,
          java.time.Instant.ofEpochMilli(t.getMillis()), lines, null, null, Map.of());
      events.add(TimestampedValue.of(e, t));
    }
    events.sort(Comparator.comparing(TimestampedValue::getTimestamp));
    return events;
  }
}
