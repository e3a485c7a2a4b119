package dev.shopstream.emulator.pubsub;

import com.google.pubsub.v1.Subscription;
import java.util.Comparator;
import java.util.NavigableMap;
import java.util.NavigableSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A subscription's configuration and backlog: messages ready for delivery, in publish order, and leases, by number
 * and by deadline (so that a pull finds the expired ones without looking at every lease, and the oldest unacked
 * message is the first of either map). Guarded by the broker's lock.
 */
final class SubscriptionState {
  long id; // reassigned once, at restore, so that ack ids of the previous run are stale
  Subscription config;
  final NavigableMap<Long, Pending> ready = new TreeMap<>();
  final NavigableMap<Long, Pending> leased = new TreeMap<>();
  /** The leased messages, earliest deadline first; a lease's deadline changes only through {@link #extend}. */
  private final NavigableSet<Pending> byDeadline = new TreeSet<>(
      Comparator.comparingLong((Pending p) -> p.deadlineMillis).thenComparingLong(p -> p.number));
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

  /** Leases a ready message (already taken from {@link #ready}) until {@code deadlineMillis}. */
  void lease(Pending p, PullStream stream, long deadlineMillis) {
    p.deadlineMillis = deadlineMillis;
    leased.put(p.number, p);
    byDeadline.add(p);
    p.owner = stream;
    if (stream != null) {
      stream.outstandingMessages++;
      stream.outstandingBytes += p.size;
    }
  }

  /** Moves a lease's deadline (later or earlier). */
  void extend(Pending p, long deadlineMillis) {
    byDeadline.remove(p);
    p.deadlineMillis = deadlineMillis;
    byDeadline.add(p);
  }

  /** The lease with the earliest deadline, or null when none is held. */
  Pending firstToExpire() {
    return byDeadline.isEmpty() ? null : byDeadline.first();
  }

  /** Ends a lease and makes the message available again. */
  void unlease(Pending p) {
    byDeadline.remove(p);
    leased.remove(p.number);
    release(p);
    ready.put(p.number, p);
  }

  /** Removes an acked message. */
  void remove(Pending p) {
    if (leased.remove(p.number) == null) {
      ready.remove(p.number);
    } else {
      byDeadline.remove(p);
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
