package dev.shopstream.emulator.pubsub;

import com.google.pubsub.v1.PubsubMessage;
import com.google.pubsub.v1.Subscription;
import com.google.pubsub.v1.Topic;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The broker's state as journal records and back: the live state captured for a snapshot, and the restore of what
 * a journal holds at start.
 */
final class BrokerRecovery {

  /** Logs under the broker's name, as the broker did before its parts had files of their own. */
  private static final Logger LOG = Logger.getLogger(Broker.class.getName());

  private BrokerRecovery() {}

  private record SubscriptionCopy(long id, Subscription config, List<Pending> backlog) {}

  /**
   * The live state as journal records, for a snapshot: captured now, under the lock (references only, so the
   * pause is proportional to the number of unacked messages), turned into records later, outside it.
   */
  static Supplier<Iterable<JournalRecord>> liveState(BrokerState state) {
    JournalRecord.Counters counters = new JournalRecord.Counters(state.nextMessageId, state.nextSubscriptionId);
    List<Topic> topicCopies = new ArrayList<>(state.topics.values());
    List<SubscriptionCopy> copies = new ArrayList<>(state.subscriptions.size());
    for (SubscriptionState s : state.subscriptions.values()) {
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
  static void restore(BrokerState state) throws IOException {
    Journal journal = state.journal;
    long started = System.nanoTime();
    Map<Long, SubscriptionState> byId = new HashMap<>();
    Journal.Restored restored = journal.replay(change -> apply(state, change, byId));
    long messages = 0;
    long messageBytes = 0;
    for (SubscriptionState s : state.subscriptions.values()) {
      s.id = state.nextSubscriptionId++;
      messages += s.size();
      messageBytes += s.bytes;
    }
    journal.begin(liveState(state).get());
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    LOG.log(Level.INFO, "Pub/Sub state restored", Journal.fields()
        .put("directory", journal.directory().toString())
        .put("topics", state.topics.size())
        .put("subscriptions", state.subscriptions.size())
        .put("unackedMessages", messages)
        .put("unackedMessageBytes", messageBytes)
        .put("files", restored.files())
        .put("records", restored.records())
        .put("bytesRead", restored.bytes())
        .put("millis", millis)
        .put("problem", restored.problem()));
  }

  /** Replays one journal record (no checks: the journal only holds changes the broker made). */
  private static void apply(BrokerState state, JournalRecord change, Map<Long, SubscriptionState> byId) {
    if (change instanceof JournalRecord.Counters c) {
      state.nextMessageId = Math.max(state.nextMessageId, c.nextMessageNumber());
      state.nextSubscriptionId = Math.max(state.nextSubscriptionId, c.nextSubscriptionId());
    } else if (change instanceof JournalRecord.TopicCreated t) {
      state.topics.put(t.topic().getName(), t.topic());
    } else if (change instanceof JournalRecord.TopicDeleted t) {
      state.topics.remove(t.name());
    } else if (change instanceof JournalRecord.SubscriptionPut put) {
      SubscriptionState s = byId.get(put.id());
      if (s == null) {
        s = new SubscriptionState(put.id(), put.config());
        byId.put(put.id(), s);
        state.nextSubscriptionId = Math.max(state.nextSubscriptionId, put.id() + 1);
      }
      s.config = put.config();
      state.subscriptions.put(put.config().getName(), s);
    } else if (change instanceof JournalRecord.SubscriptionDeleted deleted) {
      SubscriptionState s = byId.remove(deleted.id());
      if (s != null) {
        state.subscriptions.remove(s.config.getName());
      }
    } else if (change instanceof JournalRecord.Published p) {
      state.nextMessageId = Math.max(state.nextMessageId, p.number() + 1);
      int bytes = Journal.HEADER_BYTES + 13 + Long.BYTES * p.subscriptionIds().length
          + p.message().getSerializedSize();
      Pending.Stored stored = new Pending.Stored(0, bytes);
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
}
