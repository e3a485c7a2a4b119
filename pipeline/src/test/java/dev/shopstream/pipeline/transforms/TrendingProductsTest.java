package dev.shopstream.pipeline.transforms;

import static dev.shopstream.pipeline.transforms.WindowedEvents.at;
import static dev.shopstream.pipeline.transforms.WindowedEvents.event;
import static org.assertj.core.api.Assertions.assertThat;

import dev.shopstream.contract.Event;
import dev.shopstream.contract.EventType;
import dev.shopstream.contract.ProductLine;
import dev.shopstream.pipeline.coders.EventCoder;
import dev.shopstream.pipeline.testing.TestEvents;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.windowing.IntervalWindow;
import org.apache.beam.sdk.values.PCollection;
import org.joda.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** LeaderBoardTest-style: early, on-time, late within the allowed lateness, and droppable data. */
@ExtendWith(TestPipelineExtension.class)
public class TrendingProductsTest {
  private transient TestPipeline pipeline;

  private static final String[] COLUMNS =
      {"product_id", "event_type", "window_start", "window_end", "events", "units", "timing", "updated_at"};
  private static final IntervalWindow FIRST = new IntervalWindow(at("09:55"), at("10:05"));
  private static final IntervalWindow SECOND = new IntervalWindow(at("10:00"), at("10:10"));

  @BeforeEach
  public void pipeline(TestPipeline pipeline) {
    this.pipeline = pipeline;
  }

  private static String row(String product, String type, IntervalWindow w, int events, int units, String timing) {
    return "product_id=" + product + " event_type=" + type + " window_start=" + iso(w.start()) + " window_end="
        + iso(w.end()) + " events=" + events + " units=" + units + " timing=" + timing + " updated_at=" + TestEvents.NOW
        + " @" + timing;
  }

  private static String iso(org.joda.time.Instant t) {
    return java.time.Instant.ofEpochMilli(t.getMillis()).toString();
  }

  @Test
  public void earlyOnTimeLateAndDroppablePanes() {
    TestStream<Event> stream = TestStream.create(EventCoder.of())
        .advanceWatermarkTo(at("10:00"))
        .addElements(
            event("e-1", EventType.VIEW, "u-1", "10:01", new ProductLine("sku-1", 1, null)),
            event("e-2", EventType.PURCHASE, "u-2", "10:01", new ProductLine("sku-2", 3, 4.0)))
        .advanceProcessingTime(Duration.standardMinutes(2)) // early panes: the 5-minute period's sums ...
        .advanceProcessingTime(Duration.millis(1)) // ... reach the sliding windows, which fire at the next tick
        .addElements(event("e-3", EventType.VIEW, "u-3", "10:02", new ProductLine("sku-1", 2, null)))
        .advanceWatermarkTo(at("10:06")) // FIRST on time
        .advanceWatermarkTo(at("10:11")) // SECOND on time
        .addElements(event("e-4", EventType.VIEW, "u-4", "10:03", new ProductLine("sku-1", 1, null))) // late
        .advanceWatermarkTo(at("11:00")) // past both windows' end + 30 min
        .addElements(event("e-5", EventType.VIEW, "u-5", "10:04", new ProductLine("sku-1", 1, null))) // dropped
        .advanceWatermarkToInfinity();

    PCollection<String> rows = pipeline.apply(stream)
        .apply(new TrendingProducts(Duration.standardMinutes(10), Duration.standardMinutes(5),
            Duration.standardMinutes(1), Duration.ZERO, Duration.standardMinutes(30)).withClock(TestEvents.CLOCK))
        .apply(ParDo.of(new WindowedEvents.DescribeFn(COLUMNS)));

    for (IntervalWindow w : new IntervalWindow[] {FIRST, SECOND}) {
      PAssert.that(rows).inEarlyPane(w).containsInAnyOrder(
          row("sku-1", "view", w, 1, 1, "EARLY"), row("sku-2", "purchase", w, 1, 3, "EARLY"));
      PAssert.that(rows).inOnTimePane(w).containsInAnyOrder(
          row("sku-1", "view", w, 2, 3, "ON_TIME"), row("sku-2", "purchase", w, 1, 3, "ON_TIME"));
      PAssert.that(rows).inLatePane(w).containsInAnyOrder(row("sku-1", "view", w, 3, 4, "LATE"));
      PAssert.that(rows).inWindow(w).containsInAnyOrder(
          row("sku-1", "view", w, 1, 1, "EARLY"), row("sku-2", "purchase", w, 1, 3, "EARLY"),
          row("sku-1", "view", w, 2, 3, "ON_TIME"), row("sku-2", "purchase", w, 1, 3, "ON_TIME"),
          row("sku-1", "view", w, 3, 4, "LATE"));
    }
    org.apache.beam.sdk.PipelineResult result = pipeline.run();
    result.waitUntilFinish();
    assertThat(TestEvents.counter(result, TrendingProducts.class, "in")).isEqualTo(5); // e-5 too: dropped later
    assertThat(TestEvents.counter(result, TrendingProducts.class, "out")).isEqualTo(10);
    assertThat(TestEvents.counter(result, TrendingProducts.class, "late")).isEqualTo(2);
  }

  @Test
  public void eachEventTypeOfAProductHasItsOwnRowInEveryPane() {
    TestStream<Event> stream = TestStream.create(EventCoder.of())
        .advanceWatermarkTo(at("10:00"))
        .addElements(
            event("e-1", EventType.VIEW, "u-1", "10:01", new ProductLine("sku-1", 1, null)),
            event("e-2", EventType.ADD_TO_CART, "u-1", "10:02", new ProductLine("sku-1", 2, null)),
            event("e-3", EventType.VIEW, "u-2", "10:03", new ProductLine("sku-1", 1, null)))
        .advanceWatermarkToInfinity();

    PCollection<String> rows = pipeline.apply(stream)
        .apply(new TrendingProducts(Duration.standardMinutes(10), Duration.standardMinutes(5),
            Duration.standardMinutes(1), Duration.ZERO, Duration.standardMinutes(30)).withClock(TestEvents.CLOCK))
        .apply(ParDo.of(new WindowedEvents.DescribeFn(COLUMNS)));

    for (IntervalWindow w : new IntervalWindow[] {FIRST, SECOND}) {
      PAssert.that(rows).inWindow(w).containsInAnyOrder(
          row("sku-1", "view", w, 2, 2, "ON_TIME"), row("sku-1", "add_to_cart", w, 1, 2, "ON_TIME"));
    }
    org.apache.beam.sdk.PipelineResult result = pipeline.run();
    result.waitUntilFinish();
    assertThat(TestEvents.counter(result, TrendingProducts.class, "out")).isEqualTo(4);
  }
}
