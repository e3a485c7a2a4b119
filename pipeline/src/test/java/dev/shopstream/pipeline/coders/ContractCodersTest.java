package dev.shopstream.pipeline.coders;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shopstream.contract.DeadLetter;
import dev.shopstream.contract.Event;
import dev.shopstream.pipeline.testing.TestEvents;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.testing.CoderProperties;
import org.apache.beam.sdk.util.CoderUtils;
import org.junit.jupiter.api.Test;

public class ContractCodersTest {
  private static final Event FULL = TestEvents.view("e-1", "u-1");
  private static final Event MINIMAL = TestEvents.search("e-2", "u-2");
  private static final DeadLetter DEAD_LETTER = new DeadLetter("e-3", "{\"event_id\":\"e-3\"}",
      Map.of("event_id", "e-3", "source", "web"), "event_type: is required", "validate",
      Instant.parse("2026-11-22T12:00:00.123456789Z"));
  private static final DeadLetter ANONYMOUS = new DeadLetter(null, "", Map.of(), "$: is empty", "parse",
      Instant.EPOCH);

  @Test
  public void eventsRoundTripExactly() throws Exception {
    for (Event e : new Event[] {FULL, MINIMAL}) {
      CoderProperties.coderDecodeEncodeEqual(EventCoder.of(), e);
      CoderProperties.structuralValueDecodeEncodeEqual(EventCoder.of(), e);
    }
    CoderProperties.coderSerializable(EventCoder.of());
  }

  @Test
  public void deadLettersRoundTripExactly() throws Exception {
    for (DeadLetter d : new DeadLetter[] {DEAD_LETTER, ANONYMOUS}) {
      CoderProperties.coderDecodeEncodeEqual(DeadLetterCoder.of(), d);
      CoderProperties.structuralValueDecodeEncodeEqual(DeadLetterCoder.of(), d);
    }
    CoderProperties.coderSerializable(DeadLetterCoder.of());
  }

  @Test
  public void equalValuesEncodeEquallyWhateverTheirAttributeOrder() throws Exception {
    Map<String, String> ab = new LinkedHashMap<>();
    ab.put("a", "1");
    ab.put("b", "2");
    Map<String, String> ba = new LinkedHashMap<>();
    ba.put("b", "2");
    ba.put("a", "1");
    CoderProperties.coderDeterministic(DeadLetterCoder.of(), withAttributes(DEAD_LETTER, ab),
        withAttributes(DEAD_LETTER, ba));
    EventCoder.of().verifyDeterministic();
    DeadLetterCoder.of().verifyDeterministic();
  }

  @Test
  public void encodingIsUnderAThirdOfJavaSerialization() throws Exception {
    assertThat(size(EventCoder.of(), FULL)).isLessThan(size(SerializableCoder.of(Event.class), FULL) / 3);
    assertThat(size(DeadLetterCoder.of(), DEAD_LETTER))
        .isLessThan(size(SerializableCoder.of(DeadLetter.class), DEAD_LETTER) / 3);
  }

  private static <T> int size(Coder<T> coder, T value) throws Exception {
    return CoderUtils.encodeToByteArray(coder, value).length;
  }

  private static DeadLetter withAttributes(DeadLetter d, Map<String, String> attributes) {
    return new DeadLetter(d.eventId(), d.payload(), attributes, d.error(), d.step(), d.failedAt());
  }
}
