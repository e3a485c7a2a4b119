package dev.shopstream.pipeline.transforms;

import static dev.shopstream.pipeline.testing.TestEvents.counter;
import static org.assertj.core.api.Assertions.assertThat;

import dev.shopstream.contract.Event;
import dev.shopstream.pipeline.coders.EventCoder;
import dev.shopstream.pipeline.testing.TestEvents;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TimestampedValue;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.Rule;
import org.junit.Test;

public class DedupeEventsTest {
  @Rule public final transient TestPipeline pipeline = TestPipeline.create();

  private static final Instant T0 = new Instant(TestEvents.NOW.toEpochMilli());

  @Test
  public void dropsADuplicateHoursLaterAndTreatsOneAfterTheTtlAsNew() {
    Event a = TestEvents.view("e-a", "u-1");
    Event b = TestEvents.view("e-b", "u-2");
    TestStream<Event> stream = TestStream.create(EventCoder.of())
        .addElements(TimestampedValue.of(a, T0), TimestampedValue.of(b, T0))
        .advanceProcessingTime(Duration.standardHours(3))
        .addElements(TimestampedValue.of(a, T0.plus(Duration.standardHours(3)))) // a retry 3 h later: dropped
        .advanceProcessingTime(Duration.standardHours(22)) // 25 h after the first a: its key has expired
        .addElements(TimestampedValue.of(a, T0.plus(Duration.standardHours(25)))) // treated as new
        .advanceWatermarkToInfinity();

    PCollection<Event> out = pipeline.apply(stream).apply(DedupeEvents.within(Duration.standardHours(24)));

    PAssert.that(out).containsInAnyOrder(a, b, a);
    PipelineResult result = pipeline.run();
    result.waitUntilFinish();
    assertThat(counter(result, DedupeEvents.class, "in")).isEqualTo(4);
    assertThat(counter(result, DedupeEvents.class, "duplicates")).isEqualTo(1);
    assertThat(counter(result, DedupeEvents.class, "out")).isEqualTo(3);
  }

  @Test
  public void keepsOneOfManyCopiesWithinTheTtl() {
    Event a = TestEvents.view("e-a", "u-1");
    TestStream<Event> stream = TestStream.create(EventCoder.of())
        .addElements(TimestampedValue.of(a, T0), TimestampedValue.of(a, T0))
        .advanceProcessingTime(Duration.standardMinutes(30))
        .addElements(TimestampedValue.of(a, T0.minus(Duration.standardDays(3)))) // a replay of old data
        .advanceWatermarkToInfinity();

    PAssert.that(pipeline.apply(stream).apply(DedupeEvents.within(Duration.standardHours(1)))).containsInAnyOrder(a);
    PipelineResult result = pipeline.run();
    result.waitUntilFinish();
    assertThat(counter(result, DedupeEvents.class, "duplicates")).isEqualTo(2);
  }
}
