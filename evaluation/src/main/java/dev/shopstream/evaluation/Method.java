package dev.shopstream.evaluation;

import dev.shopstream.contract.EventType;
import dev.shopstream.model.CoOccurrenceModel;
import dev.shopstream.model.ExplainedRecommendations;
import dev.shopstream.model.FactorConfig;
import dev.shopstream.model.FactorModel;
import dev.shopstream.model.Interaction;
import dev.shopstream.model.ModelConfig;
import dev.shopstream.model.Neighbor;
import dev.shopstream.model.Recommendation;
import dev.shopstream.model.Recommender;
import dev.shopstream.model.Signal;
import dev.shopstream.model.Trending;
import dev.shopstream.model.UserHistory;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A recommendation method as the protocols see it: trained once on a training log (in time order), then asked
 * for a user's recommendations (from the user's own training history) or for the next item after a sequence of
 * interactions (a session prefix).
 */
public interface Method {
  /** Name in the results table. */
  String name();

  /**
   * The user's best {@code limit} items, best first, none in {@code exclude}, asked at {@code now} (the request
   * time: how long since the user's newest interaction).
   */
  List<Recommendation> forUser(String user, Instant now, int limit, Set<String> exclude);

  /**
   * The best {@code limit} items after {@code recent} (in time order, the newest last), none in {@code exclude},
   * asked at {@code now}.
   */
  List<Recommendation> forItems(List<Interaction> recent, Instant now, int limit, Set<String> exclude);

  /** How to build a method from a training log. */
  interface Spec {
    String name();

    /**
     * Equal keys (not null) train into the same rankings: a protocol scores such a method once and reports the
     * figures under both names (a row that adds a weight of 0 costs nothing). Null: always scored.
     */
    default Object key() {
      return null;
    }

    Method train(List<UserInteraction> trainingInTimeOrder);
  }

  /**
   * The project's model: the training log is replayed through {@link CoOccurrenceModel#observe} (what the pipeline
   * does per event), and recommendations are what serving ranks by ({@link ExplainedRecommendations#scoreForUser}):
   * the co-occurrence scores over the user's recent items as the model kept them ({@link CoOccurrenceModel#user}),
   * as of the newest of them, blended (when {@code config.trendWeight() > 0}) with trending over the last
   * {@code trendingWindow} of the training log, as serving blends with the {@code product_trends} of its last
   * {@code TRENDING_WINDOW}. A session prefix is first folded into a fresh {@link UserHistory}, so it is bounded
   * exactly as a user's history is.
   */
  static Spec model(String name, ModelConfig config, Duration trendingWindow) {
    return model(name, config, trendingWindow, FactorConfig.defaults());
  }

