package dev.shopstream.pipeline.recommender;

import dev.shopstream.model.SignalVector;
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
 * The occurrence-count reports of {@link ItemToItemModel}'s item counters, coalesced over a bundle: an item whose
 * count grew reports it to its own neighbour list and to every tracked partner's list once per bundle, with its count
 * at the end of the bundle, instead of once per event.
 *
 * <p>Why: with 200 candidates per item, each event made its item's counter send about 200 count reports (most of
 * the model's messages, each a shuffle record and a state access); a bundle of 1,000 events over a few hundred
 * popular items sends each item's reports once. Nothing is lost: a neighbour list keeps the maximum of the counts
 * reported (counts only grow), so the latest report carries every earlier one; the reports leave when the bundle
 * finishes (on Flink at the latest after {@code --maxBundleTimeMills} and before a checkpoint barrier), well
 * within the lists' throttled emission ({@code --modelEmitEvery}).
 */
final class CountBroadcasts {
  /** An item's counter state as of its last event in the bundle, and the newest timestamp of those events. */
  private record Grown(ItemCounter state, Instant timestamp) {}

  private final Map<String, Grown> grown = new LinkedHashMap<>();

  /**
   * Notes that {@code state}'s item counted an occurrence at {@code timestamp}; {@code state} is the counter's state
   * object, read at {@link #drain} (its count and partners then are the latest).
   */
  void grew(ItemCounter state, Instant timestamp) {
    grown.merge(state.itemId(), new Grown(state, timestamp),
        (old, now) -> new Grown(now.state(), now.timestamp().isAfter(old.timestamp()) ? now.timestamp()
            : old.timestamp()));
  }

  boolean isEmpty() {
    return grown.isEmpty();
  }

  /**
   * The reports of every item noted since the last drain: to its own list ({@code neighbor == null}) and to each
   * tracked partner's list, with its latest count; then forgets them.
   */
  List<TimestampedValue<KV<String, ToNeighbors>>> drain() {
    List<TimestampedValue<KV<String, ToNeighbors>>> reports = new ArrayList<>();
    drain((list, neighbor, count, timestamp) -> reports.add(
        TimestampedValue.of(KV.of(list, new ToNeighbors(neighbor, SignalVector.ZERO, count)), timestamp)));
    return reports;
  }

  /** The same reports as {@link #drain()}, in the same order, added to {@code toLists}; then forgets them. */
  void drainInto(BundleMerge.ToLists toLists) {
    drain((list, neighbor, count, timestamp) -> toLists.add(list, neighbor, SignalVector.ZERO, count, timestamp));
  }

  private interface Report {
    void to(String list, @Nullable String neighbor, SignalVector count, Instant timestamp);
  }

  private void drain(Report report) {
    for (Grown g : grown.values()) {
      String item = g.state().itemId();
      SignalVector count = g.state().count();
      report.to(item, null, count, g.timestamp());
      for (String partner : g.state().partnerIds()) {
        report.to(partner, item, count, g.timestamp());
      }
    }
    grown.clear();
  }
}
