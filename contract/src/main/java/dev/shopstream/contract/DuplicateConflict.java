package dev.shopstream.contract;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;

/**
 * The payload of a {@code duplicate_conflict} dead letter: an event that reused the id of an event with different
 * content, dropped by the pipeline's dedupe. {@code {"kept": {"event_id", "fingerprint", "stored_in": "events"},
 * "dropped": the dropped event's contract JSON}}: the kept event is not copied, it is the {@code events} row of that
 * id ({@link Rows#EVENT_ID}), named with the 64-bit fingerprint (16 hex digits) of its contract JSON.
 */
public final class DuplicateConflict {
  /** The reason, first word of the dead letter's error. */
  public static final String REASON = "duplicate_conflict";
  /** The pointer to the kept event. */
  public static final String KEPT = "kept";
  /** The kept event's fingerprint, 16 lowercase hex digits. */
  public static final String FINGERPRINT = "fingerprint";
  /** The table that holds the kept event. */
  public static final String STORED_IN = "stored_in";
  /** The dropped event, as its contract JSON. */
  public static final String DROPPED = "dropped";

  private DuplicateConflict() {}

  /** The payload for {@code dropped}, whose id was first used by an event of fingerprint {@code keptFingerprint}. */
  public static String payload(Event dropped, long keptFingerprint) {
    ObjectNode payload = Json.MAPPER.createObjectNode();
    ObjectNode kept = payload.putObject(KEPT);
    kept.put(Rows.EVENT_ID, dropped.eventId());
    kept.put(FINGERPRINT, String.format("%016x", keptFingerprint));
    kept.put(STORED_IN, TableSchemas.events().name());
    payload.set(DROPPED, EventCodec.toJson(dropped));
    return payload.toString();
  }

  /** The dead letter's attributes: the dropped event's id ({@link MessageEnvelope#EVENT_ID}). */
  public static Map<String, String> attributes(Event dropped) {
    return Map.of(MessageEnvelope.EVENT_ID, dropped.eventId());
  }

  /** The dead letter's error: the reason, then what happened to which id. */
  public static String error(Event dropped) {
    return REASON + ": " + Rows.EVENT_ID + " " + dropped.eventId() + " was already used by an event with different "
        + "content; the first one is kept, this one is dropped (payload: " + KEPT + " and " + DROPPED + ")";
  }
}
