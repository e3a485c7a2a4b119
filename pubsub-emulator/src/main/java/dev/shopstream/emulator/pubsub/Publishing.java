package dev.shopstream.emulator.pubsub;

import com.google.protobuf.Timestamp;
import com.google.pubsub.v1.PublishRequest;
import com.google.pubsub.v1.PublishResponse;
import com.google.pubsub.v1.PubsubMessage;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Logger;

/** The broker's publish: checks a request against the service's limits and stores its messages in the backlogs. */
final class Publishing {

  /** Logs under the broker's name, as the broker did before its parts had files of their own. */
  private static final Logger LOG = Logger.getLogger(Broker.class.getName());

  private final BrokerState state;
  private final long maxBacklogMessages;
  private final long maxBacklogBytes;

  Publishing(BrokerState state, long maxBacklogMessages, long maxBacklogBytes) {
    this.state = state;
    this.maxBacklogMessages = maxBacklogMessages;
    this.maxBacklogBytes = maxBacklogBytes;
  }

  /** Stores the messages in every subscription attached to the topic now; all or none of them. */
  PublishResponse publish(PublishRequest request) {
    String topic = Names.checkTopic(request.getTopic());
    checkPublishable(request);
    return state.durably(() -> PublishResponse.newBuilder()
        .addAllMessageIds(publishLocked(topic, request.getMessagesList()))
        .build());
  }

  private static void checkPublishable(PublishRequest request) {
    if (request.getMessagesCount() == 0) {
      throw Errors.invalidArgument("No messages to publish");
    }
    if (request.getMessagesCount() > Limits.MAX_MESSAGES_PER_PUBLISH) {
      throw Errors.invalidArgument("Too many messages in one publish request: " + request.getMessagesCount()
          + " (the limit is " + Limits.MAX_MESSAGES_PER_PUBLISH + ")");
    }
    if (request.getSerializedSize() > Limits.MAX_REQUEST_BYTES) {
      throw Errors.invalidArgument("Request payload size exceeds the limit: " + Limits.MAX_REQUEST_BYTES
          + " bytes.");
    }
    for (PubsubMessage message : request.getMessagesList()) {
      if (message.getData().isEmpty() && message.getAttributesCount() == 0) {
        throw Errors.invalidArgument("Some messages are empty");
      }
      if (message.getAttributesCount() > Limits.MAX_ATTRIBUTES) {
        throw Errors.invalidArgument("Too many attributes in a message: " + message.getAttributesCount()
            + " (the limit is " + Limits.MAX_ATTRIBUTES + ")");
      }
      message.getAttributesMap().forEach((key, value) -> {
        if (key.isEmpty() || utf8Length(key) > Limits.MAX_ATTRIBUTE_KEY_BYTES) {
          throw Errors.invalidArgument("An attribute key must have 1 to " + Limits.MAX_ATTRIBUTE_KEY_BYTES
              + " bytes");
        }
        if (utf8Length(value) > Limits.MAX_ATTRIBUTE_VALUE_BYTES) {
          throw Errors.invalidArgument("The value of attribute " + key + " exceeds "
              + Limits.MAX_ATTRIBUTE_VALUE_BYTES + " bytes");
        }
      });
      if (utf8Length(message.getOrderingKey()) > Limits.MAX_ORDERING_KEY_BYTES) {
        throw Errors.invalidArgument("An ordering key must not exceed " + Limits.MAX_ORDERING_KEY_BYTES
            + " bytes");
      }
    }
  }

  /**
   * Stamps the messages with ids and the publish time and stores them in every subscription of the topic; under
   * the lock. Also how dead-lettered messages reach their topic.
   */
  List<String> publishLocked(String topic, List<PubsubMessage> messages) {
    state.requireTopic(topic);
    Timestamp publishTime = timestamp(state.clock.instant().truncatedTo(ChronoUnit.MILLIS));
    List<PubsubMessage> stamped = new ArrayList<>(messages.size());
    long bytes = 0;
    for (PubsubMessage message : messages) {
      PubsubMessage m = message.toBuilder()
          .setMessageId(Long.toString(state.nextMessageId + stamped.size()))
          .setPublishTime(publishTime)
          .build();
      stamped.add(m);
      bytes += m.getSerializedSize();
    }
    List<SubscriptionState> targets = new ArrayList<>();
    for (SubscriptionState s : state.subscriptions.values()) {
      if (s.config.getTopic().equals(topic)) {
        checkRoom(s, stamped.size(), bytes);
        targets.add(s);
      }
    }
    long[] targetIds = targets.stream().mapToLong(s -> s.id).toArray();
    List<String> ids = new ArrayList<>(stamped.size());
    for (PubsubMessage m : stamped) {
      long number = state.nextMessageId++;
      Pending.Stored stored = new Pending.Stored(targets.size(),
          state.record(new JournalRecord.Published(number, targetIds, m)));
      if (targets.isEmpty()) {
        state.markDead(stored.journalBytes);
      }
      for (SubscriptionState s : targets) {
        s.enqueue(new Pending(number, m, stored));
      }
      ids.add(m.getMessageId());
    }
    state.published += ids.size();
    state.changed.signalAll();
    LOG.fine(() -> "Published " + ids.size() + " message(s) to " + topic + " for " + targets.size()
        + " subscription(s)");
    return ids;
  }

  private void checkRoom(SubscriptionState s, int messages, long bytes) {
    if (s.size() + messages > maxBacklogMessages || s.bytes + bytes > maxBacklogBytes) {
      String message = "Subscription " + s.config.getName() + " has reached the emulator's backlog limit ("
          + maxBacklogMessages + " messages, " + maxBacklogBytes + " bytes): acknowledge messages, delete the "
          + "subscription or raise the limit";
      LOG.warning(message);
      throw Errors.resourceExhausted(message);
    }
  }

  private static Timestamp timestamp(Instant instant) {
    return Timestamp.newBuilder().setSeconds(instant.getEpochSecond()).setNanos(instant.getNano()).build();
  }

  private static int utf8Length(String s) {
    return s.getBytes(StandardCharsets.UTF_8).length;
  }
}
