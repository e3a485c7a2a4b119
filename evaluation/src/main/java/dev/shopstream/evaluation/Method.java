package dev.shopstream.evaluation;

import dev.shopstream.contract.EventType;
import dev.shopstream.model.CoOccurrenceModel;
import dev.shopstream.model.Interaction;
import dev.shopstream.model.ModelConfig;
import dev.shopstream.model.Recommendation;
import dev.shopstream.model.UserHistory;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A recommendation method as the protocols see it: trained once on a training log (in time order), then asked
 * for a user's recommendations (from the user's own training history) or for the next item after a sequence of
 * interactions (a session prefix).
 */
public interface Method {
  /** Name in the results table. */
  String name();

  /** The user's best {@code limit} items, best first, none in {@code exclude}. */
  List<Recommendation> forUser(String user, int limit, Set<String> exclude);

  /** The best {@code limit} items after {@code recent} (newest last or in any order), none in {@code exclude}. */
  List<Recommendation> forItems(List<Interaction> recent, int limit, Set<String> exclude);

  /** How to build a method from a training log. */
  interface Spec {
    String name();

    Method train(List<UserInteraction> trainingInTimeOrder);
  }

  /**
   * The project's model: the training log is replayed through {@link CoOccurrenceModel#observe} (what the pipeline
   * does per event), and recommendations come from {@link CoOccurrenceModel#recommendForUser} over the user's
   * recent items as the model kept them ({@link CoOccurrenceModel#user}), as of the newest of them. A session
   * prefix is first folded into a fresh {@link UserHistory}, so it is bounded exactly as a user's history is.
   */
  static Spec model(String name, ModelConfig config) {
    return new Spec() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public Method train(List<UserInteraction> training) {
        CoOccurrenceModel model = new CoOccurrenceModel(config);
        for (UserInteraction ui : training) {
          model.observe(ui.user(), ui.interaction());
        }
        return new Method() {
          @Override
          public String name() {
            return name;
          }

          @Override
          public List<Recommendation> forUser(String user, int limit, Set<String> exclude) {
            return model.recommendForUser(model.user(user).recent(), limit, exclude);
          }

          @Override
          public List<Recommendation> forItems(List<Interaction> recent, int limit, Set<String> exclude) {
            UserHistory history = new UserHistory();
            recent.forEach(i -> history.observe(i, config));
            return model.recommendForUser(history.recent(), limit, exclude);
          }
        };
      }
    };
  }

  /**
   * Popularity: every user gets the items with the most training interactions of {@code type} (all types when
   * the log has none of it), ties by id; the same list for everyone, minus {@code exclude}.
   */
  static Spec popularity(EventType type) {
    return new Spec() {
      @Override
      public String name() {
        return "popularity";
      }

      @Override
      public Method train(List<UserInteraction> training) {
        Map<String, Double> counts = new HashMap<>();
        for (UserInteraction ui : training) {
          if (ui.interaction().type() == type) {
            counts.merge(ui.item(), 1.0, Double::sum);
          }
        }
        if (counts.isEmpty()) {
          training.forEach(ui -> counts.merge(ui.item(), 1.0, Double::sum));
        }
        List<Recommendation> ranked = new ArrayList<>();
        counts.forEach((id, n) -> ranked.add(new Recommendation(id, n)));
        ranked.sort(Comparator.comparingDouble(Recommendation::score).reversed()
            .thenComparing(Recommendation::productId));
        return new Method() {
          @Override
          public String name() {
            return "popularity";
          }

          @Override
          public List<Recommendation> forUser(String user, int limit, Set<String> exclude) {
            List<Recommendation> out = new ArrayList<>();
            for (Recommendation r : ranked) {
              if (out.size() >= limit) {
                break;
              }
              if (!exclude.contains(r.productId())) {
                out.add(r);
              }
            }
            return out;
          }

          @Override
          public List<Recommendation> forItems(List<Interaction> recent, int limit, Set<String> exclude) {
            return forUser(null, limit, exclude);
          }
        };
      }
    };
  }
}
