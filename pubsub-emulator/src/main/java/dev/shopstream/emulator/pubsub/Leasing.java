package dev.shopstream.emulator.pubsub;

import com.google.protobuf.Empty;
import com.google.pubsub.v1.AcknowledgeRequest;
import com.google.pubsub.v1.ModifyAckDeadlineRequest;
import com.google.pubsub.v1.PullRequest;
import com.google.pubsub.v1.PullResponse;
import com.google.pubsub.v1.ReceivedMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The broker's deliveries: pulls lease messages, acks remove them, deadline changes extend or end leases, and an
 * expired or nacked lease makes its message deliverable again (or dead-letters it). Leases expire lazily: when the
 * subscription is next pulled.
 */
final class Leasing {

  /** Waiting pulls re-check leases at least this often, so expiries are seen even with a test clock. */
  private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

  private final BrokerState state;
  private final Duration maxPullWait;
  private final DeadLetterForwarding deadLetters;

  Leasing(BrokerState state, Duration maxPullWait, DeadLetterForwarding deadLetters) {
    this.state = state;
    this.maxPullWait = maxPullWait;
    this.deadLetters = deadLetters;
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
    int max = Math.min(request.getMaxMessages(), Limits.MAX_MESSAGES_PER_RESPONSE);
    return PullResponse.newBuilder()
        .addAllReceivedMessages(lease(name, null, max, wait, abandoned))
        .build();
  }

  /** Acks; ack ids of other or stale deliveries are ignored, as the real service does. */
  Empty acknowledge(AcknowledgeRequest request) {
    String name = Names.checkSubscription(request.getSubscription());
    List<AckId> ackIds = parseAckIds(request.getAckIdsList());
    return state.locked(() -> {
      SubscriptionState s = state.requireSubscription(name);
      List<Pending> removed = new ArrayList<>();
      for (AckId ackId : ackIds) {
        Pending p = s.find(ackId);
        if (p != null) {
          s.remove(p);
          removed.add(p);
          state.acked++;
        }
      }
      state.removedFromBacklog(s, removed);
      state.changed.signalAll();
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
    if (seconds > Limits.MAX_ACK_DEADLINE_SECONDS) {
      throw Errors.invalidArgument("Ack deadline cannot exceed " + Limits.MAX_ACK_DEADLINE_SECONDS + " seconds");
    }
    return state.locked(() -> {
      SubscriptionState s = state.requireSubscription(name);
      long now = state.clock.millis();
      for (AckId ackId : ackIds) {
        Pending p = s.findLeased(ackId);
        if (p == null) {
          continue;
        }
        if (seconds == 0) {
          endLease(s, p);
          state.nacked++;
        } else {
          s.extend(p, now + TimeUnit.SECONDS.toMillis(seconds));
          state.extended++;
        }
      }
      state.changed.signalAll();
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

  /**
   * Leases up to {@code maxMessages} available messages, waiting up to {@code wait} for the first one. With a
   * stream, the stream's ack deadline and flow-control room apply; without one, the subscription's ack deadline.
   */
  List<ReceivedMessage> lease(String name, PullStream stream, int maxMessages, Duration wait,
      BooleanSupplier abandoned) {
    long waitUntil = System.nanoTime() + wait.toNanos();
    state.lock.lock();
    try {
      while (true) {
        state.requireOpen();
        SubscriptionState s = state.requireSubscription(name);
        if (abandoned.getAsBoolean()) {
          return List.of();
        }
        long now = state.clock.millis();
        expireLeases(s, now);
        List<ReceivedMessage> batch = take(s, stream, maxMessages, now);
        long remaining = waitUntil - System.nanoTime();
        if (!batch.isEmpty() || remaining <= 0) {
          return batch;
        }
        state.changed.awaitNanos(Math.min(remaining, POLL_NANOS));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw Errors.cancelled("Pull interrupted");
    } finally {
      state.lock.unlock();
    }
  }

  private void expireLeases(SubscriptionState s, long now) {
    boolean any = false;
    for (Pending p = s.firstToExpire(); p != null && p.deadlineMillis <= now; p = s.firstToExpire()) {
      endLease(s, p);
      state.expired++;
      any = true;
    }
    if (any) {
      state.changed.signalAll();
    }
  }

  private List<ReceivedMessage> take(SubscriptionState s, PullStream stream, int maxMessages, long now) {
    long messageRoom = stream == null ? maxMessages : Math.min(maxMessages, stream.messageRoom());
    long byteRoom = stream == null
        ? Limits.MAX_RESPONSE_BYTES
        : Math.min(Limits.MAX_RESPONSE_BYTES, stream.byteRoom());
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
      s.lease(p, stream, now + TimeUnit.SECONDS.toMillis(deadlineSeconds));
      bytes += p.size;
      state.delivered++;
      if (p.attempts > 1) {
        state.redelivered++;
      }
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
    deadLetters.forwardIfExhausted(s, p);
  }
}
