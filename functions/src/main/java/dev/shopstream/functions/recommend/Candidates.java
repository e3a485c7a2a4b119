package dev.shopstream.functions.recommend;

import dev.shopstream.contract.EventType;
import dev.shopstream.model.ExplainedRecommendations.Explained;
import dev.shopstream.model.Interaction;
import java.util.Collection;
import java.util.List;
import java.util.function.IntFunction;

/** Offers a ranking of explained candidates to a {@link Selection}, best first, with the reason of each. */
final class Candidates {
  /** Candidates ranked and explained beyond k before the whole ranking is needed (at least; or k / 2). */
  static final int SPARE_CANDIDATES = 5;

  private Candidates() {}

  /** How much further the ranking is asked for each time the candidates offered left the answer short. */
  static final int GROWTH = 8;

  /**
   * Offers the candidates best first until the selection is full. {@code ranked} gives the best {@code limit} of a
   * ranking (always the head of the whole ranking): the best k + max({@value #SPARE_CANDIDATES}, k / 2) are ranked
   * and explained first; when filters, exclusions and the category cap left the answer short, {@value #GROWTH} times
   * as many, and so on (a ranking over the whole catalog, with the learned factors, is not sorted whole for one
   * more item). The answer is the same as offering the whole ranking: offering stops when the selection is full.
   */
  static void offerBest(Selection selection, IntFunction<List<Explained>> ranked, int k) {
    offerBest(selection, ranked, k, List.of());
  }

  /**
   * {@link #offerBest(Selection, IntFunction, int)} for a user with {@code history} (their recent items), which a
   * candidate led by the learned factors is explained by ({@link #factorReason}).
   */
  static void offerBest(Selection selection, IntFunction<List<Explained>> ranked, int k,
      Collection<Interaction> history) {
    int limit = k + Math.max(SPARE_CANDIDATES, k / 2);
    int offered = 0;
    while (true) {
      List<Explained> head = ranked.apply(limit);
      offer(selection, head.subList(Math.min(offered, head.size()), head.size()), history);
      if (selection.full() || head.size() < limit) {
        return;
      }
      offered = head.size();
      limit = limit > Integer.MAX_VALUE / GROWTH ? Integer.MAX_VALUE : limit * GROWTH;
    }
  }

  private static void offer(Selection selection, List<Explained> candidates, Collection<Interaction> history) {
    for (Explained e : candidates) {
      if (selection.full()) {
        break;
      }
      selection.offer(e.productId(), e.score(), e.factor() ? factorReason(e.sourceId(), history)
          : !e.trending() ? reason(e) : e.popular() ? Selection.popularReason(selection.category(e.productId()))
              : Selection.trendingReason(selection.category(e.productId())));
    }
  }

  /**
   * A candidate led by the learned factors, explained by the history item that contributed most to its score, with
   * what the user did with it (the strongest of their events on it): "because you bought X", "because you added X
   * to cart", "because you viewed X"; "because of your interest in X" for any other event.
   */
  static String factorReason(String sourceId, Collection<Interaction> history) {
    EventType strongest = null;
    for (Interaction i : history) {
      if (i.productId().equals(sourceId) && (strongest == null || rank(i.type()) > rank(strongest))) {
        strongest = i.type();
      }
    }
    return strongest == EventType.PURCHASE ? "because you bought " + sourceId
        : strongest == EventType.ADD_TO_CART ? "because you added " + sourceId + " to cart"
        : strongest == EventType.VIEW ? "because you viewed " + sourceId
        : "because of your interest in " + sourceId;
  }

  private static int rank(EventType type) {
    return switch (type) {
      case PURCHASE -> 3;
      case ADD_TO_CART -> 2;
      case VIEW -> 1;
      default -> 0;
    };
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
