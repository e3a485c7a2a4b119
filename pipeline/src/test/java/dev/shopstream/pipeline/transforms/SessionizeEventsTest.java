package dev.shopstream.pipeline.transforms;

import static dev.shopstream.pipeline.transforms.WindowedEvents.at;
import static dev.shopstream.pipeline.transforms.WindowedEvents.event;
import static org.assertj.core.api.Assertions.assertThat;

import dev.shopstream.contract.Event;
import dev.shopstream.contract.EventType;
import dev.shopstream.contract.ProductLine;
import dev.shopstream.pipeline.coders.EventCoder;
import dev.shopstream.pipeline.testing.TestEvents;
import com.google.api.services.bigquery.model.TableRow;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Collections;
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
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Sum;
import org.apache.beam.sdk.transforms.windowing.AfterWatermark;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.util.CoderUtils;
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
 * LeaderBoardTest-style: early, on-time, late within the allowed lateness, and data the merging windows dropped; the
 * stateful step's final rows against the merging windows' ({@link WindowedSessions}, the implementation up to 47c642a)
 * on random on-time data, streaming and bounded; the summary alone.
 *
 * <p>Deliberate changes from the merging windows (see {@link SessionizeEvents}): rows are in the global window, so
 * their timing is no pane's any more (the counters {@code early} and {@code late} say it), and an event later than the
 * allowed lateness is no longer dropped: it gives a session row of its own.
 */
@ExtendWith(TestPipelineExtension.class)
public class SessionizeEventsTest {
  private transient TestPipeline pipeline;

  private static final String[] COLUMNS =
      {"user_id", "session_start", "session_end", "events", "products", "converted", "revenue", "updated_at"};
  private static final String UPDATED = "updated_at=" + TestEvents.NOW;

  @BeforeEach
  public void pipeline(TestPipeline pipeline) {
    this.pipeline = pipeline;
  }

  private PCollection<String> sessions(TestStream<Event> stream) {
    return describe(pipeline.apply(stream)
        .apply(new SessionizeEvents(Duration.standardMinutes(30), Duration.standardMinutes(1), Duration.ZERO,
            Duration.standardHours(1)).withClock(TestEvents.CLOCK)));
  }

  /** A row as {@code col=value ...} (the pane's timing left out: the stateful step's rows have none). */
  private static PCollection<String> describe(PCollection<TableRow> rows) {
    return describe("", rows);
  }

  private static PCollection<String> describe(String name, PCollection<TableRow> rows) {
    return rows.apply(name + "Describe", ParDo.of(new WindowedEvents.DescribeFn(COLUMNS)))
        .apply(name + "NoPane", MapElements.into(TypeDescriptors.strings()).via((String s) -> s.substring(0, s.lastIndexOf(" @"))));
  }

  private static String u1(String end, int events, String products) {
    return "user_id=u-1 session_start=2026-11-22T10:00:00Z session_end=2026-11-22T" + end + ":00Z events=" + events
        + " products=" + products + " converted=true revenue=10.0 " + UPDATED;
  }

  private static String u2(int events, String end, String products) {
    return u2("10:05", events, end, products);
  }

  private static String u2(String start, int events, String end, String products) {
    return "user_id=u-2 session_start=2026-11-22T" + start + ":00Z session_end=2026-11-22T" + end + ":00Z events="
        + events + " products=" + products + " converted=false revenue=0.0 " + UPDATED;
  }

  private static String view(String user, String start, String end, int events, String products) {
    return "user_id=" + user + " session_start=2026-11-22T" + start + ":00Z session_end=2026-11-22T" + end
        + ":00Z events=" + events + " products=" + products + " converted=false revenue=0.0 " + UPDATED;
  }

