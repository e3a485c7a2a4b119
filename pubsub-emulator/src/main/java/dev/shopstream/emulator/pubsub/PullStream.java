package dev.shopstream.emulator.pubsub;

import com.google.pubsub.v1.ReceivedMessage;
import com.google.pubsub.v1.StreamingPullRequest;
import java.time.Duration;
import java.util.List;

/**
 * The broker's side of one streaming pull: deliveries through it use the stream's ack deadline and count against
 * its flow-control limits until they are acked, nacked or expire.
 */
final class PullStream implements AutoCloseable {
  private final BrokerState state;
  private final Leasing leasing;
  private final String subscription;
  private final long maxOutstandingMessages;
  private final long maxOutstandingBytes;
  // guarded by the broker's lock
  int ackDeadlineSeconds;
  long outstandingMessages;
  long outstandingBytes;
  private boolean streamClosed;

  private PullStream(BrokerState state, Leasing leasing, String subscription, int ackDeadlineSeconds,
      long maxOutstandingMessages, long maxOutstandingBytes) {
    this.state = state;
    this.leasing = leasing;
    this.subscription = subscription;
    this.ackDeadlineSeconds = ackDeadlineSeconds;
    this.maxOutstandingMessages = maxOutstandingMessages;
    this.maxOutstandingBytes = maxOutstandingBytes;
  }

  /** Opens the server side of a streaming pull, as its initial request asks. */
  static PullStream open(BrokerState state, Leasing leasing, StreamingPullRequest initial) {
    String name = Names.checkSubscription(initial.getSubscription());
    int deadline = checkStreamAckDeadline(initial.getStreamAckDeadlineSeconds());
    if (initial.getMaxOutstandingMessages() < 0 || initial.getMaxOutstandingBytes() < 0) {
      throw Errors.invalidArgument("Flow control limits cannot be negative");
    }
    return state.locked(() -> {
      state.requireSubscription(name);
      if (state.openStreams >= Limits.MAX_STREAMS) {
        throw Errors.resourceExhausted("Too many open streaming pulls (the emulator's limit is " + Limits.MAX_STREAMS
            + ")");
      }
      state.openStreams++;
      return new PullStream(state, leasing, name, deadline, initial.getMaxOutstandingMessages(),
          initial.getMaxOutstandingBytes());
    });
  }

  private static int checkStreamAckDeadline(int seconds) {
    if (seconds < Limits.MIN_ACK_DEADLINE_SECONDS || seconds > Limits.MAX_ACK_DEADLINE_SECONDS) {
      throw Errors.invalidArgument("stream_ack_deadline_seconds must be between " + Limits.MIN_ACK_DEADLINE_SECONDS
          + " and " + Limits.MAX_ACK_DEADLINE_SECONDS);
    }
    return seconds;
  }

  String subscription() {
    return subscription;
  }

  /** Waits up to {@code wait} for messages within the flow-control limits; empty once the stream is closed. */
  List<ReceivedMessage> next(Duration wait) {
    return leasing.lease(subscription, this, Limits.MAX_MESSAGES_PER_RESPONSE, wait, () -> streamClosed);
  }

  void setAckDeadlineSeconds(int seconds) {
    checkStreamAckDeadline(seconds);
    state.locked(() -> ackDeadlineSeconds = seconds);
  }

  /** Room left under {@code max_outstanding_messages} (0 = unlimited). */
  long messageRoom() {
    return maxOutstandingMessages == 0 ? Long.MAX_VALUE : maxOutstandingMessages - outstandingMessages;
  }

  /** Room left under {@code max_outstanding_bytes} (0 = unlimited). */
  long byteRoom() {
    return maxOutstandingBytes == 0 ? Long.MAX_VALUE : maxOutstandingBytes - outstandingBytes;
  }

  /** Ends the stream; its leases stay and expire (or get acked) as usual. */
  @Override
  public void close() {
    state.lock.lock();
    try {
      if (!streamClosed) {
        streamClosed = true;
        state.openStreams--;
        state.changed.signalAll();
      }
    } finally {
      state.lock.unlock();
    }
  }
}
