package dev.shopstream.pipeline.transforms;

import static dev.shopstream.pipeline.transforms.WindowedEvents.at;
import static dev.shopstream.pipeline.transforms.WindowedEvents.event;
import static org.assertj.core.api.Assertions.assertThat;

import dev.shopstream.contract.Event;
import dev.shopstream.contract.EventType;
import dev.shopstream.contract.ProductLine;
import dev.shopstream.pipeline.coders.EventCoder;
import dev.shopstream.pipeline.testing.TestEvents;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.windowing.IntervalWindow;
import org.apache.beam.sdk.util.CoderUtils;
import org.apache.beam.sdk.values.PCollection;
import org.joda.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** LeaderBoardTest-style: early, on-time, late within the allowed lateness, and droppable data; the summary alone. */
@ExtendWith(TestPipelineExtension.class)
public class SessionizeEventsTest {
  private transient TestPipeline pipeline;

  private static final String[] COLUMNS =
      {"user_id", "session_start", "session_end", "events", "products", "converted", "revenue", "updated_at"};
  private static final String UPDATED = "updated_at=" + TestEvents.NOW + " @";

  @BeforeEach
  public void pipeline(TestPipeline pipeline) {
    this.pipeline = pipeline;
  }

  private PCollection<String> sessions(TestStream<Event> stream) {
    return pipeline.apply(stream)
        .apply(new SessionizeEvents(Duration.standardMinutes(30), Duration.standardMinutes(1), Duration.ZERO,
            Duration.standardHours(1)).withClock(TestEvents.CLOCK))
        .apply(ParDo.of(new WindowedEvents.DescribeFn(COLUMNS)));
  }

  private static String u1(String end, int events, String products, String timing) {
    return "user_id=u-1 session_start=2026-11-22T10:00:00Z session_end=2026-11-22T" + end + ":00Z events=" + events
        + " products=" + products + " converted=true revenue=10.0 " + UPDATED + timing;
  }

  private static String u2(int events, String end, String products, String timing) {
    return "user_id=u-2 session_start=2026-11-22T10:05:00Z session_end=2026-11-22T" + end + ":00Z events=" + events
        + " products=" + products + " converted=false revenue=0.0 " + UPDATED + timing;
  }

  @Test
  public void earlyOnTimeLateAndDroppable() {
    TestStream<Event> stream = TestStream.create(EventCoder.of())
        .advanceWatermarkTo(at("10:00"))
        .addElements(
            event("e-1", EventType.VIEW, "u-1", "10:00", new ProductLine("sku-1", 1, null)),
            event("e-2", EventType.PURCHASE, "u-1", "10:10", new ProductLine("sku-2", 2, 5.0)),
            event("e-3", EventType.VIEW, "u-2", "10:05", new ProductLine("sku-1", 1, null)))
        .advanceProcessingTime(Duration.standardMinutes(2)) // early panes of both open sessions
        // u-2's session grows: 10:05-10:08 (+ 30 min gap)
        .addElements(event("e-6", EventType.VIEW, "u-2", "10:08", new ProductLine("sku-4", 1, null)))
        .advanceWatermarkTo(at("11:00")) // both sessions closed: on time
        // late, within the allowed lateness: extends u-1's session to 10:20 (+ 30 min gap)
        .addElements(event("e-4", EventType.VIEW, "u-1", "10:20", new ProductLine("sku-3", 1, null)))
        .advanceWatermarkTo(at("12:00")) // past 10:38 + 1 h: u-2's session can no longer change
        .addElements(event("e-5", EventType.VIEW, "u-2", "10:06", new ProductLine("sku-9", 1, null))) // dropped
        .advanceWatermarkToInfinity();

    PCollection<String> rows = sessions(stream);

    PAssert.that(rows).inEarlyPane(new IntervalWindow(at("10:00"), at("10:40")))
        .containsInAnyOrder(u1("10:10", 2, "[sku-1, sku-2]", "EARLY"));
    PAssert.that(rows).inEarlyPane(new IntervalWindow(at("10:05"), at("10:35")))
        .containsInAnyOrder(u2(1, "10:05", "[sku-1]", "EARLY"));
    PAssert.that(rows).inOnTimePane(new IntervalWindow(at("10:00"), at("10:40")))
        .containsInAnyOrder(u1("10:10", 2, "[sku-1, sku-2]", "ON_TIME"));
    PAssert.that(rows).inOnTimePane(new IntervalWindow(at("10:05"), at("10:38")))
        .containsInAnyOrder(u2(2, "10:08", "[sku-1, sku-4]", "ON_TIME"));
    PAssert.that(rows).inLatePane(new IntervalWindow(at("10:00"), at("10:50")))
        .containsInAnyOrder(u1("10:20", 3, "[sku-1, sku-2, sku-3]", "LATE"));
    PAssert.that(rows).containsInAnyOrder(
        u1("10:10", 2, "[sku-1, sku-2]", "EARLY"),
        u2(1, "10:05", "[sku-1]", "EARLY"),
        u1("10:10", 2, "[sku-1, sku-2]", "ON_TIME"),
        u2(2, "10:08", "[sku-1, sku-4]", "ON_TIME"),
        u1("10:20", 3, "[sku-1, sku-2, sku-3]", "LATE"));
    org.apache.beam.sdk.PipelineResult result = pipeline.run();
    result.waitUntilFinish();
    assertThat(TestEvents.counter(result, SessionizeEvents.class, "in")).isEqualTo(6); // e-5 too: dropped later
    assertThat(TestEvents.counter(result, SessionizeEvents.class, "out")).isEqualTo(5);
    assertThat(TestEvents.counter(result, SessionizeEvents.class, "late")).isEqualTo(1);
  }

  @Test
  public void theSummaryDoesNotDependOnTheOrderEventsAreAddedOrMergedIn() throws Exception {
    List<Event> events = new ArrayList<>();
    for (String[] e : new String[][] {{"e-3", "10:02", "p-2"}, {"e-1", "10:00", "p-1"}, {"e-2", "10:00", "p-3"},
        {"e-4", "10:07", "p-1"}, {"e-5", "10:09", "p-4"}}) {
      events.add(event(e[0], e[0].equals("e-4") ? EventType.PURCHASE : EventType.VIEW, "u-1", e[1],
          new ProductLine(e[2], 3, 0.1), new ProductLine("p-5", 1, 0.2)).getValue());
    }
    SessionizeEvents.SummarizeFn fn = new SessionizeEvents.SummarizeFn();
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