  @Test
  public void earlyOnTimeLateAndBeyondTheAllowedLateness() {
    TestStream<Event> stream = TestStream.create(EventCoder.of())
        .advanceWatermarkTo(at("10:00"))
        .addElements(
            event("e-1", EventType.VIEW, "u-1", "10:00", new ProductLine("sku-1", 1, null)),
            event("e-2", EventType.PURCHASE, "u-1", "10:10", new ProductLine("sku-2", 2, 5.0)),
            event("e-3", EventType.VIEW, "u-2", "10:05", new ProductLine("sku-1", 1, null)))
        .advanceProcessingTime(Duration.standardMinutes(2)) // early rows of both open sessions
        // u-2's session grows: 10:05-10:08 (+ 30 min gap)
        .addElements(event("e-6", EventType.VIEW, "u-2", "10:08", new ProductLine("sku-4", 1, null)))
        .advanceWatermarkTo(at("11:00")) // both sessions closed: their final rows
        // late, within the allowed lateness: extends u-1's session to 10:20 (+ 30 min gap), written again at once
        .addElements(event("e-4", EventType.VIEW, "u-1", "10:20", new ProductLine("sku-3", 1, null)))
        .advanceWatermarkTo(at("12:00")) // past 10:38 + 1 h: u-2's session is forgotten, u-2 has no state left
        // the merging windows dropped this one; u-2 has no state, so it starts a session of its own
        .addElements(event("e-5", EventType.VIEW, "u-2", "10:06", new ProductLine("sku-9", 1, null)))
        .advanceWatermarkToInfinity();

    PCollection<String> rows = sessions(stream);

    PAssert.that(rows).containsInAnyOrder(
        u1("10:10", 2, "[sku-1, sku-2]"), // early
        u2(1, "10:05", "[sku-1]"), // early
        u1("10:10", 2, "[sku-1, sku-2]"), // final
        u2(2, "10:08", "[sku-1, sku-4]"), // final
        u1("10:20", 3, "[sku-1, sku-2, sku-3]"), // late
        // deliberate change: the merging windows dropped e-5 (beyond the allowed lateness); now a row of its own
        // (a new session key beside u-2's 10:05 session), written when the watermark next moves
        u2("10:06", 1, "10:06", "[sku-9]"));
    org.apache.beam.sdk.PipelineResult result = pipeline.run();
    result.waitUntilFinish();
    assertThat(TestEvents.counter(result, SessionizeEvents.class, "in")).isEqualTo(6);
    assertThat(TestEvents.counter(result, SessionizeEvents.class, "out")).isEqualTo(6); // windows: 5
    assertThat(TestEvents.counter(result, SessionizeEvents.class, "early")).isEqualTo(2);
    assertThat(TestEvents.counter(result, SessionizeEvents.class, "late")).isEqualTo(1);
  }

  @Test
  public void anEventBeyondTheAllowedLatenessOfAUserWithStateIsALateRowOfItsOwnSession() {
    TestStream<Event> stream = TestStream.create(EventCoder.of())
        .advanceWatermarkTo(at("10:00"))
        .addElements(
            event("e-1", EventType.VIEW, "u-1", "10:00", new ProductLine("sku-1", 1, null)),
            event("e-2", EventType.VIEW, "u-1", "11:50", new ProductLine("sku-2", 1, null)))
        // 10:00's session: its final row at 10:30, forgotten at 11:30; 11:50's stays open (u-1 keeps state and knows
        // that the watermark passed 11:30)
        .advanceWatermarkTo(at("12:00"))
        // [10:20, 10:50) + 1 h is behind the watermark: the merging windows dropped it. It would have joined the
        // 10:00 session, which is forgotten: a session of its own, written at once as late
        .addElements(event("e-3", EventType.VIEW, "u-1", "10:20", new ProductLine("sku-3", 1, null)))
        .advanceWatermarkToInfinity();

    PAssert.that(sessions(stream)).containsInAnyOrder(
        view("u-1", "10:00", "10:00", 1, "[sku-1]"),
        view("u-1", "10:20", "10:20", 1, "[sku-3]"), // deliberate change: dropped by the windows
        view("u-1", "11:50", "11:50", 1, "[sku-2]"));
    org.apache.beam.sdk.PipelineResult result = pipeline.run();
    result.waitUntilFinish();
    assertThat(TestEvents.counter(result, SessionizeEvents.class, "out")).isEqualTo(3);
    assertThat(TestEvents.counter(result, SessionizeEvents.class, "late")).isEqualTo(1);
    assertThat(TestEvents.counter(result, SessionizeEvents.class, "early")).isZero();
  }

