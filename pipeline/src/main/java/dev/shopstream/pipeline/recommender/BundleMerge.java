package dev.shopstream.pipeline.recommender;

import dev.shopstream.model.Signal;
import dev.shopstream.model.SignalVector;
import dev.shopstream.pipeline.recommender.ItemMessages.Pair;
import dev.shopstream.pipeline.recommender.ItemMessages.ToItem;
import dev.shopstream.pipeline.recommender.ItemMessages.ToNeighbors;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.TimestampedValue;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Instant;

/**
 * The messages one bundle of a model stage sends, merged per destination item before they leave: one message per
 * item and bundle instead of one per event and pair.
 *
 * <p>Why: each event of a user with a history of n items made about 3n keyed messages (to the counters, then to
 * the lists), each a shuffle record and a state read and write on the receiving side; that was most of the
 * pipeline's CPU on Flink (docs/BENCHMARKS.md). A bundle of 1,000 events touches at most the few hundred active
 * items, so merged it sends a few hundred messages per hop.
 *
 * <p>Why the result is the same: everything the stages do with these messages commutes within a bundle. Occurrence
 * and co-occurrence increments are sums; counts are reported as element-wise maxima (counts only grow, and a list
 * keeps the maximum of the reports). A merged message carries the sum of the increments and the maximum of the
 * counts, so the receiving state ends where the separate messages would have taken it. (What can differ is which
 * candidate a full list evicts, as it already could with the order in which two workers' messages arrive.) The
 * merged messages leave when the bundle finishes: on Flink before a checkpoint barrier and within
 * {@code --maxBundleTimeMills}; their timestamp is the earliest of what they merge, so nothing moves later.
 */
final class BundleMerge {
  private BundleMerge() {}

  private static final Signal[] SIGNALS = Signal.values();

  private static Instant earlier(@Nullable Instant a, Instant b) {
    return a == null || b.isBefore(a) ? b : a;
  }

  /**
   * Sums are kept in place (one array per destination, the same additions in the same order as
   * {@link SignalVector#plus}, so the same doubles) instead of a new vector per message.
   */
  private static double[] values(SignalVector v) {
    double[] a = new double[SIGNALS.length];
    for (int i = 0; i < a.length; i++) {
      a[i] = v.get(SIGNALS[i]);
    }
    return a;
  }

  private static void addTo(double[] sum, SignalVector v) {
    for (int i = 0; i < sum.length; i++) {
      sum[i] += v.get(SIGNALS[i]);
    }
  }

  private static void maxTo(double[] max, SignalVector v) {
    for (int i = 0; i < max.length; i++) {
      max[i] = Math.max(max[i], v.get(SIGNALS[i]));
    }
  }

  private static SignalVector vector(double[] a) {
    return SignalVector.of(a[0], a[1], a[2], a[3], a[4]);
  }

  static {
    // vector(double[]) names the signals by position
    if (SIGNALS.length != 5 || SIGNALS[0] != Signal.CO_VIEW || SIGNALS[1] != Signal.CO_CART
        || SIGNALS[2] != Signal.CO_PURCHASE || SIGNALS[3] != Signal.COMBINED || SIGNALS[4] != Signal.NEXT) {
      throw new IllegalStateException("BundleMerge.vector does not know the signals " + List.of(SIGNALS));
    }
  }

  /**
   * To the item counters: per item, the summed occurrence and, per partner, the summed pair increments. An event's
   * messages are added between {@link #startEvent} and the next one: its items' occurrences, then its pairs.
   */
  static final class ToItems {
    private static final class Merged {
      final double[] occurrence = new double[SIGNALS.length];
      final Map<String, double[]> pairs = new LinkedHashMap<>();
      Instant timestamp;
      long event;
    }

    private final Map<String, Merged> byItem = new LinkedHashMap<>();
    private long added;
    private long event;
    private Instant timestamp;

    /** The following messages are one event's, with this timestamp. */
    void startEvent(Instant eventTimestamp) {
      event++;
      timestamp = eventTimestamp;
    }

    /** The item's state to add to; counts one message per item and event (what was sent before the merge). */
    private Merged touch(String item) {
      Merged m = byItem.get(item);
      if (m == null) {
        m = new Merged();
        byItem.put(item, m);
      }
      if (m.event != event) {
        m.event = event;
        m.timestamp = earlier(m.timestamp, timestamp);
        added++;
      }
      return m;
    }

