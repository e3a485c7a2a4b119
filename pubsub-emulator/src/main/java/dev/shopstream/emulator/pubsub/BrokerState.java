package dev.shopstream.emulator.pubsub;

import com.google.pubsub.v1.Topic;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.time.Clock;
import java.util.List;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * What the broker's parts share: topics, subscriptions with their backlogs, counters, the journal, and the one lock
 * that guards them all (with the condition that wakes waiting pulls). Also the two ways of running a change under
 * the lock ({@link #locked}, {@link #durably}) and the journal bookkeeping every change goes through.
 *
 * <p>Every field but the final ones is guarded by {@link #lock}.
 */
final class BrokerState {

  final Clock clock;
  /** Null for an in-memory broker. */
  final Journal journal;

  final ReentrantLock lock = new ReentrantLock();
  final Condition changed = lock.newCondition();
  final NavigableMap<String, Topic> topics = new TreeMap<>();
  final NavigableMap<String, SubscriptionState> subscriptions = new TreeMap<>();
  long nextMessageId = 1;
  long nextSubscriptionId = 1;
  int openStreams;
  long published;
  long delivered;
  long redelivered;
  long acked;
  long nacked;
  long extended;
  long expired;
  long deadLettered;
  boolean closed;

  BrokerState(Clock clock, Journal journal) {
    this.clock = clock;
    this.journal = journal;
  }

  // ------------------------------------------------------------------------------------------- locking

  <T> T locked(Supplier<T> action) {
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
  <T> T durably(Supplier<T> action) {
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

  void requireOpen() {
    if (closed) {
      throw Errors.unavailable("The Pub/Sub emulator is shutting down");
    }
  }

  Topic requireTopic(String name) {
    Topic topic = topics.get(name);
    if (topic == null) {
      throw Errors.notFound("Topic not found");
    }
    return topic;
  }

  SubscriptionState requireSubscription(String name) {
    SubscriptionState s = subscriptions.get(name);
    if (s == null) {
      throw Errors.notFound("Subscription does not exist");
    }
    return s;
  }

  // ------------------------------------------------------------------------------------------- journal

  /** Appends a change to the journal, if any; returns its bytes there (0 without a journal). */
  int record(JournalRecord change) {
    return journal == null ? 0 : journal.append(change);
  }

  void markDead(long journalBytes) {
    if (journal != null && journalBytes > 0) {
      journal.markDead(journalBytes);
    }
  }

  /** A subscription let go of a message: when it was the last one holding it, its record is dead weight. */
  void released(Pending p) {
    if (--p.stored.holders == 0) {
      markDead(p.stored.journalBytes);
    }
  }

  /** Journals messages removed from a backlog (acked or dead-lettered); the ack record itself is dead at once. */
  void removedFromBacklog(SubscriptionState s, List<Pending> removed) {
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
      journal.compact(BrokerRecovery.liveState(this));
    }
  }
}