  @Test
  public void lateChangesWithinTheLateFiringDelayGoOutAsOneRow() {
    TestStream<Event> stream = TestStream.create(EventCoder.of())
        .advanceWatermarkTo(at("10:00"))
        .addElements(event("e-1", EventType.VIEW, "u-3", "10:00", new ProductLine("sku-1", 1, null)))
        .advanceWatermarkTo(at("11:00")) // final row
        .addElements(event("e-2", EventType.VIEW, "u-3", "10:10", new ProductLine("sku-2", 1, null)))
        .addElements(event("e-3", EventType.VIEW, "u-3", "10:20", new ProductLine("sku-3", 1, null)))
        .advanceProcessingTime(Duration.standardMinutes(2)) // the late flush: both late events in one row
        .advanceWatermarkToInfinity();

    PCollection<String> rows = describe(pipeline.apply(stream)
        .apply(new SessionizeEvents(Duration.standardMinutes(30), Duration.standardMinutes(1),
            Duration.standardMinutes(1), Duration.standardHours(1)).withClock(TestEvents.CLOCK)));

    PAssert.that(rows).containsInAnyOrder(
        view("u-3", "10:00", "10:00", 1, "[sku-1]"),
        view("u-3", "10:00", "10:20", 3, "[sku-1, sku-2, sku-3]"));
    org.apache.beam.sdk.PipelineResult result = pipeline.run();
    result.waitUntilFinish();
    assertThat(TestEvents.counter(result, SessionizeEvents.class, "late")).isEqualTo(1);
  }

  @Test
  public void finalRowsEqualTheMergingWindowsOnRandomOnTimeStreams() {
    List<TimestampedValue<Event>> events = randomEvents(new Random(11), 12, 240);
    TestStream.Builder<Event> stream = TestStream.create(EventCoder.of()).advanceWatermarkTo(at("08:00"));
    Random random = new Random(12);
    Instant watermark = at("08:00");
    for (int i = 0; i < events.size(); ) {
      // a few events at a time, shuffled (out of order within a chunk, so a later event may bridge two sessions);
      // the watermark then moves to the earliest event still to come: every event is on time, sessions close midway
      int n = Math.min(events.size() - i, 1 + random.nextInt(12));
      List<TimestampedValue<Event>> chunk = new ArrayList<>(events.subList(i, i + n));
      Collections.shuffle(chunk, random);
      stream = stream.addElements(chunk.get(0), chunk.subList(1, n).toArray(TimestampedValue[]::new));
      i += n;
      if (i < events.size() && events.get(i).getTimestamp().isAfter(watermark)) {
        watermark = events.get(i).getTimestamp();
        stream = stream.advanceWatermarkTo(watermark);
      }
    }
    assertSameFinalRows(pipeline.apply(stream.advanceWatermarkToInfinity()), events.size());
  }

  @Test
  public void finalRowsEqualTheMergingWindowsOnARandomlyOrderedBoundedInput() {
    List<TimestampedValue<Event>> events = randomEvents(new Random(21), 10, 200);
    Collections.shuffle(events, new Random(22));
    assertSameFinalRows(pipeline.apply(Create.timestamped(events).withCoder(EventCoder.of())), events.size());
  }

  /**
   * Both implementations over the same events, with early rows out of reach (a day of processing time, never
   * advanced): each writes one final row per session, and the two multisets of rows must be equal.
   */
  private void assertSameFinalRows(PCollection<Event> input, int events) {
    Duration day = Duration.standardDays(1);
    PCollection<KV<String, Integer>> stateful = describe("Stateful", input.apply("Stateful",
        new SessionizeEvents(Duration.standardMinutes(30), day, Duration.ZERO, Duration.standardHours(1))
            .withClock(TestEvents.CLOCK)))
        .apply("GlobalStateful", globally())
        .apply("PlusOne", MapElements.into(counts()).via((String row) -> KV.of(row, 1)));
    PCollection<String> windowedRows = describe("Windowed", input.apply("Windowed",
        new WindowedSessions(Duration.standardMinutes(30), day, Duration.ZERO, Duration.standardHours(1),
            TestEvents.CLOCK)))
        .apply("GlobalWindowed", globally());
    PCollection<KV<String, Integer>> windowed = windowedRows
        .apply("MinusOne", MapElements.into(counts()).via((String row) -> KV.of(row, -1)));
    PCollection<KV<String, Integer>> difference = PCollectionList.of(stateful).and(windowed)
        .apply(Flatten.pCollections())
        .apply(Sum.integersPerKey())
        .apply(Filter.by((KV<String, Integer> kv) -> kv.getValue() != 0));
    PAssert.that(difference).empty();
    // not a vacuous comparison: sessions of several events, and every event in one
    PAssert.that(windowedRows).satisfies(rows -> {
      long total = 0;
      int sessions = 0;
      for (String row : rows) {
        String count = row.substring(row.indexOf(" events=") + 8);
        total += Long.parseLong(count.substring(0, count.indexOf(' ')));
        sessions++;
      }
      assertThat(sessions).isBetween(20, events / 2);
      assertThat(total).isEqualTo(events);
      return null;
    });
    pipeline.run().waitUntilFinish();
  }

