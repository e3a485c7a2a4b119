package dev.shopstream.pipeline.transforms;

import static dev.shopstream.pipeline.testing.TestEvents.NOW;
import static dev.shopstream.pipeline.testing.TestEvents.counter;
import static dev.shopstream.pipeline.testing.TestEvents.message;
import static org.assertj.core.api.Assertions.assertThat;

import dev.shopstream.contract.DeadLetter;
import dev.shopstream.contract.EventCodec;
import dev.shopstream.contract.MessageEnvelope;
import dev.shopstream.pipeline.testing.TestEvents;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.io.gcp.pubsub.PubsubMessage;
import org.apache.beam.sdk.io.gcp.pubsub.PubsubMessageWithAttributesAndMessageIdCoder;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(TestPipelineExtension.class)
public class ParseEventsTest {
  private transient TestPipeline pipeline;

  private static final String MALFORMED_JSON = "{\"event_id\": \"e-2\", \"event_type\": ";
  private static final String INVALID_EVENT = "{\"event_id\":\"e-3\",\"event_type\":\"teleport\",\"user_id\":\"\","
      + "\"event_time\":\"yesterday\",\"colour\":\"red\"}";
  /** A number whose exponent no BigDecimal holds: Jackson throws NumberFormatException for it, not a parse error. */
  private static final String EXPONENT_OVERFLOW = "{\"event_id\": \"e-7\", \"price\": 1e-9999999990}";
  /** {"event_id":"e-4"} with two bytes that are not UTF-8 inside the id. */
  private static final byte[] NOT_UTF8 = concat("{\"event_id\":\"e-4".getBytes(StandardCharsets.UTF_8),
      new byte[] {(byte) 0xC3, (byte) 0x28}, "\"}".getBytes(StandardCharsets.UTF_8));

  @BeforeEach
  public void pipeline(TestPipeline pipeline) {
    this.pipeline = pipeline;
  }

  @Test
  public void validEventsPassAndEveryFailureBecomesADeadLetterWithItsPayloadAttributesAndReason() {
    var view = TestEvents.view("e-1", "u-1");
    var search = TestEvents.search("e-5", "u-5");
    List<PubsubMessage> messages = List.of(
        message(view, "m-1"),
        message(search, "m-5"),
        message(MALFORMED_JSON, Map.of("event_id", "e-2", "source", "web"), "m-2"),
        message(INVALID_EVENT, Map.of("source", "app"), "m-3"),
        message(NOT_UTF8, Map.of("event_id", "e-4"), "m-4"),
        message(new byte[0], Map.of(), "m-6"),
        message(EXPONENT_OVERFLOW, Map.of("event_id", "e-7"), "m-7"));

    PCollectionTuple parsed = pipeline
        .apply(Create.of(messages).withCoder(PubsubMessageWithAttributesAndMessageIdCoder.of()))
        .apply(ParseEvents.create().withClock(TestEvents.CLOCK).withIdAttribute("event_id"));

    PAssert.that(parsed.get(ParseEvents.EVENTS)).containsInAnyOrder(view, search);
    PAssert.that(parsed.get(ParseEvents.DEAD_LETTERS)).satisfies(deadLetters -> {
      Map<String, DeadLetter> byPayload = new HashMap<>();
      deadLetters.forEach(d -> byPayload.put(d.payload(), d));
      assertThat(byPayload).hasSize(5);

      DeadLetter overflow = byPayload.get(EXPONENT_OVERFLOW);
      assertThat(overflow.step()).as("a dead letter, not a failed bundle").isEqualTo("parse");
      assertThat(overflow.error()).startsWith("$: is not valid JSON: a number out of range");

      DeadLetter malformed = byPayload.get(MALFORMED_JSON);
      assertThat(malformed.step()).isEqualTo("parse");
      assertThat(malformed.error()).startsWith("$: is not valid JSON: ");
      assertThat(malformed.eventId()).as("id from the attribute").isEqualTo("e-2");
      assertThat(malformed.attributes()).isEqualTo(Map.of("event_id", "e-2", "source", "web"));
      assertThat(malformed.failedAt()).isEqualTo(NOW);

      DeadLetter invalid = byPayload.get(INVALID_EVENT);
      assertThat(invalid.step()).isEqualTo("validate");
      assertThat(invalid.eventId()).as("id from the payload").isEqualTo("e-3");
      assertThat(invalid.attributes()).isEqualTo(Map.of("source", "app"));
      assertThat(invalid.error()).as("every bad field, by name")
          .isEqualTo(new EventCodec(TestEvents.CLOCK).decode(INVALID_EVENT).errorSummary())
          .contains("event_type: ", "user_id: ", "event_time: ", "colour: ");
      assertThat(invalid.failedAt()).isEqualTo(NOW);

      DeadLetter notUtf8 = byPayload.get("{\"event_id\":\"e-4\uFFFD(\"}");
      assertThat(notUtf8).as("payload decoded with the invalid byte replaced").isNotNull();
      assertThat(notUtf8.step()).isEqualTo("parse");
      assertThat(notUtf8.error()).isEqualTo("$: is not valid UTF-8 (malformed byte at offset 16)");
      assertThat(notUtf8.eventId()).isEqualTo("e-4");

      DeadLetter empty = byPayload.get("");
      assertThat(empty.step()).isEqualTo("parse");
      assertThat(empty.error()).isEqualTo("$: is empty");
      assertThat(empty.eventId()).isNull();
      assertThat(empty.attributes()).isEmpty();
      return null;
    });

    PipelineResult result = pipeline.run();
    result.waitUntilFinish();
    assertThat(counter(result, ParseEvents.class, "in")).isEqualTo(7);
    assertThat(counter(result, ParseEvents.class, "valid")).isEqualTo(2);
    assertThat(counter(result, ParseEvents.class, "dead_lettered")).isEqualTo(5);
  }

