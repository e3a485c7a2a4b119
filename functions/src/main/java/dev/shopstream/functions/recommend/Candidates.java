package dev.shopstream.functions.recommend;

import dev.shopstream.model.ExplainedRecommendations.Explained;
import java.util.List;
import java.util.function.IntFunction;

/** Offers a ranking of explained candidates to a {@link Selection}, best first, with the reason of each. */
final class Candidates {
  /** Candidates ranked and explained beyond k before the whole ranking is needed (at least; or k / 2). */
  static final int SPARE_CANDIDATES = 5;

  private Candidates() {}

  /**
   * Offers the candidates best first until the selection is full. {@code ranked} gives the best {@code limit} of a
   * ranking (always the head of the whole ranking): the best k + max({@value #SPARE_CANDIDATES}, k / 2) are ranked
   * and explained first, the whole ranking only when filters, exclusions and the category cap left the answer short.
   * The answer is the same as offering the whole ranking: offering stops when the selection is full.
   */
  static void offerBest(Selection selection, IntFunction<List<Explained>> ranked, int k) {
    int limit = k + Math.max(SPARE_CANDIDATES, k / 2);
    List<Explained> first = ranked.apply(limit);
    offer(selection, first);
    if (!selection.full() && first.size() >= limit) {
      List<Explained> all = ranked.apply(Integer.MAX_VALUE);
      offer(selection, all.subList(first.size(), all.size()));
    }
  }

  private static void offer(Selection selection, List<Explained> candidates) {
    for (Explained e : candidates) {
      if (selection.full()) {
        break;
      }
      selection.offer(e.productId(), e.score(),
          !e.trending() ? reason(e) : e.popular() ? Selection.popularReason(selection.category(e.productId()))
              : Selection.trendingReason(selection.category(e.productId())));
    }
  }

  /**
   * "viewed together with X", "added to cart together with X", "bought together with X", "seen together with X";
   * "often viewed next after X" for the next signal (what shoppers took after X).
   */
  static String reason(Explained e) {
    String verb = switch (e.signal()) {
      case CO_VIEW -> "viewed";
      case CO_CART -> "added to cart";
      case CO_PURCHASE -> "bought";
      case COMBINED -> "seen";
      case NEXT -> null;
    };
    return verb == null ? "often viewed next after " + e.sourceId() : verb + " together with " + e.sourceId();
  }
}
