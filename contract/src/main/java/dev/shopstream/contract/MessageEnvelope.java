package dev.shopstream.contract;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The envelope of a message on the events and catalog topics: the attribute names, the schema version, and building
 * and reading the attributes. The payload is the record's contract JSON ({@link EventCodec#encode},
 * {@link ProductCodec#encode}); the functions (publishers), the pipeline (reader) and the backfill's file reader all
 * use this class, so no attribute name is spelled anywhere else.
 *
 * <p>Schema version: an events message carries {@value #SCHEMA_VERSION} = {@value #CURRENT_SCHEMA_VERSION}. A
 * message without the attribute is read as the current version: every message published before the attribute was
 * checked carries version 1 or (backfill rows, hand-published messages) none, and those must not be lost on an
 * upgrade. A message with any other value is one this pipeline cannot read: the pipeline dead-letters it with its
 * original payload and {@link #unsupportedVersion the reason}.
 */
public final class MessageEnvelope {
  /** Events: the event id (Pub/Sub redeliveries with the same id are dropped on read). */
  public static final String EVENT_ID = "event_id";
  /** Events: the event time (RFC 3339): the element timestamp. */
  public static final String EVENT_TIME = "event_time";
  /** Events: the contract version of the payload. */
  public static final String SCHEMA_VERSION = "schema_version";
  /** Catalog: the product id. */
  public static final String PRODUCT_ID = "product_id";
  /** Catalog: the product's update time (RFC 3339). */
  public static final String UPDATED_AT = "updated_at";
  /** Backfill: the file a row was read from. */
  public static final String SOURCE_FILE = "source_file";
  /** Backfill: the 1-based line of the row in its file. */
  public static final String SOURCE_LINE = "source_line";
  /** A row its source could not read as a record: the reason; the payload is the raw text. */
  public static final String SOURCE_ERROR = "source_error";
  /** Dead-letter topic: why the record failed (cut to Pub/Sub's 1024-byte attribute limit). */
  public static final String DEAD_LETTER_ERROR = "error";
  /** Dead-letter topic: the pipeline step that failed. */
  public static final String DEAD_LETTER_STEP = "step";
  /** Dead-letter topic: when it failed (RFC 3339). */
  public static final String DEAD_LETTER_FAILED_AT = "failed_at";

  /** The events topic's id where no setting names another (the functions publish to it, the pipeline reads it). */
  public static final String DEFAULT_EVENTS_TOPIC = "events";

  /** The version of the events contract this code writes and reads. */
  public static final String CURRENT_SCHEMA_VERSION = "1";

  private MessageEnvelope() {}

  /** The attributes of an events message: id, time and schema version. */
  public static Map<String, String> eventAttributes(Event event) {
    Map<String, String> attributes = new LinkedHashMap<>();
    attributes.put(EVENT_ID, event.eventId());
    attributes.put(EVENT_TIME, event.eventTime().toString());
    attributes.put(SCHEMA_VERSION, CURRENT_SCHEMA_VERSION);
    return attributes;
  }

  /** The attributes of a catalog message: product id and update time. */
  public static Map<String, String> productAttributes(Product product) {
    Map<String, String> attributes = new LinkedHashMap<>();
    attributes.put(PRODUCT_ID, product.productId());
    attributes.put(UPDATED_AT, product.updatedAt().toString());
    return attributes;
  }

  /**
   * Why an events message's schema version cannot be read (as a {@link FieldError} text naming
   * {@value #SCHEMA_VERSION}), or empty when it can: the current version, or no attribute at all (read as the
   * current version, see the class comment).
   */
  public static Optional<String> unsupportedVersion(Map<String, String> attributes) {
    String version = attributes == null ? null : attributes.get(SCHEMA_VERSION);
    if (version == null || version.equals(CURRENT_SCHEMA_VERSION)) {
      return Optional.empty();
    }
    return Optional.of(new FieldError(SCHEMA_VERSION, "is '" + version + "', this pipeline reads version "
        + CURRENT_SCHEMA_VERSION + " (a message without the attribute is read as version "
        + CURRENT_SCHEMA_VERSION + ")").toString());
  }
}