  private static TypeDescriptor<KV<String, Integer>> counts() {
    return TypeDescriptors.kvs(TypeDescriptors.strings(), TypeDescriptors.integers());
  }

  private static Window<String> globally() {
    // one firing once the input is done, also for an unbounded input
    return Window.<String>into(new GlobalWindows()).triggering(AfterWatermark.pastEndOfWindow())
        .withAllowedLateness(Duration.ZERO).discardingFiredPanes();
  }

  /**
   * {@code n} events of {@code users} users from 08:00 on, each user's next event 1-40 minutes after the previous
   * (about three quarters of the steps within the 30-minute gap), random types and product lines; sorted by time.
   */
  private static List<TimestampedValue<Event>> randomEvents(Random random, int users, int n) {
    EventType[] types = {EventType.VIEW, EventType.VIEW, EventType.ADD_TO_CART, EventType.PURCHASE};
    Instant[] next = new Instant[users];
    Arrays.fill(next, at("08:00"));
    List<TimestampedValue<Event>> events = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int u = random.nextInt(users);
      Instant t = next[u].plus(Duration.standardSeconds(60 + random.nextInt(39 * 60)));
      next[u] = t;
      List<ProductLine> lines = new ArrayList<>();
      for (int l = 0, k = 1 + random.nextInt(3); l < k; l++) {
        lines.add(new ProductLine("sku-" + random.nextInt(15), 1 + random.nextInt(3),
            random.nextBoolean() ? null : (double) (1 + random.nextInt(40)) / 4));
      }
      Event e = new Event("e-" + i, types[random.nextInt(types.length)], "u-" + u, null,
          java.time.Instant.ofEpochMilli(t.getMillis()), lines, null, null, Map.of());
      events.add(TimestampedValue.of(e, t));
    }
    events.sort(Comparator.comparing(TimestampedValue::getTimestamp));
    return events;
  }

  @Test
  public void theSummaryDoesNotDependOnTheOrderEventsAreAddedOrMergedIn() throws Exception {
    List<Event> events = new ArrayList<>();
    for (String[] e : new String[][] {{"e-3", "10:02", "p-2"}, {"e-1", "10:00", "p-1"}, {"e-2", "10:00", "p-3"},
        {"e-4", "10:07", "p-1"}, {"e-5", "10:09", "p-4"}}) {
      events.add(event(e[0], e[0].equals("e-4") ? EventType.PURCHASE : EventType.VIEW, "u-1", e[1],
          new ProductLine(e[2], 3, 0.1), new ProductLine("p-5", 1, 0.2)).getValue());
    }
    WindowedSessions.SummarizeFn fn = new WindowedSessions.SummarizeFn();
    Map<String, Object> expected = null;
    Random random = new Random(7);
    for (int trial = 0; trial < 20; trial++) {
      Collections.shuffle(events, random);
      int cut = 1 + random.nextInt(events.size() - 1);
      SessionizeEvents.Summary left = fn.createAccumulator();
      SessionizeEvents.Summary right = fn.createAccumulator();
      events.subList(0, cut).forEach(e -> fn.addInput(left, e));
      events.subList(cut, events.size()).forEach(e -> fn.addInput(right, e));
      // through the coder, as a runner's shuffle would
      SessionizeEvents.Summary decoded = CoderUtils.clone(SessionizeEvents.SummaryCoder.INSTANCE, right);
      Map<String, Object> row = fn.mergeAccumulators(random.nextBoolean() ? List.of(left, decoded)
          : List.of(decoded, fn.createAccumulator(), left)).row("u-1", TestEvents.NOW);
      if (expected == null) {
        expected = row;
      }
      assertThat(row).isEqualTo(expected);
    }
    // products in the order the events sorted by (time, id) list them; 0.1 x 3 + 0.2 exactly
    assertThat(expected).containsEntry("session_start", "2026-11-22T10:00:00Z")
        .containsEntry("session_end", "2026-11-22T10:09:00Z").containsEntry("events", 5L)
        .containsEntry("products", List.of("p-1", "p-5", "p-3", "p-2", "p-4"))
        .containsEntry("converted", true).containsEntry("revenue", 0.5);
  }
}