    void addOccurrence(String item, SignalVector occurrence) {
      addTo(touch(item).occurrence, occurrence);
    }

    /** {@code item}'s counter is told that it co-occurred with {@code other}: {@code other}'s list grows. */
    void addPair(String item, String other, SignalVector increment) {
      Map<String, double[]> pairs = touch(item).pairs;
      double[] sum = pairs.get(other);
      if (sum == null) {
        pairs.put(other, values(increment));
      } else {
        addTo(sum, increment);
      }
    }

    /** One event's message to one item (as {@link #startEvent}, {@link #addOccurrence}, {@link #addPair}). */
    void add(String item, SignalVector occurrence, List<Pair> pairs, Instant eventTimestamp) {
      startEvent(eventTimestamp);
      addOccurrence(item, occurrence);
      for (Pair p : pairs) {
        addPair(item, p.other(), p.increment());
      }
    }

    /** Messages added since the last drain (before merging). */
    long added() {
      return added;
    }

    /** One message per item, in the order the items were first added; then forgets them. */
    List<TimestampedValue<KV<String, ToItem>>> drain() {
      List<TimestampedValue<KV<String, ToItem>>> out = new ArrayList<>(byItem.size());
      byItem.forEach((item, m) -> {
        List<Pair> pairs = new ArrayList<>(m.pairs.size());
        m.pairs.forEach((other, increment) -> pairs.add(new Pair(other, vector(increment))));
        out.add(TimestampedValue.of(KV.of(item, new ToItem(vector(m.occurrence), pairs)), m.timestamp));
      });
      byItem.clear();
      added = 0;
      return out;
    }
  }

  /**
   * To the neighbour lists: per list, one {@link ToNeighbors} per neighbour (and one for the item's own count),
   * with the summed increments and the largest count reported.
   */
  static final class ToLists {
    /** The merged messages about one neighbour (or the own count): increments summed, counts at their maximum. */
    private static final class Sum {
      final @Nullable String neighbor;
      final double[] increment;
      final double[] count;

      Sum(@Nullable String neighbor, SignalVector increment, SignalVector count) {
        this.neighbor = neighbor;
        this.increment = values(increment);
        this.count = values(count);
      }

      void add(SignalVector moreIncrement, SignalVector reportedCount) {
        addTo(increment, moreIncrement);
        maxTo(count, reportedCount);
      }

      ToNeighbors message() {
        return new ToNeighbors(neighbor, vector(increment), vector(count));
      }
    }

    private static final class Merged {
      final Map<String, Sum> byNeighbor = new LinkedHashMap<>();
      @Nullable Sum own;
      Instant timestamp;
    }

    private final Map<String, Merged> byList = new LinkedHashMap<>();
    private long added;

    void add(String list, ToNeighbors message, Instant timestamp) {
      add(list, message.neighbor(), message.increment(), message.count(), timestamp);
    }

    /** A {@link ToNeighbors} of these fields, without making one. */
    void add(String list, @Nullable String neighbor, SignalVector increment, SignalVector count, Instant timestamp) {
      Merged m = byList.get(list);
      if (m == null) {
        m = new Merged();
        byList.put(list, m);
      }
      if (neighbor == null) {
        if (m.own == null) {
          m.own = new Sum(null, increment, count);
        } else {
          m.own.add(increment, count);
        }
      } else {
        Sum sum = m.byNeighbor.get(neighbor);
        if (sum == null) {
          m.byNeighbor.put(neighbor, new Sum(neighbor, increment, count));
        } else {
          sum.add(increment, count);
        }
      }
      m.timestamp = earlier(m.timestamp, timestamp);
      added++;
    }

    /** Messages added since the last drain (before merging). */
    long added() {
      return added;
    }

    /** One message list per neighbour list (its own count first), in first-added order; then forgets them. */
    List<TimestampedValue<KV<String, List<ToNeighbors>>>> drain() {
      List<TimestampedValue<KV<String, List<ToNeighbors>>>> out = new ArrayList<>(byList.size());
      byList.forEach((list, m) -> {
        List<ToNeighbors> messages = new ArrayList<>(m.byNeighbor.size() + 1);
        if (m.own != null) {
          messages.add(m.own.message());
        }
        for (Sum sum : m.byNeighbor.values()) {
          messages.add(sum.message());
        }
        out.add(TimestampedValue.of(KV.of(list, messages), m.timestamp));
      });
      byList.clear();
      added = 0;
      return out;
    }
  }
}
