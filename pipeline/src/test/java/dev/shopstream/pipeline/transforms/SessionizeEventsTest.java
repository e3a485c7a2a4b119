package dev.shopstream.pipeline.transforms;

import static dev.shopstream.pipeline.transforms.WindowedEvents.at;
import static dev.shopstream.pipeline.transforms.WindowedEvents.event;

import dev.shopstream.contract.Event;
import dev.shopstream.contract.EventType;
import dev.shopstream.contract.ProductLine;
import dev.shopstream.pipeline.coders.EventCoder;
import dev.shopstream.pipeline.testing.TestEvents;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.windowing.IntervalWindow;
import org.apache.beam.sdk.values.PCollection;
import org.joda.time.Duration;
import org.junit.Rule;
import org.junit.Test;

/** LeaderBoardTest-style: on-time, late within the allowed lateness, and droppable data. */
public class SessionizeEventsTest {
  @Rule public final transient TestPipeline pipeline = TestPipeline.create();

  private static final String[] COLUMNS =
      {"user_id", "session_start", "session_end", "events", "products", "converted", "revenue", "updated_at"};
  private static final String UPDATED = "updated_at=" + TestEvents.NOW + " @";

  private PCollection<String> sessions(TestStream<Event> stream) {
    return pipeline.apply(stream)
        .apply(new SessionizeEvents(Duration.standardMinutes(30), Duration.standardHours(1), Duration.ZERO)
            .withClock(TestEvents.CLOCK))
        .apply(ParDo.of(new WindowedEvents.DescribeFn(COLUMNS)));
  }

  @Test
  public void onTimeLateAndDroppable() {
    TestStream<Event> stream = TestStream.create(EventCoder.of())
        .advanceWatermarkTo(at("10:00"))
        .addElements(
            event("e-1", EventType.VIEW, "u-1", "10:00", new ProductLine("sku-1", 1, null)),
            event("e-2", EventType.PURCHASE, "u-1", "10:10", new ProductLine("sku-2", 2, 5.0)),
            event("e-3", EventType.VIEW, "u-2", "10:05", new ProductLine("sku-1", 1, null)))
        .advanceWatermarkTo(at("11:00")) // both sessions closed: on time
        // late, within the allowed lateness: extends u-1's session to 10:20 (+ 30 min gap)
        .addElements(event("e-4", EventType.VIEW, "u-1", "10:20", new ProductLine("sku-3", 1, null)))
        .advanceWatermarkTo(at("12:00")) // past 10:50 + 1 h: u-2's session can no longer change
        .addElements(event("e-5", EventType.VIEW, "u-2", "10:06", new ProductLine("sku-9", 1, null))) // dropped
        .advanceWatermarkToInfinity();

    PCollection<String> rows = sessions(stream);

    PAssert.that(rows).inOnTimePane(new IntervalWindow(at("10:00"), at("10:40"))).containsInAnyOrder(
        "user_id=u-1 session_start=2026-11-22T10:00:00Z session_end=2026-11-22T10:10:00Z events=2 "
            + "products=[sku-1, sku-2] converted=true revenue=10.0 " + UPDATED + "ON_TIME");
    PAssert.that(rows).inLatePane(new IntervalWindow(at("10:00"), at("10:50"))).containsInAnyOrder(
        "user_id=u-1 session_start=2026-11-22T10:00:00Z session_end=2026-11-22T10:20:00Z events=3 "
            + "products=[sku-1, sku-2, sku-3] converted=true revenue=10.0 " + UPDATED + "LATE");
    PAssert.that(rows).inOnTimePane(new IntervalWindow(at("10:05"), at("10:35"))).containsInAnyOrder(
        "user_id=u-2 session_start=2026-11-22T10:05:00Z session_end=2026-11-22T10:05:00Z events=1 "
            + "products=[sku-1] converted=false revenue=0.0 " + UPDATED + "ON_TIME");
    PAssert.that(rows).containsInAnyOrder(
        "user_id=u-1 session_start=2026-11-22T10:00:00Z session_end=2026-11-22T10:10:00Z events=2 "
            + "products=[sku-1, sku-2] converted=true revenue=10.0 " + UPDATED + "ON_TIME",
        "user_id=u-1 session_start=2026-11-22T10:00:00Z session_end=2026-11-22T10:20:00Z events=3 "
            + "products=[sku-1, sku-2, sku-3] converted=true revenue=10.0 " + UPDATED + "LATE",
        "user_id=u-2 session_start=2026-11-22T10:05:00Z session_end=2026-11-22T10:05:00Z events=1 "
            + "products=[sku-1] converted=false revenue=0.0 " + UPDATED + "ON_TIME");
    pipeline.run().waitUntilFinish();
  }
}
