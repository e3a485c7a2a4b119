package dev.shopstream.evaluation;

import dev.shopstream.contract.EventType;
import dev.shopstream.contract.logging.CloudLogging;
import dev.shopstream.datagen.Options;
import dev.shopstream.model.ModelConfig;
import dev.shopstream.model.Trending;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.logging.Logger;

/**
 * The {@code evaluate} command: reads a log, runs one protocol for popularity, item-kNN and the recommender (the
 * defaults, and with {@code --tune} the tuned config too) in the same run, and prints a markdown table. Exit
 * status 0 on success, 1 when the evaluation failed, 2 on a usage error or a missing input file.
 */
public final class EvaluateCommand {
  private static final Logger LOG = Logger.getLogger(EvaluateCommand.class.getName());
  static final Path DEFAULT_ONLINE_RETAIL = Path.of("../shared/datasets/online-retail/online_retail.csv.gz");

  static final String HELP = """
      Usage: java -jar evaluation/target/evaluate.jar [options]

      Replays an interaction log through the project's model (the code the pipeline and serving run) and prints
      HR@k, NDCG@k, MRR@k and catalog coverage for popularity, trending (the last --trending-window of
      training), a first-order Markov chain (transition counts from the last item), item-kNN
      (ModelConfig.itemKnnBaseline()) and the recommender (ModelConfig.defaults(): co-occurrence, the next
      signal and trending fading mid-session; also part by part: co-occurrence only, + the next signal, + the
      popularity prior; with --tune also the config tuned on a validation split carved from the training part),
      and item-kNN with the recommender's user horizon, items per user and neighbours per item (the same user
      history: what the weighting and similarity add).
      Progress is logged as JSON lines on stderr; the table goes to stdout.

      Input (one of):
        --online-retail=PATH    the UCI Online Retail CSV; the default input, read from (relative to the
                                project root) ../shared/datasets/online-retail/online_retail.csv.gz
        --input=PATH            a CSV of user,item,timestamp[,event_type] (header optional, gzip or plain;
                                timestamp ISO-8601 or epoch seconds/millis; no event_type: every row a purchase)

      Protocol:
        --protocol=NAME         time-split (a, default): predict each customer's later baskets (items new to
                                  them) from earlier ones, full ranking over all items
                                leave-last-out (b): each user's last new item ranked among sampled negatives
                                session (c): next item in a session, from the session so far
        --k=N                   metric cut-off (default 10; 20 for session)
        --test-fraction=F       newest fraction of interactions (a) or sessions (c) held out (default 0.1)
        --negatives=N           sampled negatives per user for leave-last-out (default 100)
        --session-gap=DURATION  inactivity that ends a session: 30m, 2h or PT30M (default 30m)
        --target=TYPE           event type that counts as a hit in (a) and (b) (default purchase)
        --seed=N                seed of the negative sampling (default 42)
        --trending-window=D     trending = the last D of the training log (default 7d, serving's
                                TRENDING_WINDOW): the trending baseline and the recommender's blend

      Tuning:
        --tune                  tune similarity, pair weight, half-life, user horizon, items per user,
                                neighbours per item, trend weight and event-type weights (types in the log) by
                                coordinate descent on the validation split; report the chosen values
        --passes=N              coordinate-descent passes at most (default 2)
        --tune-params=A,B       tune only these parameters (the others keep their defaults): user_horizon,
                                half_life, similarity, pair_weight, max_items_per_user, max_neighbors_per_item,
                                session_gap, trend_weight, next_weight, next_steps, recency_order,
                                popularity_weight, view_weight, add_to_cart_weight

      Rows:
        --rows="A;B"            only the rows whose name starts with one of these (e.g. "first-order;item-kNN"):
                                a long run split over several processes; the rows' figures are the same
      """;

  private EvaluateCommand() {}

  public static void main(String[] args) {
    CloudLogging.install();
    System.exit(run(args, System.out, System.err));
  }

  private static final Set<String> FLAGS = Set.of("help", "tune");
  private static final Set<String> VALUED = Set.of("input", "online-retail", "protocol", "k", "test-fraction",
      "negatives", "session-gap", "target", "seed", "passes", "trending-window", "tune-params", "rows");

