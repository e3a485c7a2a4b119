package dev.shopstream.functions.recommend;

import com.google.cloud.functions.HttpRequest;
import dev.shopstream.contract.api.RecommendationApi;
import dev.shopstream.functions.http.JsonReply;
import dev.shopstream.functions.recommend.SnapshotRefresher.View;
import java.util.Optional;
import java.util.Set;

/** {@code GET /trending[?category=]}: the snapshot's trending ranking, best first, with no category cap. */
final class TrendingAnswers {
  private static final Set<String> PARAMETERS = Set.of(RecommendationApi.K, RecommendationApi.CATEGORY,
      RecommendationApi.EXCLUDE);

  private TrendingAnswers() {}

  static JsonReply answer(HttpRequest request, View view) {
    Parameters p = Parameters.of(request, PARAMETERS);
    int k = p.k(RecommendFunction.DEFAULT_K, RecommendFunction.MAX_K);
    Optional<String> category = p.category();
    Selection selection = new Selection(view.snapshot(), category, p.exclude(), k, k); // trending: no cap
    selection.fillWithTrending();
    String filter = category.orElse(null);
    return AnswerWriter.answer(g -> g.writeStringField(RecommendationApi.CATEGORY, filter), view.snapshot(),
        view.stale(), selection.items(), null);
  }
}