  /**
   * {@link #model(String, ModelConfig, Duration)}; when {@code config.factorWeight() > 0} a {@link FactorModel}
   * ({@code factors}) is trained online in the same replay (each interaction after the user's history before it)
   * and blended with weight φ ({@link ExplainedRecommendations#scoreForUser(dev.shopstream.model.Recommender,
   * java.util.Collection, Instant, int, Set, Trending, Trending, FactorModel.Scores)}).
   */
  static Spec model(String name, ModelConfig config, Duration trendingWindow, FactorConfig factorConfig) {
    return new Spec() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public Object key() {
        return config.factorWeight() > 0 ? List.of(config, trendingWindow, factorConfig)
            : List.of(config, trendingWindow);
      }

      @Override
      public Method train(List<UserInteraction> training) {
        CoOccurrenceModel model = new CoOccurrenceModel(config);
        FactorTraining learning = config.factorWeight() > 0
            ? new FactorTraining(factorConfig, config, training.size(), name) : null;
        for (UserInteraction ui : training) {
          if (learning != null) {
            learning.observe(model.user(ui.user()).recent(), ui.interaction());
          }
          model.observe(ui.user(), ui.interaction());
        }
        FactorModel factors = learning == null ? null : learning.done();
        Trending trending = config.trendWeight() > 0 ? trending(training, trendingWindow, config) : Trending.none();
        Trending popular = config.popularityWeight() > 0 ? popular(training, config) : Trending.none();
        Trained lists = new Trained(model); // the trained lists, computed once per item (they no longer change)
        return new Method() {
          @Override
          public String name() {
            return name;
          }

          @Override
          public List<Recommendation> forUser(String user, Instant now, int limit, Set<String> exclude) {
            List<Interaction> recent = model.user(user).recent();
            return ExplainedRecommendations.scoreForUser(lists, recent, now, limit, exclude, trending, popular,
                factors == null ? null : factors.scores(recent));
          }

          @Override
          public List<Recommendation> forItems(List<Interaction> recent, Instant now, int limit,
              Set<String> exclude) {
            UserHistory history = new UserHistory();
            recent.forEach(i -> history.observe(i, config));
            List<Interaction> items = history.recent();
            return ExplainedRecommendations.scoreForUser(lists, items, now, limit, exclude, trending, popular,
                factors == null ? null : factors.scores(items));
          }
        };
      }
    };
  }

  /**
   * The learned factors alone ({@link FactorModel#recommend}): trained online in one pass over the training log in
   * time order, each interaction after the user's recent items ({@link UserHistory} under {@code histories}'
   * horizon and bound, the recommender's); a user (or a session prefix) is ranked by the mean of their recent
   * items' embeddings.
   */
  static Spec factors(String name, FactorConfig factorConfig, ModelConfig histories) {
    return new Spec() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public Object key() {
        return List.of("factors", factorConfig, histories);
      }

      @Override
      public Method train(List<UserInteraction> training) {
        Map<String, UserHistory> users = new HashMap<>();
        FactorTraining learning = new FactorTraining(factorConfig, histories, training.size(), name);
        for (UserInteraction ui : training) {
          UserHistory h = users.computeIfAbsent(ui.user(), u -> new UserHistory());
          learning.observe(h.recent(), ui.interaction());
          h.observe(ui.interaction(), histories);
        }
        FactorModel factors = learning.done();
        return new Method() {
          @Override
          public String name() {
            return name;
          }

          @Override
          public List<Recommendation> forUser(String user, Instant now, int limit, Set<String> exclude) {
            UserHistory h = users.get(user);
            return factors.recommend(h == null ? List.of() : h.recent(), limit, exclude);
          }

          @Override
          public List<Recommendation> forItems(List<Interaction> recent, Instant now, int limit,
              Set<String> exclude) {
            UserHistory history = new UserHistory();
            recent.forEach(i -> history.observe(i, histories));
            return factors.recommend(history.recent(), limit, exclude);
          }
        };
      }
    };
  }

  /** Which items the bought-together endpoints are asked about. */
  enum ItemsAsked {
    /** {@code POST /cart/recommendations}: every item so far (the user's recent items, or the session so far). */
    CART("cart endpoint (bought together with the items so far"),
    /** {@code GET /products/{id}/bought-together}: the newest item only, the product page being looked at. */
    PRODUCT("product endpoint (bought together with the last item");

    private final String label;

    ItemsAsked(String label) {
      this.label = label;
    }
  }

  /**
   * The recommendation endpoints of given items, as serving ranks them ({@link ExplainedRecommendations#forItems}
   * with {@link ExplainedRecommendations#boughtTogetherWeights}), one spec per {@code itemNextWeights} value ν
   * (the weight of the {@code next} neighbours), for a cart of the items so far or for the last item alone. No
   * trending fill: the endpoints' own ranking is what is measured. The specs share one model, trained once per
   * training log (ν changes the ranking only, not the training).
   */
  static List<Spec> itemEndpoints(ItemsAsked asked, ModelConfig config, List<Double> itemNextWeights) {
    return itemEndpoints(List.of(asked), config, itemNextWeights, List.of(config.cartRecencyOrder()));
  }

  /**
   * {@link #itemEndpoints(ItemsAsked, ModelConfig, List)} for each of {@code asked}, all on one trained model; the
   * cart's rows once per {@code cartRecencyOrders} value too (the weight of the cart's items by their order,
   * {@link ModelConfig#cartRecencyOrder}; a product page has one item, so it does not apply there).
   */
  static List<Spec> itemEndpoints(List<ItemsAsked> askedOf, ModelConfig config, List<Double> itemNextWeights,
      List<Double> cartRecencyOrders) {
    ModelConfig trainedAs = config.toBuilder().itemNextWeight(0).cartRecencyOrder(0).build();
    Map<List<UserInteraction>, Trained> trained = new IdentityHashMap<>();
    List<Spec> specs = new ArrayList<>();
    for (ItemsAsked asked : askedOf) {
      for (double nu : itemNextWeights) {
        for (double rho : asked == ItemsAsked.CART ? cartRecencyOrders : List.of(0.0)) {
          specs.add(itemEndpoint(asked, trainedAs, nu, rho, trained));
        }
      }
    }
    return specs;
  }

  private static String number(double x) {
    return x == Math.rint(x) ? String.valueOf((long) x) : String.valueOf(x);
  }

  private static Spec itemEndpoint(ItemsAsked asked, ModelConfig trainedAs, double nu, double rho,
      Map<List<UserInteraction>, Trained> trained) {
    ModelConfig scoring = trainedAs.toBuilder().itemNextWeight(nu).cartRecencyOrder(rho).build();
    String name = asked.label + ", next ×" + number(nu) + (rho != 0 ? ", order " + number(rho) : "") + ")";
    return new Spec() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public Method train(List<UserInteraction> training) {
        Trained model;
        synchronized (trained) {
          model = trained.computeIfAbsent(training, t -> {
            CoOccurrenceModel m = new CoOccurrenceModel(trainedAs);
            t.forEach(ui -> m.observe(ui.user(), ui.interaction()));
            return new Trained(m);
          });
        }
        Map<Signal, Double> weights = ExplainedRecommendations.boughtTogetherWeights(scoring);
        return new Method() {
          @Override
          public String name() {
            return name;
          }

          @Override
          public List<Recommendation> forUser(String user, Instant now, int limit, Set<String> exclude) {
            List<Interaction> recent = new ArrayList<>(model.model.user(user).recent());
            recent.sort(Comparator.comparing(Interaction::time));
            return forItems(recent, now, limit, exclude);
          }

          @Override
          public List<Recommendation> forItems(List<Interaction> recent, Instant now, int limit,
              Set<String> exclude) {
            if (recent.isEmpty()) {
              return List.of();
            }
            List<String> items = asked == ItemsAsked.PRODUCT ? List.of(recent.get(recent.size() - 1).productId())
                : recent.stream().map(Interaction::productId).toList(); // an item counts once, at its last place
            List<Recommendation> out = new ArrayList<>();
            for (ExplainedRecommendations.Explained e : ExplainedRecommendations.forItems(model, items, weights,
                scoring.cartRecencyOrder(), limit, exclude)) {
              out.add(new Recommendation(e.productId(), e.score()));
            }
            return out;
          }
        };
      }
    };
  }

  /**
   * A trained model whose neighbour lists are computed once per item, signal and length (the model scores its
   * candidates at every call; the lists do not change after training): the same lists, asked thousands of times
   * by the trials of a protocol.
   */
  final class Trained implements Recommender {
    private final CoOccurrenceModel model;
    private final Map<String, List<Neighbor>> lists = new ConcurrentHashMap<>();

    Trained(CoOccurrenceModel model) {
      this.model = model;
    }

    @Override
    public ModelConfig config() {
      return model.config();
    }

    @Override
    public List<Neighbor> neighbors(String itemId, int k, Signal signal) {
      return lists.computeIfAbsent(itemId + '\u0000' + signal.ordinal() + '\u0000' + k,
          key -> model.neighbors(itemId, k, signal));
    }
  }

  /**
   * Trending at the end of training, as serving's trending list: the items with the most event-type-weighted
   * interactions ({@code weights}' weights) in the last {@code window} of the training log, the same list for
   * everyone, minus {@code exclude}.
   */
  static Spec trending(Duration window, ModelConfig weights) {
    return new Spec() {
      @Override
      public String name() {
        return "trending (last " + describe(window) + ")";
      }

      @Override
      public Method train(List<UserInteraction> training) {
        return sameForEveryone(name(), Method.trending(training, window, weights).ranked());
      }
    };
  }

  /** Trending as of the newest training interaction, over its last {@code window}. */
  static Trending trending(List<UserInteraction> trainingInTimeOrder, Duration window, ModelConfig weights) {
    if (trainingInTimeOrder.isEmpty()) {
      return Trending.none();
    }
    Instant asOf = trainingInTimeOrder.get(trainingInTimeOrder.size() - 1).interaction().time();
    List<Interaction> interactions = new ArrayList<>(trainingInTimeOrder.size());
    trainingInTimeOrder.forEach(ui -> interactions.add(ui.interaction()));
    return Trending.fromInteractions(interactions, asOf, window, weights);
  }

  /**
   * The popularity prior's list, as serving's: each product's event-type-weighted count of interactions over the
   * last {@link ModelConfig#popularityWindow()} of the training log.
   */
  static Trending popular(List<UserInteraction> trainingInTimeOrder, ModelConfig config) {
    return trending(trainingInTimeOrder, config.popularityWindow(), config);
  }

  /** "7 days", "36 hours", or the ISO-8601 form. */
  static String describe(Duration d) {
    if (d.toSeconds() % 86_400 == 0) {
      return d.toDays() + (d.toDays() == 1 ? " day" : " days");
    }
    return d.toSeconds() % 3600 == 0 ? d.toHours() + " hours" : d.toString();
  }

  /** A method that answers everyone, for any history, with the same ranking minus their exclusions. */
  private static Method sameForEveryone(String name, List<Recommendation> ranked) {
    return new Method() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public List<Recommendation> forUser(String user, Instant now, int limit, Set<String> exclude) {
        return first(ranked, limit, exclude);
      }

      @Override
      public List<Recommendation> forItems(List<Interaction> recent, Instant now, int limit, Set<String> exclude) {
        return first(ranked, limit, exclude);
      }
    };
  }

  private static List<Recommendation> first(List<Recommendation> ranked, int limit, Set<String> exclude) {
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
        return sameForEveryone("popularity", ranked);
      }
    };
  }

  /**
   * The first-order Markov baseline of the sequential literature: the next-item transition counts alone. Training
   * counts, per user in time order, each interaction following another (of a different item): {@code c(a → b)}.
   * A user's (or session's) last item {@code a} ranks the items by {@code c(a → ·)}, ties by id; nothing else
   * (no similarity, no decay, no popularity).
   */
  static Spec markov() {
    return new Spec() {
      @Override
      public String name() {
        return "first-order Markov (transition counts)";
      }

      @Override
      public Method train(List<UserInteraction> training) {
        Map<String, Map<String, Double>> transitions = new HashMap<>();
        Map<String, String> last = new HashMap<>();
        for (UserInteraction ui : training) {
          String previous = last.put(ui.user(), ui.item());
          if (previous != null && !previous.equals(ui.item())) {
            transitions.computeIfAbsent(previous, p -> new HashMap<>()).merge(ui.item(), 1.0, Double::sum);
          }
        }
        return new Method() {
          @Override
          public String name() {
            return "first-order Markov (transition counts)";
          }

          @Override
          public List<Recommendation> forUser(String user, Instant now, int limit, Set<String> exclude) {
            return after(last.get(user), limit, exclude);
          }

          @Override
          public List<Recommendation> forItems(List<Interaction> recent, Instant now, int limit,
              Set<String> exclude) {
            return recent.isEmpty() ? List.of() : after(recent.get(recent.size() - 1).productId(), limit, exclude);
          }

          private List<Recommendation> after(String item, int limit, Set<String> exclude) {
            Map<String, Double> next = item == null ? null : transitions.get(item);
            if (next == null) {
              return List.of();
            }
            List<Recommendation> ranked = new ArrayList<>(next.size());
            next.forEach((id, n) -> {
              if (!exclude.contains(id)) {
                ranked.add(new Recommendation(id, n));
              }
            });
            ranked.sort(Comparator.comparingDouble(Recommendation::score).reversed()
                .thenComparing(Recommendation::productId));
            return ranked.size() <= limit ? ranked : ranked.subList(0, limit);
          }
        };
      }
    };
  }
}
