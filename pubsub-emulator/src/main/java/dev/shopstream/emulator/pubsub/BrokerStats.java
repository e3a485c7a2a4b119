package dev.shopstream.emulator.pubsub;

import com.google.protobuf.Timestamp;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** What the broker reports about itself: backlogs, the oldest unacked message, counters and sizes. */
final class BrokerStats {

  private final BrokerState state;

  BrokerStats(BrokerState state) {
    this.state = state;
  }

  /** Unacked messages of a subscription: waiting for delivery plus leased. */
  long backlog(String subscription) {
    Names.checkSubscription(subscription);
    return state.locked(() -> (long) state.requireSubscription(subscription).size());
  }

  /**
   * The publish time of the subscription's oldest unacked message (waiting or leased), or null when it holds none.
   * Message numbers follow publish order, so the oldest is the smallest number of the ready and the leased ones.
   */
  Instant oldestUnackedPublishTime(String subscription) {
    Names.checkSubscription(subscription);
    return state.locked(() -> {
      SubscriptionState s = state.requireSubscription(subscription);
      Pending oldest = s.ready.isEmpty() ? null : s.ready.firstEntry().getValue();
      if (!s.leased.isEmpty() && (oldest == null || s.leased.firstKey() < oldest.number)) {
        oldest = s.leased.firstEntry().getValue();
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
    return state.locked(() -> {
      long backlogMessages = 0;
      long backlogBytes = 0;
      for (SubscriptionState s : state.subscriptions.values()) {
        backlogMessages += s.size();
        backlogBytes += s.bytes;
      }
      Map<String, Long> stats = new LinkedHashMap<>();
      stats.put("topics", (long) state.topics.size());
      stats.put("subscriptions", (long) state.subscriptions.size());
      stats.put("streamingPulls", (long) state.openStreams);
      stats.put("published", state.published);
      stats.put("delivered", state.delivered);
      stats.put("redelivered", state.redelivered);
      stats.put("acked", state.acked);
      stats.put("nacked", state.nacked);
      stats.put("extended", state.extended);
      stats.put("expired", state.expired);
      stats.put("deadLettered", state.deadLettered);
      stats.put("backlogMessages", backlogMessages);
      stats.put("backlogBytes", backlogBytes);
      return Collections.unmodifiableMap(stats);
    });
  }
}
