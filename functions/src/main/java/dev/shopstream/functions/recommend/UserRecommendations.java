package dev.shopstream.functions.recommend;

import com.google.cloud.functions.HttpRequest;
import dev.shopstream.contract.api.RecommendationApi;
import dev.shopstream.functions.http.JsonReply;
import dev.shopstream.functions.recommend.RecommendationStore.UserActivity;
import dev.shopstream.functions.recommend.SnapshotRefresher.View;
import dev.shopstream.model.ExplainedRecommendations;
import dev.shopstream.model.ExplainedRecommendations.Explained;
import dev.shopstream.model.FactorModel;
import dev.shopstream.model.Interaction;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.IntFunction;
import java.util.logging.Logger;

/**
 * {@code GET /recommendations?user_id=U[&k=][&mode=buy_again]}: recommended for you. Candidates are the neighbours
 * of the user's recent items ({@link UserActivityCache}), scored by the model ({@link ExplainedRecommendations#forUser})
 * and blended with trending, popularity and the learned factors ({@link Snapshot#factors}: the scores of the user's
 * recent items, computed once per request; none when {@code item_factors} has no rows); purchased products are left out unless {@code mode=buy_again}; when fewer than
 * {@code k} remain, trending fills up ({@code "fallback": "thin_history"}); an unknown user gets trending
 * ({@code "fallback": "unknown_user"}); when the user's row cannot be read, trending, stale
 * ({@code "fallback": "user_activity_unavailable"}).
 */
final class UserRecommendations {
  static final String BUY_AGAIN = "buy_again";
  private static final Logger LOG = Logger.getLogger(UserRecommendations.class.getName());
  private static final Set<String> PARAMETERS = Set.of(RecommendationApi.USER_ID, RecommendationApi.K,
      RecommendationApi.MODE, RecommendationApi.CATEGORY, RecommendationApi.EXCLUDE);

  private final UserActivityCache users;
  private final Clock clock;
  private final int maxPerCategory;

  UserRecommendations(UserActivityCache users, Clock clock, int maxPerCategory) {
    this.users = users;
    this.clock = clock;
    this.maxPerCategory = maxPerCategory;
  }

  JsonReply answer(HttpRequest request, View view) {
    Parameters p = Parameters.of(request, PARAMETERS);
    String userId = p.requiredId(RecommendationApi.USER_ID);
    int k = p.k(RecommendFunction.DEFAULT_K, RecommendFunction.MAX_K);
    boolean buyAgain = p.single(RecommendationApi.MODE).map(m -> {
      if (!m.equals(BUY_AGAIN)) {
        throw BadRequest.parameter(RecommendationApi.MODE,
            RecommendationApi.MODE + " must be " + BUY_AGAIN + " or absent");
      }
      return true;
    }).orElse(false);
    Optional<String> category = p.category();
    Set<String> exclude = new LinkedHashSet<>(p.exclude());
    boolean stale = view.stale();
    String fallback = null;
    Optional<UserActivity> activity;
    try {
      activity = users.get(userId);
    } catch (StoreException e) {
      LOG.warning("user_activity unavailable, answering trending: " + e.getMessage());
      activity = Optional.empty();
      fallback = "user_activity_unavailable";
      stale = true;
    }
    Snapshot snapshot = view.snapshot();
    IntFunction<List<Explained>> candidates = limit -> List.of();
    List<Interaction> recent = List.of();
    if (activity.isPresent()) {
      if (!buyAgain) {
        exclude.addAll(activity.get().purchased());
      }
      recent = activity.get().recentItems();
      List<Interaction> history = recent;
      Instant now = clock.instant(); // mid-session (active minutes ago) fades the trend weight
      FactorModel.Scores factors = snapshot.factors() == null || snapshot.recommender().config().factorWeight() <= 0
          ? null : snapshot.factors().scores(history, snapshot.factorPriors()); // once: the ranking may be asked
      // for more than once (Candidates.offerBest)
      candidates = limit -> ExplainedRecommendations.forUser(snapshot.recommender(), history, now, limit, exclude,
          snapshot.trendingBlend(), snapshot.popularBlend(), factors);
    } else if (fallback == null) {
      fallback = "unknown_user";
    }
    Selection selection = new Selection(snapshot, category, exclude, k, maxPerCategory);
    Candidates.offerBest(selection, candidates, k, recent);
    if (!selection.full()) {
      selection.fillWithTrending();
      if (fallback == null) {
        fallback = "thin_history";
      }
    }
    String mode = buyAgain ? BUY_AGAIN : "default";
    return AnswerWriter.answer(g -> {
      g.writeStringField(RecommendationApi.USER_ID, userId);
      g.writeStringField(RecommendationApi.MODE, mode);
    }, snapshot, stale, selection.items(), fallback);
  }
}