  /**
   * What the edge refuses (issue 18), the pipeline's parse refuses too, naming the field: it runs the edge's
   * validator ({@link EventCodec#decodePayload}). A trailing line terminator after a pattern, an unpaired surrogate,
   * an event time before year 1 in UTC.
   */
  @Test
  public void theEdgesRefusalsAreThePipelinesDeadLetters() {
    String base = "\"event_type\":\"view\",\"user_id\":\"u\",\"products\":[{\"product_id\":\"p\"}]";
    Map<String, String> cases = Map.of(
        "{\"event_id\":\"e-1\\n\",\"event_time\":\"2026-11-22T10:00:00Z\"," + base + "}", "event_id",
        "{\"event_id\":\"e-2\\u2028\",\"event_time\":\"2026-11-22T10:00:00Z\"," + base + "}", "event_id",
        "{\"event_id\":\"e-3\",\"event_time\":\"2026-11-22T10:00:00Z\",\"currency\":\"USD\\n\"," + base + "}",
        "currency",
        "{\"event_id\":\"e-4\",\"event_time\":\"2026-11-22T10:00:00Z\",\"session_id\":\"\\ud800\"," + base + "}",
        "session_id",
        "{\"event_id\":\"e-5\",\"event_time\":\"0001-01-01T00:00:00+01:00\"," + base + "}", "event_time");
    List<PubsubMessage> messages = new java.util.ArrayList<>();
    cases.keySet().forEach(payload -> messages.add(message(payload, Map.of(), "m-" + messages.size())));

    PCollectionTuple parsed = pipeline
        .apply(Create.of(messages).withCoder(PubsubMessageWithAttributesAndMessageIdCoder.of()))
        .apply(ParseEvents.create().withClock(TestEvents.CLOCK));

    PAssert.that(parsed.get(ParseEvents.EVENTS)).empty();
    PAssert.that(parsed.get(ParseEvents.DEAD_LETTERS)).satisfies(deadLetters -> {
      int n = 0;
      for (DeadLetter d : deadLetters) {
        assertThat(d.step()).isEqualTo("validate");
        assertThat(d.error()).as(d.payload()).startsWith(cases.get(d.payload()) + ": ");
        n++;
      }
      assertThat(n).isEqualTo(cases.size());
      return null;
    });
    pipeline.run().waitUntilFinish();
  }

  /**
   * The envelope's {@code schema_version}: the current version and a message without the attribute (published
   * before it was checked) are read; any other version is dead-lettered whole, naming the attribute.
   */
  @Test
  public void anUnsupportedSchemaVersionIsDeadLetteredAndAMissingOneIsReadAsCurrent() {
    var current = TestEvents.view("e-1", "u-1");
    var missing = TestEvents.view("e-2", "u-2");
    var future = TestEvents.view("e-3", "u-3");
    Map<String, String> futureAttributes = new HashMap<>(MessageEnvelope.eventAttributes(future));
    futureAttributes.put(MessageEnvelope.SCHEMA_VERSION, "2");
    List<PubsubMessage> messages = List.of(
        message(EventCodec.encode(current), MessageEnvelope.eventAttributes(current), "m-1"),
        message(missing, "m-2"),
        message(EventCodec.encode(future), futureAttributes, "m-3"));

    PCollectionTuple parsed = pipeline
        .apply(Create.of(messages).withCoder(PubsubMessageWithAttributesAndMessageIdCoder.of()))
        .apply(ParseEvents.create().withClock(TestEvents.CLOCK).withIdAttribute(MessageEnvelope.EVENT_ID));

    PAssert.that(parsed.get(ParseEvents.EVENTS)).containsInAnyOrder(current, missing);
    PAssert.that(parsed.get(ParseEvents.DEAD_LETTERS)).satisfies(deadLetters -> {
      assertThat(deadLetters).hasSize(1);
      DeadLetter d = deadLetters.iterator().next();
      assertThat(d.eventId()).isEqualTo("e-3");
      assertThat(d.payload()).isEqualTo(EventCodec.encode(future));
      assertThat(d.attributes()).containsEntry(MessageEnvelope.SCHEMA_VERSION, "2");
      assertThat(d.step()).isEqualTo("parse");
      assertThat(d.error()).startsWith("schema_version: is '2', this pipeline reads version 1");
      return null;
    });
    pipeline.run().waitUntilFinish();
  }

  @Test
  public void malformedUtf8OffsetPointsAtTheFirstBadByte() {
    assertThat(ParseEvents.malformedUtf8Offset("{\"a\":\"é\"}".getBytes(StandardCharsets.UTF_8))).isEqualTo(-1);
    assertThat(ParseEvents.malformedUtf8Offset(NOT_UTF8)).isEqualTo(16);
    assertThat(ParseEvents.malformedUtf8Offset(new byte[] {'a', (byte) 0xE2, (byte) 0x82})).as("truncated at the end")
        .isEqualTo(1);
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] part : parts) {
      out.writeBytes(part);
    }
    return out.toByteArray();
  }
}
