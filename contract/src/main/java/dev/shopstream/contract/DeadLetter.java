package dev.shopstream.contract;

import java.io.Serializable;
import java.time.Instant;
import java.util.Map;

/**
 * A record that failed a step, kept whole: the original payload and attributes, the reason naming each bad
 * field, the step and the time. Nothing is dropped silently; this is where it goes instead.
 */
public record DeadLetter(
    String eventId,
    String payload,
    Map<String, String> attributes,
    String error,
    String step,
    Instant failedAt) implements Serializable {

  public DeadLetter {
    attributes = Map.copyOf(attributes == null ? Map.of() : attributes);
  }
}
