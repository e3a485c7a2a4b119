package dev.shopstream.functions.recommend;

import com.google.cloud.functions.HttpRequest;
import dev.shopstream.contract.api.RecommendationApi;
import dev.shopstream.functions.http.JsonReply;
import dev.shopstream.functions.recommend.SnapshotRefresher.View;
import dev.shopstream.model.ExplainedRecommendations;
import dev.shopstream.model.ExplainedRecommendations.Explained;
import dev.shopstream.model.ModelConfig;
import dev.shopstream.model.Signal;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.IntFunction;

/**
 * The recommendations of given items: {@code GET /products/{id}/similar} (others you may like: co-view
 * neighbours), {@code GET /products/{id}/bought-together} and {@code POST /cart/recommendations} (frequently
 * bought together: co-purchase, then co-cart). When the neighbours leave the answer short, trending fills up
 * ({@code "fallback": "few_neighbors"}).
 */
final class ItemRecommendations {
  private static final Set<String> PARAMETERS = Set.of(RecommendationApi.K, RecommendationApi.CATEGORY,
      RecommendationApi.EXCLUDE);
  private static final Map<Signal, Double> SIMILAR = ExplainedRecommendations.similarWeights();

  private final Map<Signal, Double> boughtTogether;
  private final int maxPerCategory;
  private final double cartRecencyOrder;

  ItemRecommendations(ModelConfig model, int maxPerCategory) {
    this.boughtTogether = ExplainedRecommendations.boughtTogetherWeights(model);
    this.cartRecencyOrder = model.cartRecencyOrder();
    this.maxPerCategory = maxPerCategory;
  }

  /** Similar ({@code similar} true) or bought together with one product. */
  JsonReply product(HttpRequest request, View view, String productId, boolean similar) {
    Parameters p = Parameters.of(request, PARAMETERS);
    int k = p.k(RecommendFunction.DEFAULT_K, RecommendFunction.MAX_K);
    Optional<String> category = p.category();
    Set<String> exclude = new LinkedHashSet<>(p.exclude());
    exclude.add(productId);
    Map<Signal, Double> weights = similar ? SIMILAR : boughtTogether;
    IntFunction<List<Explained>> candidates = limit -> ExplainedRecommendations.forItems(
        view.snapshot().recommender(), List.of(productId), weights, limit, exclude);
    return answer(g -> g.writeStringField(RecommendationApi.PRODUCT_ID, productId), view, category, exclude, k,
        candidates);
  }

  /**
   * Bought together with the cart's items ({@link CartBody}, in their order with repeats: the last item weighs most,
   * an item listed twice at its last place); the answer's {@code cart} lists each item once, at its first place.
   */
  JsonReply cart(HttpRequest request, View view, List<String> lines) {
    Parameters p = Parameters.of(request, PARAMETERS);
    int k = p.k(RecommendFunction.DEFAULT_K, RecommendFunction.MAX_K);
    Optional<String> category = p.category();
    Set<String> cart = new LinkedHashSet<>(lines);
    Set<String> exclude = new LinkedHashSet<>(p.exclude());
    exclude.addAll(cart);
    IntFunction<List<Explained>> candidates = limit -> ExplainedRecommendations.forItems(
        view.snapshot().recommender(), lines, boughtTogether, cartRecencyOrder, limit, exclude);
    AnswerWriter.Head head = g -> {
      g.writeArrayFieldStart(RecommendationApi.CART);
      for (String id : cart) {
        g.writeString(id);
      }
      g.writeEndArray();
    };
    return answer(head, view, category, exclude, k, candidates);
  }

  private JsonReply answer(AnswerWriter.Head head, View view, Optional<String> category, Set<String> exclude, int k,
      IntFunction<List<Explained>> candidates) {
    Selection selection = new Selection(view.snapshot(), category, exclude, k, maxPerCategory);
    Candidates.offerBest(selection, candidates, k);
    String fallback = null;
    if (!selection.full()) {
      selection.fillWithTrending();
      fallback = "few_neighbors";
    }
    return AnswerWriter.answer(head, view.snapshot(), view.stale(), selection.items(), fallback);
  }
}
