package dev.shopstream.emulator.pubsub;

import com.google.protobuf.Empty;
import com.google.protobuf.Timestamp;
import com.google.pubsub.v1.AcknowledgeRequest;
import com.google.pubsub.v1.DeadLetterPolicy;
import com.google.pubsub.v1.ListSubscriptionsRequest;
import com.google.pubsub.v1.ListSubscriptionsResponse;
import com.google.pubsub.v1.ListTopicSubscriptionsRequest;
import com.google.pubsub.v1.ListTopicSubscriptionsResponse;
import com.google.pubsub.v1.ListTopicsRequest;
import com.google.pubsub.v1.ListTopicsResponse;
import com.google.pubsub.v1.ModifyAckDeadlineRequest;
import com.google.pubsub.v1.PublishRequest;
import com.google.pubsub.v1.PublishResponse;
import com.google.pubsub.v1.PubsubMessage;
import com.google.pubsub.v1.PullRequest;
import com.google.pubsub.v1.PullResponse;
import com.google.pubsub.v1.PushConfig;
import com.google.pubsub.v1.ReceivedMessage;
import com.google.pubsub.v1.StreamingPullRequest;
import com.google.pubsub.v1.Subscription;
import com.google.pubsub.v1.Topic;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The in-memory core of the emulator: topics, subscriptions, message backlogs and leases.
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

  private static final Logger LOG = Logger.getLogger(Broker.class.getName());

  /** The real service's limit on a publish request and thus on one message. */
  static final int MAX_REQUEST_BYTES = 10 * 1024 * 1024;
  static final int MAX_MESSAGES_PER_PUBLISH = 1000;
  static final int MAX_ATTRIBUTES = 100;
  static final int MAX_ATTRIBUTE_KEY_BYTES = 256;
  static final int MAX_ATTRIBUTE_VALUE_BYTES = 1024;
  static final int MAX_ORDERING_KEY_BYTES = 1024;
  /** Upper bounds of one pull response or one streaming-pull push (at least one message is always sent). */
  static final int MAX_MESSAGES_PER_RESPONSE = 1000;
  static final long MAX_RESPONSE_BYTES = MAX_REQUEST_BYTES;
  static final int MIN_ACK_DEADLINE_SECONDS = 10;
  static final int DEFAULT_ACK_DEADLINE_SECONDS = 10;
  static final int MAX_ACK_DEADLINE_SECONDS = 600;
  static final int MIN_DELIVERY_ATTEMPTS = 5;
  static final int MAX_DELIVERY_ATTEMPTS = 100;
  static final int MAX_STREAMS = 256;
  static final int MAX_PAGE_SIZE = 1000;
  /** The topic a subscription reports once its topic has been deleted. */
  static final String DELETED_TOPIC = "_deleted-topic_";

  private static final com.google.protobuf.Duration RETENTION =
      com.google.protobuf.Duration.newBuilder().setSeconds(Duration.ofDays(7).toSeconds()).build();
  /** Waiting pulls re-check leases at least this often, so expiries are seen even with a test clock. */
  private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

  private final Clock clock;
  private final long maxBacklogMessages;
  private final long maxBacklogBytes;
  private final Duration maxPullWait;

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final NavigableMap<String, Topic> topics = new TreeMap<>();
  private final NavigableMap<String, SubscriptionState> subscriptions = new TreeMap<>();
  private long nextMessageId = 1;
  private long nextSubscriptionId = 1;
  private int openStreams;
  private long published;
  private long delivered;
  private long acked;
  private long nacked;
  private long expired;
  private long deadLettered;
  private boolean closed;
  /** Null for an in-memory broker. */
  private final Journal journal;

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
    this.clock = clock;
    this.maxBacklogMessages = maxBacklogMessages;
    this.maxBacklogBytes = maxBacklogBytes;
    this.maxPullWait = maxPullWait;
    this.journal = journal;
    if (journal != null) {
      restore();
    }
  }

  // ---------------------------------------------------------------------------------------------- topics

  Topic createTopic(Topic topic) {
    String name = Names.checkTopic(topic.getName());
    if (topic.hasSchemaSettings()) {
      throw Errors.unimplemented("Topic schemas are not supported by the embedded Pub/Sub emulator");
    }
    return durably(() -> {
      if (topics.containsKey(name)) {
        throw Errors.alreadyExists("Topic already exists");
      }
      topics.put(name, topic);
      record(new JournalRecord.TopicCreated(topic));
      LOG.info(() -> "Created topic " + name);
      return topic;
    });
  }

  Topic getTopic(String name) {
    Names.checkTopic(name);
    return locked(() -> requireTopic(name));
  }

  ListTopicsResponse listTopics(ListTopicsRequest request) {
    String project = Names.checkProject(request.getProject());
    return locked(() -> {
      Page<Topic> page = page(topics, project + "/topics/", topic -> true, Function.identity(),
          request.getPageSize(), request.getPageToken());
      return ListTopicsResponse.newBuilder().addAllTopics(page.items()).setNextPageToken(page.next()).build();
    });
  }

  ListTopicSubscriptionsResponse listTopicSubscriptions(ListTopicSubscriptionsRequest request) {
    String topic = Names.checkTopic(request.getTopic());
    return locked(() -> {
      requireTopic(topic);
      Page<String> page = page(subscriptions, "projects/", s -> s.config.getTopic().equals(topic),
          s -> s.config.getName(), request.getPageSize(), request.getPageToken());
      return ListTopicSubscriptionsResponse.newBuilder()
          .addAllSubscriptions(page.items())
          .setNextPageToken(page.next())
          .build();
    });
  }

  /** Deletes a topic; its subscriptions stay, detached, and report {@value #DELETED_TOPIC} as their topic. */
  Empty deleteTopic(String name) {
    Names.checkTopic(name);
    return durably(() -> {
      requireTopic(name);
      topics.remove(name);
      markDead(record(new JournalRecord.TopicDeleted(name)));
      for (SubscriptionState s : subscriptions.values()) {
        if (s.config.getTopic().equals(name)) {
          s.config = s.config.toBuilder().setTopic(DELETED_TOPIC).build();
          record(new JournalRecord.SubscriptionPut(s.id, s.config));
        }
      }
      LOG.info(() -> "Deleted topic " + name);
      return Empty.getDefaultInstance();
    });
  }

  // --------------------------------------------------------------------------------------- subscriptions

  Subscription createSubscription(Subscription request) {
    Subscription config = normalize(request);
    String name = config.getName();
    return durably(() -> {
      if (subscriptions.containsKey(name)) {
        throw Errors.alreadyExists("Subscription already exists");
      }
      if (!topics.containsKey(config.getTopic())) {
        throw Errors.notFound("Subscription topic does not exist");
      }
      if (config.hasDeadLetterPolicy() && !topics.containsKey(config.getDeadLetterPolicy().getDeadLetterTopic())) {
        throw Errors.notFound("Dead letter topic does not exist");
      }
      SubscriptionState created = new SubscriptionState(nextSubscriptionId++, config);
      subscriptions.put(name, created);
      record(new JournalRecord.SubscriptionPut(created.id, config));
      LOG.info(() -> "Created subscription " + name + " on " + config.getTopic());
      return config;
    });
  }

  /** Validates a subscription to create and fills in the defaults the real service reports. */
  private static Subscription normalize(Subscription request) {
    Names.checkSubscription(request.getName());
    Names.checkTopic(request.getTopic());
    rejectUnsupported(request);
    int ackDeadline = request.getAckDeadlineSeconds() == 0
        ? DEFAULT_ACK_DEADLINE_SECONDS
        : request.getAckDeadlineSeconds();
    if (ackDeadline < MIN_ACK_DEADLINE_SECONDS || ackDeadline > MAX_ACK_DEADLINE_SECONDS) {
      throw Errors.invalidArgument("ack_deadline_secs out of bounds");
    }
    Subscription.Builder config = request.toBuilder().setAckDeadlineSeconds(ackDeadline);
    if (!request.hasPushConfig()) {
      config.setPushConfig(PushConfig.getDefaultInstance());
    }
    if (!request.hasMessageRetentionDuration()) {
      config.setMessageRetentionDuration(RETENTION);
    }
    if (request.hasDeadLetterPolicy()) {
      DeadLetterPolicy policy = request.getDeadLetterPolicy();
      Names.checkTopic(policy.getDeadLetterTopic());
      int attempts = policy.getMaxDeliveryAttempts() == 0 ? MIN_DELIVERY_ATTEMPTS : policy.getMaxDeliveryAttempts();
      if (attempts < MIN_DELIVERY_ATTEMPTS || attempts > MAX_DELIVERY_ATTEMPTS) {
        throw Errors.invalidArgument("max_delivery_attempts must be between " + MIN_DELIVERY_ATTEMPTS + " and "
            + MAX_DELIVERY_ATTEMPTS);
      }
      config.setDeadLetterPolicy(policy.toBuilder().setMaxDeliveryAttempts(attempts));
    }
    return config.build();
  }

  /** Features whose silent omission would change what a subscriber receives are refused outright. */
  private static void rejectUnsupported(Subscription request) {
    String feature = null;
    if (!request.getPushConfig().getPushEndpoint().isEmpty()) {
      feature = "Push subscriptions";
    } else if (!request.getFilter().isEmpty()) {
      feature = "Subscription filters";
    } else if (request.getEnableExactlyOnceDelivery()) {
      feature = "Exactly-once delivery";
    } else if (request.hasBigqueryConfig() || request.hasCloudStorageConfig()) {
      feature = "Export subscriptions";
    }
    if (feature != null) {
      throw Errors.unimplemented(feature + " are not supported by the embedded Pub/Sub emulator");
    }
  }

  Subscription getSubscription(String name) {
    Names.checkSubscription(name);
    return locked(() -> requireSubscription(name).config);
  }

  ListSubscriptionsResponse listSubscriptions(ListSubscriptionsRequest request) {
    String project = Names.checkProject(request.getProject());
    return locked(() -> {
      Page<Subscription> page = page(subscriptions, project + "/subscriptions/", s -> true, s -> s.config,
          request.getPageSize(), request.getPageToken());
      return ListSubscriptionsResponse.newBuilder()
          .addAllSubscriptions(page.items())
          .setNextPageToken(page.next())
          .build();
    });
  }

  /** Deletes a subscription and its backlog; open streams on it end with NOT_FOUND. */
  Empty deleteSubscription(String name) {
    Names.checkSubscription(name);
    return durably(() -> {
      SubscriptionState s = requireSubscription(name);
      subscriptions.remove(name);
      markDead(record(new JournalRecord.SubscriptionDeleted(s.id)));
      s.ready.values().forEach(this::released);
      s.leased.values().forEach(this::released);
      changed.signalAll();
      LOG.info(() -> "Deleted subscription " + name);
      return Empty.getDefaultInstance();
    });
  }

  // ------------------------------------------------------------------------------------------ messages

  /** Stores the messages in every subscription attached to the topic now; all or none of them. */
  PublishResponse publish(PublishRequest request) {
    String topic = Names.checkTopic(request.getTopic());
    checkPublishable(request);
    return durably(() -> PublishResponse.newBuilder()
        .addAllMessageIds(publishLocked(topic, request.getMessagesList()))
        .build());
  }

  private static void checkPublishable(PublishRequest request) {
    if (request.getMessagesCount() == 0) {
      throw Errors.invalidArgument("No messages to publish");
    }
    if (request.getMessagesCount() > MAX_MESSAGES_PER_PUBLISH) {
      throw Errors.invalidArgument("Too many messages in one publish request: " + request.getMessagesCount()
          + " (the limit is " + MAX_MESSAGES_PER_PUBLISH + ")");
    }
    if (request.getSerializedSize() > MAX_REQUEST_BYTES) {
      throw Errors.invalidArgument("Request payload size exceeds the limit: " + MAX_REQUEST_BYTES + " bytes.");
    }
    for (PubsubMessage message : request.getMessagesList()) {
      if (message.getData().isEmpty() && message.getAttributesCount() == 0) {
        throw Errors.invalidArgument("Some messages are empty");
      }
      if (message.getAttributesCount() > MAX_ATTRIBUTES) {
        throw Errors.invalidArgument("Too many attributes in a message: " + message.getAttributesCount()
            + " (the limit is " + MAX_ATTRIBUTES + ")");
      }
      message.getAttributesMap().forEach((key, value) -> {
        if (key.isEmpty() || utf8Length(key) > MAX_ATTRIBUTE_KEY_BYTES) {
          throw Errors.invalidArgument("An attribute key must have 1 to " + MAX_ATTRIBUTE_KEY_BYTES + " bytes");
        }
        if (utf8Length(value) > MAX_ATTRIBUTE_VALUE_BYTES) {
          throw Errors.invalidArgument("The value of attribute " + key + " exceeds " + MAX_ATTRIBUTE_VALUE_BYTES
              + " bytes");
        }
      });
      if (utf8Length(message.getOrderingKey()) > MAX_ORDERING_KEY_BYTES) {
        throw Errors.invalidArgument("An ordering key must not exceed " + MAX_ORDERING_KEY_BYTES + " bytes");
      }
    }
  }

  private List<String> publishLocked(String topic, List<PubsubMessage> messages) {
    requireTopic(topic);
    Timestamp publishTime = timestamp(clock.instant().truncatedTo(ChronoUnit.MILLIS));
    List<PubsubMessage> stamped = new ArrayList<>(messages.size());
    long bytes = 0;
    for (PubsubMessage message : messages) {
      PubsubMessage m = message.toBuilder()
          .setMessageId(Long.toString(nextMessageId + stamped.size()))
          .setPublishTime(publishTime)
          .build();
      stamped.add(m);
      bytes += m.getSerializedSize();
    }
    List<SubscriptionState> targets = new ArrayList<>();
    for (SubscriptionState s : subscriptions.values()) {
      if (s.config.getTopic().equals(topic)) {
        checkRoom(s, stamped.size(), bytes);
        targets.add(s);
      }
    }
    long[] targetIds = targets.stream().mapToLong(s -> s.id).toArray();
    List<String> ids = new ArrayList<>(stamped.size());
    for (PubsubMessage m : stamped) {
      long number = nextMessageId++;
      Stored stored = new Stored(targets.size(), record(new JournalRecord.Published(number, targetIds, m)));
      if (targets.isEmpty()) {
        markDead(stored.journalBytes);
      }
      for (SubscriptionState s : targets) {
        s.enqueue(new Pending(number, m, stored));
      }
      ids.add(m.getMessageId());
    }
    published += ids.size();
    changed.signalAll();
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

  /**
   * A unary pull. Without {@code return_immediately} it waits up to the configured maximum for a first message,
   * then returns what is available (possibly nothing).
   */
  @SuppressWarnings("deprecation") // return_immediately is deprecated but still sent by Beam's REST client
  PullResponse pull(PullRequest request, BooleanSupplier abandoned) {
    String name = Names.checkSubscription(request.getSubscription());
    if (request.getMaxMessages() <= 0) {
      throw Errors.invalidArgument("No max_messages specified");
    }
    Duration wait = request.getReturnImmediately() ? Duration.ZERO : maxPullWait;
    int max = Math.min(request.getMaxMessages(), MAX_MESSAGES_PER_RESPONSE);
    return PullResponse.newBuilder()
        .addAllReceivedMessages(lease(name, null, max, wait, abandoned))
        .build();
  }

  /** Acks; ack ids of other or stale deliveries are ignored, as the real service does. */
  Empty acknowledge(AcknowledgeRequest request) {
    String name = Names.checkSubscription(request.getSubscription());
    List<AckId> ackIds = parseAckIds(request.getAckIdsList());
    return locked(() -> {
      SubscriptionState s = requireSubscription(name);
      List<Pending> removed = new ArrayList<>();
      for (AckId ackId : ackIds) {
        Pending p = s.find(ackId);
        if (p != null) {
          s.remove(p);
          removed.add(p);
          acked++;
        }
      }
      removedFromBacklog(s, removed);
      changed.signalAll();
      return Empty.getDefaultInstance();
    });
  }

  /** Extends or shortens leases; a deadline of 0 is a nack and makes the message available again at once. */
  Empty modifyAckDeadline(ModifyAckDeadlineRequest request) {
    String name = Names.checkSubscription(request.getSubscription());
    List<AckId> ackIds = parseAckIds(request.getAckIdsList());
    int seconds = request.getAckDeadlineSeconds();
    if (seconds < 0) {
      throw Errors.invalidArgument("Ack deadline cannot be negative");
    }
    if (seconds > MAX_ACK_DEADLINE_SECONDS) {
      throw Errors.invalidArgument("Ack deadline cannot exceed " + MAX_ACK_DEADLINE_SECONDS + " seconds");
    }
    return locked(() -> {
      SubscriptionState s = requireSubscription(name);
      long now = clock.millis();
      for (AckId ackId : ackIds) {
        Pending p = s.findLeased(ackId);
        if (p == null) {
          continue;
        }
        if (seconds == 0) {
          endLease(s, p);
          nacked++;
        } else {
          p.deadlineMillis = now + TimeUnit.SECONDS.toMillis(seconds);
        }
      }
      changed.signalAll();
      return Empty.getDefaultInstance();
    });
  }

  private static List<AckId> parseAckIds(List<String> ackIds) {
    if (ackIds.isEmpty()) {
      throw Errors.invalidArgument("No ack ids specified.");
    }
    List<AckId> parsed = new ArrayList<>(ackIds.size());
    for (String ackId : ackIds) {
      parsed.add(AckId.parse(ackId));
    }
    return parsed;
  }

  // ------------------------------------------------------------------------------------- streaming pull

  /**
   * Opens the server side of a streaming pull: deliveries through it use the stream's ack deadline and count
   * against its flow-control limits until they are acked, nacked or expire.
   */
  Stream openStream(StreamingPullRequest initial) {
    String name = Names.checkSubscription(initial.getSubscription());
    int deadline = checkStreamAckDeadline(initial.getStreamAckDeadlineSeconds());
    if (initial.getMaxOutstandingMessages() < 0 || initial.getMaxOutstandingBytes() < 0) {
      throw Errors.invalidArgument("Flow control limits cannot be negative");
    }
    return locked(() -> {
      requireSubscription(name);
      if (openStreams >= MAX_STREAMS) {
        throw Errors.resourceExhausted("Too many open streaming pulls (the emulator's limit is " + MAX_STREAMS + ")");
      }
      openStreams++;
      return new Stream(name, deadline, initial.getMaxOutstandingMessages(), initial.getMaxOutstandingBytes());
    });
  }

  private static int checkStreamAckDeadline(int seconds) {
    if (seconds < MIN_ACK_DEADLINE_SECONDS || seconds > MAX_ACK_DEADLINE_SECONDS) {
      throw Errors.invalidArgument("stream_ack_deadline_seconds must be between " + MIN_ACK_DEADLINE_SECONDS
          + " and " + MAX_ACK_DEADLINE_SECONDS);
    }
    return seconds;
  }

  /** The broker's side of one streaming pull. */
  final class Stream implements AutoCloseable {
    private final String subscription;
    private final long maxOutstandingMessages;
    private final long maxOutstandingBytes;
    private int ackDeadlineSeconds;
    private long outstandingMessages;
    private long outstandingBytes;
    private boolean streamClosed;

    private Stream(String subscription, int ackDeadlineSeconds, long maxOutstandingMessages,
        long maxOutstandingBytes) {
      this.subscription = subscription;
      this.ackDeadlineSeconds = ackDeadlineSeconds;
      this.maxOutstandingMessages = maxOutstandingMessages;
      this.maxOutstandingBytes = maxOutstandingBytes;
    }

    String subscription() {
      return subscription;
    }

    /** Waits up to {@code wait} for messages within the flow-control limits; empty once the stream is closed. */
    List<ReceivedMessage> next(Duration wait) {
      return lease(subscription, this, MAX_MESSAGES_PER_RESPONSE, wait, () -> streamClosed);
    }

    void setAckDeadlineSeconds(int seconds) {
      checkStreamAckDeadline(seconds);
      locked(() -> ackDeadlineSeconds = seconds);
    }

    /** Room left under {@code max_outstanding_messages} (0 = unlimited). */
    private long messageRoom() {
      return maxOutstandingMessages == 0 ? Long.MAX_VALUE : maxOutstandingMessages - outstandingMessages;
    }

    /** Room left under {@code max_outstanding_bytes} (0 = unlimited). */
    private long byteRoom() {
      return maxOutstandingBytes == 0 ? Long.MAX_VALUE : maxOutstandingBytes - outstandingBytes;
    }

    /** Ends the stream; its leases stay and expire (or get acked) as usual. */
    @Override
    public void close() {
      lock.lock();
      try {
        if (!streamClosed) {
          streamClosed = true;
          openStreams--;
          changed.signalAll();
        }
      } finally {
        lock.unlock();
      }
    }
  }

  // ------------------------------------------------------------------------------------------- leasing

  /**
   * Leases up to {@code maxMessages} available messages, waiting up to {@code wait} for the first one. With a
   * stream, the stream's ack deadline and flow-control room apply; without one, the subscription's ack deadline.
   */
  private List<ReceivedMessage> lease(String name, Stream stream, int maxMessages, Duration wait,
      BooleanSupplier abandoned) {
    long waitUntil = System.nanoTime() + wait.toNanos();
    lock.lock();
    try {
      while (true) {
        requireOpen();
        SubscriptionState s = requireSubscription(name);
        if (abandoned.getAsBoolean()) {
          return List.of();
        }
        long now = clock.millis();
        expireLeases(s, now);
        List<ReceivedMessage> batch = take(s, stream, maxMessages, now);
        long remaining = waitUntil - System.nanoTime();
        if (!batch.isEmpty() || remaining <= 0) {
          return batch;
        }
        changed.awaitNanos(Math.min(remaining, POLL_NANOS));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw Errors.cancelled("Pull interrupted");
    } finally {
      lock.unlock();
    }
  }

  private void expireLeases(SubscriptionState s, long now) {
    List<Pending> due = new ArrayList<>();
    for (Pending p : s.leased.values()) {
      if (p.deadlineMillis <= now) {
        due.add(p);
      }
    }
    for (Pending p : due) {
      endLease(s, p);
      expired++;
    }
    if (!due.isEmpty()) {
      changed.signalAll();
    }
  }

  private List<ReceivedMessage> take(SubscriptionState s, Stream stream, int maxMessages, long now) {
    long messageRoom = stream == null ? maxMessages : Math.min(maxMessages, stream.messageRoom());
    long byteRoom = stream == null ? MAX_RESPONSE_BYTES : Math.min(MAX_RESPONSE_BYTES, stream.byteRoom());
    int deadlineSeconds = stream == null ? s.config.getAckDeadlineSeconds() : stream.ackDeadlineSeconds;
    List<ReceivedMessage> batch = new ArrayList<>();
    long bytes = 0;
    while (batch.size() < messageRoom && byteRoom > 0 && !s.ready.isEmpty()) {
      Pending p = s.ready.firstEntry().getValue();
      if (!batch.isEmpty() && bytes + p.size > byteRoom) {
        break;
      }
      s.ready.pollFirstEntry();
      p.attempts++;
      p.deadlineMillis = now + TimeUnit.SECONDS.toMillis(deadlineSeconds);
      s.lease(p, stream);
      bytes += p.size;
      delivered++;
      ReceivedMessage.Builder received = ReceivedMessage.newBuilder()
          .setAckId(new AckId(s.id, p.number, p.attempts).toString())
          .setMessage(p.message);
      if (s.config.hasDeadLetterPolicy()) {
        received.setDeliveryAttempt(p.attempts);
      }
      batch.add(received.build());
    }
    return batch;
  }

  /**
   * Ends a lease (nack or expiry): the message becomes available again or, when it has used up the delivery
   * attempts of the subscription's dead-letter policy, moves to the dead-letter topic.
   */
  private void endLease(SubscriptionState s, Pending p) {
    s.unlease(p);
    if (s.config.hasDeadLetterPolicy()
        && p.attempts >= s.config.getDeadLetterPolicy().getMaxDeliveryAttempts()
        && forwardToDeadLetterTopic(s, p)) {
      s.remove(p);
      removedFromBacklog(s, List.of(p));
      deadLettered++;
    }
  }

  /** Publishes a copy of the message to the dead-letter topic; false (and logged) if that fails. */
  private boolean forwardToDeadLetterTopic(SubscriptionState s, Pending p) {
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
      publishLocked(deadLetterTopic, List.of(forwarded));
    } catch (StatusRuntimeException e) {
      LOG.warning(() -> "Cannot forward message " + p.message.getMessageId() + " of " + s.config.getName()
          + " to dead-letter topic " + deadLetterTopic + " (" + e.getStatus() + "); it stays");
      return false;
    }
    return true;
  }

  // --------------------------------------------------------------------------------------------- admin

  /** Unacked messages of a subscription: waiting for delivery plus leased. */
  long backlog(String subscription) {
    Names.checkSubscription(subscription);
    return locked(() -> (long) requireSubscription(subscription).size());
  }

  /**
   * The publish time of the subscription's oldest unacked message (waiting or leased), or null when it holds none.
   * Message numbers follow publish order, so the oldest is the smallest number of the ready and the leased ones.
   */
  Instant oldestUnackedPublishTime(String subscription) {
    Names.checkSubscription(subscription);
    return locked(() -> {
      SubscriptionState s = requireSubscription(subscription);
      Pending oldest = s.ready.isEmpty() ? null : s.ready.firstEntry().getValue();
      for (Pending p : s.leased.values()) {
        if (oldest == null || p.number < oldest.number) {
          oldest = p;
        }
      }
      if (oldest == null) {
        return null;
      }
      Timestamp t = oldest.message.getPublishTime();
      return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
    });
  }

  /** Counters since start, plus current sizes. */
  Map<String, Long> stats() {
    return locked(() -> {
      long backlogMessages = 0;
      long backlogBytes = 0;
      for (SubscriptionState s : subscriptions.values()) {
        backlogMessages += s.size();
        backlogBytes += s.bytes;
      }
      Map<String, Long> stats = new LinkedHashMap<>();
      stats.put("topics", (long) topics.size());
      stats.put("subscriptions", (long) subscriptions.size());
      stats.put("streamingPulls", (long) openStreams);
      stats.put("published", published);
      stats.put("delivered", delivered);
      stats.put("acked", acked);
      stats.put("nacked", nacked);
      stats.put("expired", expired);
      stats.put("deadLettered", deadLettered);
      stats.put("backlogMessages", backlogMessages);
      stats.put("backlogBytes", backlogBytes);
      return Collections.unmodifiableMap(stats);
    });
  }

  /** Fails waiting and future calls with UNAVAILABLE. */
  @Override
  public void close() {
    lock.lock();
    try {
      closed = true;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  // ------------------------------------------------------------------------------------------- journal

  /** Appends a change to the journal, if any; returns its bytes there (0 without a journal). */
  private int record(JournalRecord change) {
    return journal == null ? 0 : journal.append(change);
  }

  private void markDead(long journalBytes) {
    if (journal != null && journalBytes > 0) {
      journal.markDead(journalBytes);
    }
  }

  /** A subscription let go of a message: when it was the last one holding it, its record is dead weight. */
  private void released(Pending p) {
    if (--p.stored.holders == 0) {
      markDead(p.stored.journalBytes);
    }
  }

  /** Journals messages removed from a backlog (acked or dead-lettered); the ack record itself is dead at once. */
  private void removedFromBacklog(SubscriptionState s, List<Pending> removed) {
    if (removed.isEmpty()) {
      return;
    }
    removed.forEach(this::released);
    long[] numbers = removed.stream().mapToLong(p -> p.number).toArray();
    markDead(record(new JournalRecord.Acked(s.id, numbers)));
  }

  /** Starts a compaction when the journal asks for one; under the lock. */
  private void compactIfDue() {
    if (journal != null && journal.compactionDue()) {
      journal.compact(liveState());
    }
  }

  private record SubscriptionCopy(long id, Subscription config, List<Pending> backlog) {}

  /**
   * The live state as journal records, for a snapshot: captured now, under the lock (references only, so the
   * pause is proportional to the number of unacked messages), turned into records later, outside it.
   */
  private Supplier<Iterable<JournalRecord>> liveState() {
    JournalRecord.Counters counters = new JournalRecord.Counters(nextMessageId, nextSubscriptionId);
    List<Topic> topicCopies = new ArrayList<>(topics.values());
    List<SubscriptionCopy> copies = new ArrayList<>(subscriptions.size());
    for (SubscriptionState s : subscriptions.values()) {
      List<Pending> backlog = new ArrayList<>(s.size());
      backlog.addAll(s.ready.values());
      backlog.addAll(s.leased.values());
      copies.add(new SubscriptionCopy(s.id, s.config, backlog));
    }
    return () -> {
      List<JournalRecord> records = new ArrayList<>();
      records.add(counters);
      topicCopies.forEach(topic -> records.add(new JournalRecord.TopicCreated(topic)));
      NavigableMap<Long, PubsubMessage> messages = new TreeMap<>();
      Map<Long, List<Long>> holders = new HashMap<>();
      for (SubscriptionCopy copy : copies) {
        records.add(new JournalRecord.SubscriptionPut(copy.id(), copy.config()));
        for (Pending p : copy.backlog()) {
          messages.putIfAbsent(p.number, p.message);
          holders.computeIfAbsent(p.number, n -> new ArrayList<>(2)).add(copy.id());
        }
      }
      messages.forEach((number, message) -> records.add(new JournalRecord.Published(number,
          holders.get(number).stream().mapToLong(Long::longValue).toArray(), message)));
      return records;
    };
  }

  /**
   * Restores the journal's state: topics, subscriptions and their unacked messages in publish order, all ready
   * for delivery. Subscriptions get new ids, so that ack ids handed out before the restart are stale. Then the
   * journal starts a new generation from this state.
   */
  private void restore() throws IOException {
    long started = System.nanoTime();
    Map<Long, SubscriptionState> byId = new HashMap<>();
    Journal.Restored restored = journal.replay(change -> apply(change, byId));
    long messages = 0;
    long messageBytes = 0;
    for (SubscriptionState s : subscriptions.values()) {
      s.id = nextSubscriptionId++;
      messages += s.size();
      messageBytes += s.bytes;
    }
    journal.begin(liveState().get());
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    LOG.log(Level.INFO, "Pub/Sub state restored", Journal.fields()
        .put("directory", journal.directory().toString())
        .put("topics", topics.size())
        .put("subscriptions", subscriptions.size())
        .put("unackedMessages", messages)
        .put("unackedMessageBytes", messageBytes)
        .put("files", restored.files())
        .put("records", restored.records())
        .put("bytesRead", restored.bytes())
        .put("millis", millis)
        .put("problem", restored.problem()));
  }

  /** Replays one journal record (no checks: the journal only holds changes the broker made). */
  private void apply(JournalRecord change, Map<Long, SubscriptionState> byId) {
    if (change instanceof JournalRecord.Counters c) {
      nextMessageId = Math.max(nextMessageId, c.nextMessageNumber());
      nextSubscriptionId = Math.max(nextSubscriptionId, c.nextSubscriptionId());
    } else if (change instanceof JournalRecord.TopicCreated t) {
      topics.put(t.topic().getName(), t.topic());
    } else if (change instanceof JournalRecord.TopicDeleted t) {
      topics.remove(t.name());
    } else if (change instanceof JournalRecord.SubscriptionPut put) {
      SubscriptionState s = byId.get(put.id());
      if (s == null) {
        s = new SubscriptionState(put.id(), put.config());
        byId.put(put.id(), s);
        nextSubscriptionId = Math.max(nextSubscriptionId, put.id() + 1);
      }
      s.config = put.config();
      subscriptions.put(put.config().getName(), s);
    } else if (change instanceof JournalRecord.SubscriptionDeleted deleted) {
      SubscriptionState s = byId.remove(deleted.id());
      if (s != null) {
        subscriptions.remove(s.config.getName());
      }
    } else if (change instanceof JournalRecord.Published p) {
      nextMessageId = Math.max(nextMessageId, p.number() + 1);
      int bytes = Journal.HEADER_BYTES + 13 + Long.BYTES * p.subscriptionIds().length
          + p.message().getSerializedSize();
      Stored stored = new Stored(0, bytes);
      for (long id : p.subscriptionIds()) {
        SubscriptionState s = byId.get(id);
        if (s != null) {
          s.enqueue(new Pending(p.number(), p.message(), stored));
          stored.holders++;
        }
      }
    } else if (change instanceof JournalRecord.Acked a) {
      SubscriptionState s = byId.get(a.subscriptionId());
      for (long number : s == null ? new long[0] : a.numbers()) {
        Pending p = s.ready.get(number);
        if (p != null) {
          s.remove(p);
          p.stored.holders--;
        }
      }
    }
  }

  // ------------------------------------------------------------------------------------------- helpers

  private <T> T locked(Supplier<T> action) {
    lock.lock();
    try {
      requireOpen();
      T result = action.get();
      compactIfDue();
      return result;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Like {@link #locked}, then, without the lock, waits until the journal holds the action's changes on disk.
   *
   * @throws StatusRuntimeException UNAVAILABLE if the journal cannot be written
   */
  private <T> T durably(Supplier<T> action) {
    if (journal == null) {
      return locked(action);
    }
    T result;
    long position;
    lock.lock();
    try {
      requireOpen();
      result = action.get();
      position = journal.position();
      compactIfDue();
    } finally {
      lock.unlock();
    }
    try {
      journal.sync(position);
    } catch (IOException e) {
      throw Errors.unavailable("The Pub/Sub emulator cannot write its journal in " + journal.directory() + ": "
          + e.getMessage());
    }
    return result;
  }

  private void requireOpen() {
    if (closed) {
      throw Errors.unavailable("The Pub/Sub emulator is shutting down");
    }
  }

  private Topic requireTopic(String name) {
    Topic topic = topics.get(name);
    if (topic == null) {
      throw Errors.notFound("Topic not found");
    }
    return topic;
  }

  private SubscriptionState requireSubscription(String name) {
    SubscriptionState s = subscriptions.get(name);
    if (s == null) {
      throw Errors.notFound("Subscription does not exist");
    }
    return s;
  }

  private record Page<T>(List<T> items, String next) {}

  /** One page of the entries under {@code prefix}; the page token is the name the next page starts at. */
  private static <V, T> Page<T> page(NavigableMap<String, V> map, String prefix, Predicate<V> filter,
      Function<V, T> view, int pageSize, String pageToken) {
    if (!pageToken.isEmpty() && !pageToken.startsWith(prefix)) {
      throw Errors.invalidArgument("Invalid page token");
    }
    int size = pageSize <= 0 ? MAX_PAGE_SIZE : Math.min(pageSize, MAX_PAGE_SIZE);
    List<T> items = new ArrayList<>();
    for (Map.Entry<String, V> entry : map.tailMap(pageToken.isEmpty() ? prefix : pageToken, true).entrySet()) {
      if (!entry.getKey().startsWith(prefix)) {
        break;
      }
      if (filter.test(entry.getValue())) {
        if (items.size() == size) {
          return new Page<>(items, entry.getKey());
        }
        items.add(view.apply(entry.getValue()));
      }
    }
    return new Page<>(items, "");
  }

  private static Timestamp timestamp(Instant instant) {
    return Timestamp.newBuilder().setSeconds(instant.getEpochSecond()).setNanos(instant.getNano()).build();
  }

  private static int utf8Length(String s) {
    return s.getBytes(StandardCharsets.UTF_8).length;
  }

  /** Names one delivery: {@code subscriptionId-messageNumber-attempt}. */
  private record AckId(long subscriptionId, long messageNumber, int attempt) {

    static AckId parse(String ackId) {
      String[] parts = ackId.split("-", -1);
      try {
        if (parts.length == 3) {
          return new AckId(Long.parseLong(parts[0]), Long.parseLong(parts[1]), Integer.parseInt(parts[2]));
        }
      } catch (NumberFormatException e) {
        // reported below
      }
      throw Errors.invalidArgument("Invalid ack id (ack_id=" + ackId + ")");
    }

    @Override
    public String toString() {
      return subscriptionId + "-" + messageNumber + "-" + attempt;
    }
  }

  /** A message in one subscription's backlog. */
  private static final class Pending {
    final long number;
    final PubsubMessage message;
    final int size;
    final Stored stored;
    int attempts;
    long deadlineMillis;
    Stream owner;

    Pending(long number, PubsubMessage message, Stored stored) {
      this.number = number;
      this.message = message;
      this.size = message.getSerializedSize();
      this.stored = stored;
    }
  }

  /**
   * What the subscriptions holding one published message share: how many still hold it and the bytes of its
   * journal record, which become dead weight when the last one lets go.
   */
  private static final class Stored {
    int holders;
    final int journalBytes;

    Stored(int holders, int journalBytes) {
      this.holders = holders;
      this.journalBytes = journalBytes;
    }
  }

  /** A subscription's configuration and backlog: messages ready for delivery, in publish order, and leases. */
  private static final class SubscriptionState {
    long id; // reassigned once, at restore, so that ack ids of the previous run are stale
    Subscription config;
    final NavigableMap<Long, Pending> ready = new TreeMap<>();
    final Map<Long, Pending> leased = new HashMap<>();
    long bytes;

    SubscriptionState(long id, Subscription config) {
      this.id = id;
      this.config = config;
    }

    int size() {
      return ready.size() + leased.size();
    }

    void enqueue(Pending p) {
      ready.put(p.number, p);
      bytes += p.size;
    }

    void lease(Pending p, Stream stream) {
      leased.put(p.number, p);
      p.owner = stream;
      if (stream != null) {
        stream.outstandingMessages++;
        stream.outstandingBytes += p.size;
      }
    }

    /** Ends a lease and makes the message available again. */
    void unlease(Pending p) {
      leased.remove(p.number);
      release(p);
      ready.put(p.number, p);
    }

    /** Removes an acked message. */
    void remove(Pending p) {
      if (leased.remove(p.number) == null) {
        ready.remove(p.number);
      }
      release(p);
      bytes -= p.size;
    }

    private static void release(Pending p) {
      if (p.owner != null) {
        p.owner.outstandingMessages--;
        p.owner.outstandingBytes -= p.size;
        p.owner = null;
      }
    }

    /** The message of this delivery, if it is still unacked and not delivered again since. */
    Pending find(AckId ackId) {
      if (ackId.subscriptionId() != id) {
        return null;
      }
      Pending p = leased.containsKey(ackId.messageNumber())
          ? leased.get(ackId.messageNumber())
          : ready.get(ackId.messageNumber());
      return p != null && p.attempts == ackId.attempt() ? p : null;
    }

    /** The message of this delivery, if its lease is still current. */
    Pending findLeased(AckId ackId) {
      Pending p = find(ackId);
      return p != null && leased.containsKey(p.number) ? p : null;
    }
  }
}
