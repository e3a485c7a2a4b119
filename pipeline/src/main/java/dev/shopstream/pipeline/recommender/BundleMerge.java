package dev.shopstream.pipeline.recommender;

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

  private static Instant earlier(@Nullable Instant a, Instant b) {
    return a == null || b.isBefore(a) ? b : a;
  }

  /** To the item counters: per item, the summed occurrence and, per partner, the summed pair increments. */
  static final class ToItems {
    private static final class Merged {
      SignalVector occurrence = SignalVector.ZERO;
      final Map<String, SignalVector> pairs = new LinkedHashMap<>();
      Instant timestamp;
    }

    private final Map<String, Merged> byItem = new LinkedHashMap<>();
    private long added;

    void add(String item, SignalVector occurrence, List<Pair> pairs, Instant timestamp) {
      Merged m = byItem.computeIfAbsent(item, k -> new Merged());
      m.occurrence = m.occurrence.plus(occurrence);
      for (Pair p : pairs) {
        m.pairs.merge(p.other(), p.increment(), SignalVector::plus);
      }
      m.timestamp = earlier(m.timestamp, timestamp);
      added++;
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
        m.pairs.forEach((other, increment) -> pairs.add(new Pair(other, increment)));
        out.add(TimestampedValue.of(KV.of(item, new ToItem(m.occurrence, pairs)), m.timestamp));
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
    private static final class Merged {
      final Map<String, ToNeighbors> byNeighbor = new LinkedHashMap<>();
      @Nullable ToNeighbors own;
      Instant timestamp;
    }

    private final Map<String, Merged> byList = new LinkedHashMap<>();
    private long added;

    void add(String list, ToNeighbors message, Instant timestamp) {
      Merged m = byList.computeIfAbsent(list, k -> new Merged());
      if (message.neighbor() == null) {
        m.own = m.own == null ? message : merge(m.own, message);
      } else {
        m.byNeighbor.merge(message.neighbor(), message, BundleMerge::merge);
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
          messages.add(m.own);
        }
        messages.addAll(m.byNeighbor.values());
        out.add(TimestampedValue.of(KV.of(list, messages), m.timestamp));
      });
      byList.clear();
      added = 0;
      return out;
    }
  }

  /** Two messages about the same neighbour (or both about the item's own count): increments add, counts max. */
  static ToNeighbors merge(ToNeighbors a, ToNeighbors b) {
    return new ToNeighbors(a.neighbor(), a.increment().plus(b.increment()), a.count().max(b.count()));
  }
}