  /** Runs the command; returns the exit status. */
  static int run(String[] args, PrintStream out, PrintStream err) {
    try {
      Options options = Options.parse(args, VALUED, FLAGS);
      if (options.flag("help")) {
        out.print(HELP);
        return 0;
      }
      if (options.has("input") && options.has("online-retail")) {
        throw new Options.UsageException("give --input or --online-retail, not both");
      }
      Protocol protocol = protocol(options);
      EventType target = target(options);
      boolean onlineRetail = !options.has("input");
      Path input = Path.of(onlineRetail ? options.string("online-retail", DEFAULT_ONLINE_RETAIL.toString())
          : options.string("input", null));
      if (!Files.isRegularFile(input)) {
        err.println("evaluate: input file not found: " + input.toAbsolutePath().normalize()
            + (onlineRetail ? " (the Online Retail data set is not part of the repository; it is read from"
                + " ../shared/datasets/online-retail/ next to the project root, or give --online-retail=PATH,"
                + " or --input=PATH for a CSV of user,item,timestamp[,event_type])" : ""));
        return 2;
      }
      long start = System.nanoTime();
      InteractionLogs.Loaded loaded = onlineRetail ? InteractionLogs.onlineRetail(input) : InteractionLogs.csv(input);
      LOG.info(String.format("%s: %,d rows read, %,d interactions used, skipped %s", input, loaded.rowsRead(),
          loaded.log().size(), loaded.skipped()));

      Duration window = options.duration("trending-window", Trending.DEFAULT_WINDOW);
      if (window.isNegative() || window.isZero()) {
        throw new Options.UsageException("--trending-window must be positive, was " + window);
      }
      List<Method.Spec> methods = new ArrayList<>();
      methods.add(Method.popularity(target));
      methods.add(Method.trending(window, ModelConfig.defaults()));
      methods.add(Method.markov());
      methods.add(Method.model("item-kNN", ModelConfig.itemKnnBaseline(), window));
      Tuner.Result tuned = null;
      ModelConfig recommender = ModelConfig.defaults();
      if (options.flag("tune")) {
        int passes = options.intValue("passes", 2, 1, 10);
        Set<String> only = new java.util.LinkedHashSet<>();
        for (String name : options.string("tune-params", "").split(",")) {
          if (!name.isBlank()) {
            only.add(name.trim());
          }
        }
        tuned = new Tuner(protocol, passes, window, only).tune(protocol.trainingPart(loaded.log()),
            ModelConfig.defaults());
        recommender = tuned.best().config();
      }
      // item-kNN seeing the same user history as the recommender: isolates what weighting and similarity add
      methods.add(Method.model("item-kNN (recommender's history)", ModelConfig.itemKnnBaseline()
          .withUserHorizon(recommender.userHorizon()).withMaxItemsPerUser(recommender.maxItemsPerUser())
          .withMaxNeighborsPerItem(recommender.maxNeighborsPerItem()), window));
      // the defaults part by part: the user's own history, + order (next signal, recency order), + the prior
      ModelConfig defaults = ModelConfig.defaults();
      ModelConfig coOccurrence = coOccurrenceOnly(defaults);
      ModelConfig sequenceAware = coOccurrence.withNextWeight(defaults.nextWeight())
          .withRecencyOrder(defaults.recencyOrder());
      methods.add(Method.model("recommender (defaults, co-occurrence only)", coOccurrence, window));
      methods.add(Method.model("recommender (defaults, sequence-aware: + next, recency order)", sequenceAware,
          window));
      methods.add(Method.model("recommender (defaults, sequence-aware + popularity prior)",
          sequenceAware.withPopularityWeight(defaults.popularityWeight()), window));
      methods.add(Method.model("recommender (defaults)", defaults, window));
      if (tuned != null) {
        methods.add(Method.model("recommender (tuned)", recommender, window));
      }
      if (options.has("rows")) { // a long run split over processes: only the rows named (their names' starts)
        List<String> wanted = List.of(options.string("rows", "").split(";"));
        methods.removeIf(m -> wanted.stream().noneMatch(w -> !w.isBlank() && m.name().startsWith(w.trim())));
        if (methods.isEmpty()) {
          throw new Options.UsageException("--rows matches no row: " + wanted);
        }
      }
      Protocol.Report report = protocol.evaluate(loaded.log(), methods);
      print(out, input, loaded, report, tuned, (System.nanoTime() - start) / 1e9, args);
      return 0;
    } catch (Options.UsageException | IllegalArgumentException e) {
      err.println("evaluate: " + e.getMessage() + " (see --help)");
      return 2;
    } catch (IOException | RuntimeException e) {
      err.println("evaluate: failed: " + e);
      return 1;
    }
  }

