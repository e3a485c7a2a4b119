package dev.shopstream.emulator.pubsub;

import com.google.pubsub.v1.Subscription;
import java.util.HashMap;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * A subscription's configuration and backlog: messages ready for delivery, in publish order, and leases. Guarded by
 * the broker's lock.
 */
final class SubscriptionState {
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

  void lease(Pending p, PullStream stream) {
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
