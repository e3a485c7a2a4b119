package dev.shopstream.functions;

import com.google.protobuf.ByteString;
import com.google.pubsub.v1.PubsubMessage;
import dev.shopstream.contract.Event;
import dev.shopstream.contract.EventCodec;
import dev.shopstream.contract.MessageEnvelope;

/**
 * The one shape of an event on the events topic, shared by every function that publishes events: data =
 * {@link EventCodec#encode}, attributes {@link MessageEnvelope#eventAttributes}.
 */
public final class EventMessages {
  public static final String SCHEMA_VERSION = MessageEnvelope.CURRENT_SCHEMA_VERSION;

  private EventMessages() {}

  public static PubsubMessage of(Event event) {
    return PubsubMessage.newBuilder()
        .setData(ByteString.copyFromUtf8(EventCodec.encode(event)))
        .putAllAttributes(MessageEnvelope.eventAttributes(event))
        .build();
  }
}