  /** The config's co-occurrence alone: no trending, no next signal, no recency order, no popularity prior. */
  static ModelConfig coOccurrenceOnly(ModelConfig c) {
    return c.withTrendWeight(0).withNextWeight(0).withRecencyOrder(0).withPopularityWeight(0);
  }

  static Protocol protocol(Options o) {
    double testFraction = o.doubleValue("test-fraction", 0.1, 0.001, 0.999);
    String name = o.string("protocol", "time-split");
    return switch (name) {
      case "time-split", "a" -> new TimeSplitProtocol(testFraction, target(o), o.intValue("k", 10, 1, 1000));
      case "leave-last-out", "b" -> new LeaveLastOutProtocol(o.intValue("negatives", 100, 1, 1_000_000),
          o.longValue("seed", 42, Long.MIN_VALUE, Long.MAX_VALUE), target(o), o.intValue("k", 10, 1, 1000));
      case "session", "c" -> new SessionProtocol(o.duration("session-gap", Duration.ofMinutes(30)), testFraction,
          o.intValue("k", 20, 1, 1000));
      default -> throw new Options.UsageException("unknown protocol: " + name
          + " (time-split, leave-last-out or session)");
    };
  }

  private static EventType target(Options o) {
    String name = o.string("target", "purchase");
    try {
      return EventType.fromWireName(name);
    } catch (IllegalArgumentException e) {
      throw new Options.UsageException("--target must be an event type (view, add_to_cart, purchase, ...), was "
          + name);
    }
  }

  static void print(PrintStream out, Path input, InteractionLogs.Loaded loaded, Protocol.Report r,
      Tuner.Result tuned, double seconds, String[] args) {
    int k = r.k();
    long skipped = loaded.skipped().values().stream().mapToLong(Long::longValue).sum();
    out.printf("input: %s (%,d rows, %,d interactions used, %,d rows skipped: %s)%n", input, loaded.rowsRead(),
        loaded.log().size(), skipped, loaded.skipped());
    out.printf("protocol: %s, k=%d: %,d training interactions, %,d catalog items, %,d trials%n", r.protocol(), k,
        r.trainingInteractions(), r.catalogSize(), r.trials());
    out.printf("command: java -jar evaluation/target/evaluate.jar %s%n%n", String.join(" ", args));
    out.printf("| method | HR@%d | NDCG@%d | MRR@%d | coverage | seconds |%n", k, k, k);
    out.println("|---|---|---|---|---|---|");
    r.metrics().forEach((name, m) -> out.printf("| %s | %.4f | %.4f | %.4f | %.4f (%,d items) | %.1f |%n", name,
        m.hitRate(), m.ndcg(), m.mrr(), m.coverage(r.catalogSize()), m.distinctRecommended(),
        r.seconds().get(name)));
    if (tuned != null) {
      out.printf("%ntuned (validation HR@%d=%.4f, NDCG@%d=%.4f over %d configs): %s%n", k, tuned.best().hitRate(), k,
          tuned.best().ndcg(), tuned.trials().size(), Tuner.describe(tuned.best().config()));
    }
    out.printf("defaults: %s%n", Tuner.describe(ModelConfig.defaults()));
    out.printf("item-kNN: %s%n", Tuner.describe(ModelConfig.itemKnnBaseline()));
    out.printf("%ntotal run time %.1f s%n", seconds);
  }
}
