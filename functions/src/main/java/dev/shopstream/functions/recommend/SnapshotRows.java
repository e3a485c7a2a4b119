package dev.shopstream.functions.recommend;

import dev.shopstream.functions.recommend.RecommendationStore.NeighborRow;
import dev.shopstream.functions.recommend.RecommendationStore.TrendRow;
import dev.shopstream.functions.recommend.RecommendationStore.TrendScore;
import dev.shopstream.functions.recommend.RecommendationStore.Trends;
import dev.shopstream.model.ModelConfig;
import dev.shopstream.model.Signal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The warehouse rows a {@link Snapshot} is built from, kept between refreshes so that a refresh reads only the rows
 * changed since the last one ({@link SnapshotRefresher}). Used by the refresh thread only.
 *
 * <ul>
 *   <li><b>Neighbour lists</b>, per product and signal: the rows with the newest {@code updated_at}, exactly what
 *       {@link RecommendationStore#neighbors} reads. Changed rows replace a list when their {@code updated_at} is
 *       newer, and join it when it is the same (rows of one list committed apart, seen by two reads); older rows are
 *       ignored. A list the table no longer has (deleted by hand: the pipeline never deletes one, and the compaction
 *       keeps each list's newest rows) stays until the next full load.
 *   <li><b>Trend rows</b>, per product, event type and window: the newest pane. Windows that end
 *       {@code TRENDING_WINDOW} or more before the newest window end are dropped: they can never count again (the
 *       newest window end only grows). Scored as {@link RecommendationStore#trends} scores them.
 * </ul>
 */
final class SnapshotRows {
  private static final Comparator<NeighborRow> ORDER = Comparator.comparing(NeighborRow::productId)
      .thenComparing(r -> r.neighbor().signal())
      .thenComparingInt(r -> r.neighbor().rank())
      .thenComparing(r -> r.neighbor().productId());

  private record ListKey(String productId, Signal signal) {}

  private record TrendKey(String productId, String eventType, Instant windowStart) {}

  /** One list: its rows by neighbour id, all of one {@code updated_at}. */
  private record NeighborList(Instant updatedAt, Map<String, NeighborRow> rows) {}

  private final Map<ListKey, NeighborList> lists = new HashMap<>();
  private final Map<TrendKey, TrendRow> trendRows = new HashMap<>();
  private Instant newestWindowEnd;

  /** Replaces every list with those of a full read. */
  void replaceNeighbors(List<NeighborRow> all) {
    lists.clear();
    mergeNeighbors(all);
  }

  /** Merges changed rows: per product and signal, the newest {@code updated_at} wins; the same one joins. */
  void mergeNeighbors(List<NeighborRow> changed) {
    Map<ListKey, NeighborList> incoming = new LinkedHashMap<>();
    for (NeighborRow row : changed) {
      ListKey key = new ListKey(row.productId(), row.neighbor().signal());
      Instant at = row.updatedAt() == null ? Instant.MIN : row.updatedAt();
      NeighborList list = incoming.get(key);
      if (list == null || at.isAfter(list.updatedAt())) {
        list = new NeighborList(at, new LinkedHashMap<>());
        incoming.put(key, list);
      }
      if (at.equals(list.updatedAt())) {
        list.rows().putIfAbsent(row.neighbor().productId(), row);
      }
    }
    for (Map.Entry<ListKey, NeighborList> e : incoming.entrySet()) {
      NeighborList held = lists.get(e.getKey());
      NeighborList next = e.getValue();
      if (held == null || next.updatedAt().isAfter(held.updatedAt())) {
        lists.put(e.getKey(), next);
      } else if (next.updatedAt().equals(held.updatedAt())) {
        held.rows().putAll(next.rows());
      }
    }
  }

  /** Replaces every trend row with those of a full read. */
  void replaceTrends(List<TrendRow> all, Duration window) {
    trendRows.clear();
    newestWindowEnd = null;
    mergeTrends(all, window);
  }

  /** Merges changed panes (the newest {@code updated_at} per product, type and window wins), then drops expired ones. */
  void mergeTrends(List<TrendRow> changed, Duration window) {
    for (TrendRow row : changed) {
      TrendKey key = new TrendKey(row.productId(), row.eventType(), row.windowStart());
      TrendRow held = trendRows.get(key);
      if (held == null || !older(row.updatedAt(), held.updatedAt())) {
        trendRows.put(key, row);
      }
      if (newestWindowEnd == null || row.windowEnd().isAfter(newestWindowEnd)) {
        newestWindowEnd = row.windowEnd();
      }
    }
    if (newestWindowEnd != null) {
      Instant cutoff = newestWindowEnd.minus(window);
      trendRows.values().removeIf(r -> !r.windowEnd().isAfter(cutoff));
    }
  }

  private static boolean older(Instant a, Instant b) {
    return a == null ? b != null : b != null && a.isBefore(b);
  }

  /** Every list's rows, ordered by product, signal, rank and neighbour id; at most {@code maxRows}. */
  List<NeighborRow> neighborRows(int maxRows) {
    List<NeighborRow> out = new ArrayList<>();
    for (NeighborList list : lists.values()) {
      out.addAll(list.rows().values());
    }
    out.sort(ORDER);
    return out.size() > maxRows ? List.copyOf(out.subList(0, maxRows)) : out;
  }

  /** How many neighbour rows are held. */
  int neighborRowCount() {
    int n = 0;
    for (NeighborList list : lists.values()) {
      n += list.rows().size();
    }
    return n;
  }

  /** How many trend rows are held. */
  int trendRowCount() {
    return trendRows.size();
  }

  /**
   * The trend scores, as {@link RecommendationStore#trends} computes them: per product, over the windows that end
   * less than {@code window} before the newest window end, {@code Σ events × w(event_type)} (view, add_to_cart,
   * purchase; other types 0) and all events; best first (ties: smaller id first); at most {@code maxRows}.
   */
  Trends trends(ModelConfig weights, int maxRows) {
    if (trendRows.isEmpty()) {
      return Trends.empty();
    }
    Map<String, long[]> byProduct = new HashMap<>(); // view, add_to_cart, purchase, all events
    Instant updated = null;
    for (TrendRow row : trendRows.values()) {
      long[] counts = byProduct.computeIfAbsent(row.productId(), p -> new long[4]);
      switch (row.eventType()) {
        case "view" -> counts[0] += row.events();
        case "add_to_cart" -> counts[1] += row.events();
        case "purchase" -> counts[2] += row.events();
        default -> { }
      }
      counts[3] += row.events();
      if (row.updatedAt() != null && (updated == null || row.updatedAt().isAfter(updated))) {
        updated = row.updatedAt();
      }
    }
    List<TrendScore> scores = new ArrayList<>(byProduct.size());
    for (Map.Entry<String, long[]> e : byProduct.entrySet()) {
      long[] c = e.getValue();
      double score = c[0] * weights.viewWeight() + c[1] * weights.addToCartWeight()
          + c[2] * weights.purchaseWeight();
      scores.add(new TrendScore(e.getKey(), score, c[3]));
    }
    scores.sort(Comparator.comparingDouble(TrendScore::score).reversed().thenComparing(TrendScore::productId));
    return new Trends(newestWindowEnd, updated,
        scores.size() > maxRows ? scores.subList(0, maxRows) : scores);
  }
}
