package dev.shopstream.model;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What serving and evaluation call: neighbours of an item, and recommendations for a user's recent items.
 * {@link #recommendForUser} is the same for every implementation (the in-memory {@link CoOccurrenceModel}, or
 * neighbour lists read from the warehouse via {@link #ofNeighbors}).
 */
public interface Recommender {
  /** The order of every ranking: score descending, then product id. */
  Comparator<Recommendation> BEST_FIRST = (a, b) -> {
    int byScore = Double.compare(b.score(), a.score());
    return byScore != 0 ? byScore : a.productId().compareTo(b.productId());
  };

  ModelConfig config();

  /** The item's top {@code k} neighbours for the signal, closest first. */
  List<Neighbor> neighbors(String itemId, int k, Signal signal);

  /**
   * Recommendations from the user's recent items, as of the newest of them: see
   * {@link #recommendForUser(Collection, Instant, int, Set)}.
   */
  default List<Recommendation> recommendForUser(Collection<Interaction> recentItems, int k, Set<String> exclude) {
    Instant now = recentItems.stream().map(Interaction::time).max(Comparator.naturalOrder()).orElse(Instant.EPOCH);
    return recommendForUser(recentItems, now, k, exclude);
  }

  /**
   * The personal score of {@link ExplainedRecommendations#forUser} with no blend, the decay taken as of
   * {@code now}: {@code score(c) = Σ_i w_i × sim(i, c) + Σ_i w_i × γ × sim_next(i, c) / (1 + p_i)}, with
   * {@code w_i = w(type i) × decay(now − t(i)) × (1 + p_i)^−ρ}, {@code p_i} the recent item's position (0 = newest)
   * and {@code sim} ({@code sim_next}) the {@link Signal#COMBINED} ({@link Signal#NEXT}) score of c among i's top
   * {@code maxNeighborsPerItem} neighbours (0 otherwise); the {@code k} best candidates with a positive score that
   * are not in {@code exclude} (the recent items themselves are not excluded unless listed), by score descending
   * then id.
   */
  default List<Recommendation> recommendForUser(Collection<Interaction> recentItems, Instant now, int k,
      Set<String> exclude) {
    return ExplainedRecommendations.personal(this, recentItems, now, k, exclude);
  }

  /**
   * A recommender over precomputed neighbour lists (e.g. the latest {@code item_neighbors} rows), best first. Each
   * item's list is split by signal and ordered by rank once, here: {@link #neighbors} is then a lookup (serving
   * calls it for every recent item of every request).
   */
  static Recommender ofNeighbors(ModelConfig config, Map<String, List<Neighbor>> neighborsByItem) {
    Signal[] signals = Signal.values();
    Map<String, List<List<Neighbor>>> bySignal = new HashMap<>(neighborsByItem.size() * 2);
    neighborsByItem.forEach((item, neighbors) -> {
      List<List<Neighbor>> lists = new ArrayList<>(signals.length);
      for (Signal signal : signals) {
        lists.add(neighbors.stream()
            .filter(n -> n.signal() == signal)
            .sorted(Comparator.comparingInt(Neighbor::rank))
            .toList());
      }
      bySignal.put(item, List.copyOf(lists));
    });
    return new Recommender() {
      @Override
      public ModelConfig config() {
        return config;
      }

      @Override
      public List<Neighbor> neighbors(String itemId, int k, Signal signal) {
        if (k < 0) {
          throw new IllegalArgumentException("k must be >= 0, was " + k);
        }
        List<List<Neighbor>> lists = bySignal.get(itemId);
        if (lists == null || k == 0) {
          return List.of();
        }
        List<Neighbor> list = lists.get(signal.ordinal());
        return list.size() <= k ? list : list.subList(0, k);
      }
    };
  }
}
