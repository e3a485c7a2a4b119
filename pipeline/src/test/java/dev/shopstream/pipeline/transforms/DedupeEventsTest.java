package dev.shopstream.pipeline.transforms;

import static dev.shopstream.pipeline.testing.TestEvents.counter;
import static org.assertj.core.api.Assertions.assertThat;

import dev.shopstream.contract.DeadLetter;
import dev.shopstream.contract.Event;
import dev.shopstream.contract.EventCodec;
import dev.shopstream.contract.Json;
import com.fasterxml.jackson.databind.JsonNode;
import dev.shopstream.pipeline.coders.EventCoder;
import dev.shopstream.pipeline.testing.TestEvents;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TimestampedValue;
import org.joda.time.Duration;
import org.joda.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(TestPipelineExtension.class)
public class DedupeEventsTest {
  private transient TestPipeline pipeline;

  private static final Instant T0 = new Instant(TestEvents.NOW.toEpochMilli());

  @BeforeEach
  public void pipeline(TestPipeline pipeline) {
    this.pipeline = pipeline;
  }

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

    PCollection<Event> out = pipeline.apply(stream).apply(DedupeEvents.within(Duration.standardHours(24)))
        .get(DedupeEvents.EVENTS);

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

    PCollectionTuple out = pipeline.apply(stream).apply(DedupeEvents.within(Duration.standardHours(1)));
    PAssert.that(out.get(DedupeEvents.EVENTS)).containsInAnyOrder(a);
    PAssert.that(out.get(DedupeEvents.CONFLICTS)).empty(); // identical copies are no conflict
    PipelineResult result = pipeline.run();
    result.waitUntilFinish();
    assertThat(counter(result, DedupeEvents.class, "duplicates")).isEqualTo(2);
  }

  /**
   * A second event under an id already used, with different content (a client bug), is dropped as before but counted
   * and dead-lettered as duplicate_conflict with the dropped payload and the kept one's id and fingerprint; an
   * identical copy is a plain duplicate.
   */
  @Test
  public void aReusedIdWithDifferentContentIsDroppedCountedAndDeadLetteredWithBothPayloads() {
    Event first = TestEvents.view("e-a", "u-1");
    Event same = TestEvents.view("e-a", "u-1");
    Event other = TestEvents.view("e-a", "u-2"); // same id, another user
    TestStream<Event> stream = TestStream.create(EventCoder.of())
        .addElements(TimestampedValue.of(first, T0))
        .advanceProcessingTime(Duration.standardMinutes(5))
        .addElements(TimestampedValue.of(same, T0), TimestampedValue.of(other, T0))
        .advanceWatermarkToInfinity();

    PCollectionTuple out = pipeline.apply(stream).apply(DedupeEvents.within(Duration.standardHours(24)));

    PAssert.that(out.get(DedupeEvents.EVENTS)).containsInAnyOrder(first);
    PAssert.that(out.get(DedupeEvents.CONFLICTS)).satisfies(letters -> {
      List<DeadLetter> all = new ArrayList<>();
      letters.forEach(all::add);
      assertThat(all).hasSize(1);
      DeadLetter d = all.get(0);
      assertThat(d.eventId()).isEqualTo("e-a");
      assertThat(d.step()).isEqualTo(DedupeEvents.STEP);
      assertThat(d.error()).startsWith("duplicate_conflict: ");
      try {
        JsonNode payload = Json.MAPPER.readTree(d.payload());
        // the kept event is the events row of the id: the dead letter names it and its fingerprint
        assertThat(payload.get("kept").get("event_id").asText()).isEqualTo("e-a");
        assertThat(payload.get("kept").get("stored_in").asText()).isEqualTo("events");
        assertThat(payload.get("kept").get("fingerprint").asText())
            .isEqualTo(String.format("%016x", DedupeEvents.fingerprint(first)))
            .isNotEqualTo(String.format("%016x", DedupeEvents.fingerprint(other)));
        assertThat(payload.get("dropped").toString()).isEqualTo(EventCodec.encode(other));
      } catch (java.io.IOException e) {
        throw new AssertionError(e);
      }
      assertThat(d.failedAt()).isNotNull();
      return null;
    });
    PipelineResult result = pipeline.run();
    result.waitUntilFinish();
    assertThat(counter(result, DedupeEvents.class, "in")).isEqualTo(3);
    assertThat(counter(result, DedupeEvents.class, "out")).isEqualTo(1);
    assertThat(counter(result, DedupeEvents.class, "duplicates")).isEqualTo(2);
    assertThat(counter(result, DedupeEvents.class, "conflicts")).isEqualTo(1);
  }
}
