package dev.shopstream.functions;

import com.google.protobuf.ByteString;
import com.google.pubsub.v1.PubsubMessage;
import dev.shopstream.contract.Event;
import dev.shopstream.contract.EventCodec;

/**
 * The one shape of an event on the events topic, shared by every function that publishes events: data =
 * {@link EventCodec#encode}, attributes {@code event_id}, {@code event_time} and {@code schema_version}.
 */
public final class EventMessages {
  public static final String SCHEMA_VERSION = "1";

  private EventMessages() {}

  public static PubsubMessage of(Event event) {
    return PubsubMessage.newBuilder()
        .setData(ByteString.copyFromUtf8(EventCodec.encode(event)))
        .putAttributes("event_id", event.eventId())
        .putAttributes("event_time", event.eventTime().toString())
        .putAttributes("schema_version", SCHEMA_VERSION)
        .build();
  }
}
