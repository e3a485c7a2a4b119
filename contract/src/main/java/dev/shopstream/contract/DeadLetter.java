package dev.shopstream.contract;

import java.io.Serializable;
import java.time.Instant;
import java.util.Map;

/**
 * A record that failed a step, kept whole: the original payload and attributes, the reason naming each bad
 * field, the step and the time. Nothing is dropped silently; this is where it goes instead. The constants are the
 * columns of its {@code dead_letter} row ({@link Rows#deadLetter}).
 */
public record DeadLetter(
    String eventId,
    String payload,
    Map<String, String> attributes,
    String error,
    String step,
    Instant failedAt) implements Serializable {

  public static final String EVENT_ID = "event_id";
  public static final String PAYLOAD = "payload";
  public static final String ATTRIBUTES = "attributes";
  public static final String ERROR = "error";
  public static final String STEP = "step";
  public static final String FAILED_AT = "failed_at";

  public DeadLetter {
    attributes = Map.copyOf(attributes == null ? Map.of() : attributes);
  }
}
