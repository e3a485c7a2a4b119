package dev.shopstream.emulator.pubsub;

import com.google.pubsub.v1.PubsubMessage;
import io.grpc.StatusRuntimeException;
import java.util.List;
import java.util.logging.Logger;

/**
 * Moves a message that has used up the delivery attempts of its subscription's dead-letter policy to the policy's
 * topic, with the attributes the real service adds. Under the broker's lock.
 */
final class DeadLetterForwarding {

  /** Logs under the broker's name, as the broker did before its parts had files of their own. */
  private static final Logger LOG = Logger.getLogger(Broker.class.getName());

  private final BrokerState state;
  private final Publishing publishing;

  DeadLetterForwarding(BrokerState state, Publishing publishing) {
    this.state = state;
    this.publishing = publishing;
  }

  /**
   * After a lease of {@code p} ended: when the subscription has a dead-letter policy whose attempts {@code p} has
   * used up, forwards it and removes it from the backlog (unless forwarding fails: then it stays, logged).
   */
  void forwardIfExhausted(SubscriptionState s, Pending p) {
    if (s.config.hasDeadLetterPolicy()
        && p.attempts >= s.config.getDeadLetterPolicy().getMaxDeliveryAttempts()
        && forward(s, p)) {
      s.remove(p);
      state.removedFromBacklog(s, List.of(p));
      state.deadLettered++;
    }
  }

  /** Publishes a copy of the message to the dead-letter topic; false (and logged) if that fails. */
  private boolean forward(SubscriptionState s, Pending p) {
    String deadLetterTopic = s.config.getDeadLetterPolicy().getDeadLetterTopic();
    String[] source = s.config.getName().split("/");
    PubsubMessage forwarded = p.message.toBuilder()
        .clearMessageId()
        .clearPublishTime()
        .putAttributes("CloudPubSubDeadLetterSourceDeliveryCount", Integer.toString(p.attempts))
        .putAttributes("CloudPubSubDeadLetterSourceSubscription", source[3])
        .putAttributes("CloudPubSubDeadLetterSourceSubscriptionProject", source[1])
        .build();
    try {
      publishing.publishLocked(deadLetterTopic, List.of(forwarded));
    } catch (StatusRuntimeException e) {
      LOG.warning(() -> "Cannot forward message " + p.message.getMessageId() + " of " + s.config.getName()
          + " to dead-letter topic " + deadLetterTopic + " (" + e.getStatus() + "); it stays");
      return false;
    }
    return true;
  }
}
