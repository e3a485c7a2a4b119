package dev.shopstream.emulator.pubsub;

import com.google.protobuf.Empty;
import com.google.pubsub.v1.AcknowledgeRequest;
import com.google.pubsub.v1.ListSubscriptionsRequest;
import com.google.pubsub.v1.ListSubscriptionsResponse;
import com.google.pubsub.v1.ListTopicSubscriptionsRequest;
import com.google.pubsub.v1.ListTopicSubscriptionsResponse;
import com.google.pubsub.v1.ListTopicsRequest;
import com.google.pubsub.v1.ListTopicsResponse;
import com.google.pubsub.v1.ModifyAckDeadlineRequest;
import com.google.pubsub.v1.PublishRequest;
import com.google.pubsub.v1.PublishResponse;
import com.google.pubsub.v1.PullRequest;
import com.google.pubsub.v1.PullResponse;
import com.google.pubsub.v1.StreamingPullRequest;
import com.google.pubsub.v1.Subscription;
import com.google.pubsub.v1.Topic;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * The in-memory core of the emulator: topics, subscriptions, message backlogs and leases. This class is the one
 * entry point of the front ends and assembles the parts that do the work, one job each: {@link Admin} (topics and
 * subscriptions), {@link Publishing}, {@link Leasing} (pull, ack, deadlines), {@link PullStream} (streaming pull),
 * {@link DeadLetterForwarding}, {@link BrokerStats} and {@link BrokerRecovery} (state to and from the journal), all
 * over one {@link BrokerState}.
 *
 * <p>Thread-safe: one lock guards all state and one condition wakes waiting pulls. The API speaks the Pub/Sub
 * protobuf types, so the gRPC and the REST front ends are thin translations onto the same methods. Failures are
 * thrown as {@link StatusRuntimeException} with the status the real service uses.
 *
 * <p>Delivery is at-least-once. Every delivery of a message gets its own ack id and a lease that ends at its ack
 * deadline; an expired or nacked (deadline 0) lease puts the message back for redelivery. As in the real service,
 * {@code ReceivedMessage.delivery_attempt} is reported only for subscriptions with a dead-letter policy, and a
 * message whose lease ends after the policy's maximum number of delivery attempts is forwarded to the dead-letter
 * topic. Leases expire lazily: when the subscription is next pulled.
 *
 * <p>With a {@link Journal}, every change of topics, subscriptions and backlogs is appended to it under the lock
 * (so the journal's order is the broker's), and publishes and admin changes answer only once their records are on
 * disk, waiting for that outside the lock. Acks are journaled but not waited for: a lost ack is a redelivery. Leases
 * and delivery attempts are not journaled: after a restart every unacked message is deliverable at once, counting
 * its attempts from zero.
 */
final class Broker implements AutoCloseable {

  /** The topic a subscription reports once its topic has been deleted. */
  static final String DELETED_TOPIC = "_deleted-topic_";

  private final BrokerState state;
  private final Admin admin;
  private final Publishing publishing;
  private final Leasing leasing;
  private final BrokerStats stats;

  /**
   * @param clock drives publish times and ack deadlines; tests pass a clock they can advance
   * @param maxBacklogMessages unacked messages a subscription may hold before publishes to its topic fail
   * @param maxBacklogBytes unacked bytes a subscription may hold before publishes to its topic fail
   * @param maxPullWait how long a pull without {@code return_immediately} waits for a first message
   * @param journal where the state is persisted, already {@link Journal#open opened}: its state is restored
   *     here; null for an in-memory broker
   */
  Broker(Clock clock, long maxBacklogMessages, long maxBacklogBytes, Duration maxPullWait, Journal journal)
      throws IOException {
    this.state = new BrokerState(clock, journal);
    this.admin = new Admin(state);
    this.publishing = new Publishing(state, maxBacklogMessages, maxBacklogBytes);
    this.leasing = new Leasing(state, maxPullWait, new DeadLetterForwarding(state, publishing));
    this.stats = new BrokerStats(state);
    if (journal != null) {
      BrokerRecovery.restore(state);
    }
  }

  Topic createTopic(Topic topic) {
    return admin.createTopic(topic);
  }

  Topic getTopic(String name) {
    return admin.getTopic(name);
  }

  ListTopicsResponse listTopics(ListTopicsRequest request) {
    return admin.listTopics(request);
  }

  ListTopicSubscriptionsResponse listTopicSubscriptions(ListTopicSubscriptionsRequest request) {
    return admin.listTopicSubscriptions(request);
  }

  /** Deletes a topic; its subscriptions stay, detached, and report {@value #DELETED_TOPIC} as their topic. */
  Empty deleteTopic(String name) {
    return admin.deleteTopic(name);
  }

  Subscription createSubscription(Subscription request) {
    return admin.createSubscription(request);
  }

  Subscription getSubscription(String name) {
    return admin.getSubscription(name);
  }

  ListSubscriptionsResponse listSubscriptions(ListSubscriptionsRequest request) {
    return admin.listSubscriptions(request);
  }

  /** Deletes a subscription and its backlog; open streams on it end with NOT_FOUND. */
  Empty deleteSubscription(String name) {
    return admin.deleteSubscription(name);
  }

  /** Stores the messages in every subscription attached to the topic now; all or none of them. */
  PublishResponse publish(PublishRequest request) {
    return publishing.publish(request);
  }

  /**
   * A unary pull. Without {@code return_immediately} it waits up to the configured maximum for a first message,
   * then returns what is available (possibly nothing).
   */
  PullResponse pull(PullRequest request, BooleanSupplier abandoned) {
    return leasing.pull(request, abandoned);
  }

  /** Acks; ack ids of other or stale deliveries are ignored, as the real service does. */
  Empty acknowledge(AcknowledgeRequest request) {
    return leasing.acknowledge(request);
  }

  /** Extends or shortens leases; a deadline of 0 is a nack and makes the message available again at once. */
  Empty modifyAckDeadline(ModifyAckDeadlineRequest request) {
    return leasing.modifyAckDeadline(request);
  }

  /**
   * Opens the server side of a streaming pull: deliveries through it use the stream's ack deadline and count
   * against its flow-control limits until they are acked, nacked or expire.
   */
  PullStream openStream(StreamingPullRequest initial) {
    return PullStream.open(state, leasing, initial);
  }

  /** Unacked messages of a subscription: waiting for delivery plus leased. */
  long backlog(String subscription) {
    return stats.backlog(subscription);
  }

  /** The publish time of the subscription's oldest unacked message (waiting or leased), or null when it holds none. */
  Instant oldestUnackedPublishTime(String subscription) {
    return stats.oldestUnackedPublishTime(subscription);
  }

  /** Counters since start, plus current sizes. */
  Map<String, Long> stats() {
    return stats.stats();
  }

  /** Fails waiting and future calls with UNAVAILABLE. */
  @Override
  public void close() {
    state.lock.lock();
    try {
      state.closed = true;
      state.changed.signalAll();
    } finally {
      state.lock.unlock();
    }
  }
}
