package dev.shopstream.evaluation;

import dev.shopstream.contract.EventType;
import dev.shopstream.contract.logging.CloudLogging;
import dev.shopstream.model.FactorConfig;
import dev.shopstream.model.ModelConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Logger;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * The {@code evaluate} command: reads a log, runs one protocol for popularity, item-kNN and the recommender (the
 * defaults, and with {@code --tune} the tuned config too) in the same run, and prints a markdown table. Exit
 * status 0 on success, 1 when the evaluation failed, 2 on a usage error or a missing input file.
 */
public final class EvaluateCommand {
  private static final Logger LOG = Logger.getLogger(EvaluateCommand.class.getName());
  static final Path DEFAULT_ONLINE_RETAIL = Path.of("../shared/datasets/online-retail/online_retail.csv.gz");

  static final String COMMAND = "java -jar evaluation/target/evaluate.jar";
  static final String FACTORS_ROW = "learned factors (online BPR)";

  /** The options, declared for picocli: {@code --name=value} and {@code --name value} alike. */
  @Command(name = COMMAND, sortOptions = false, usageHelpWidth = 116, separator = "=",
      description = {
          "Replays an interaction log through the project's model (the code the pipeline and serving run) and prints",
          "HR@k, NDCG@k, MRR@k and catalog coverage for popularity, trending (the last --trending-window of",
          "training), a first-order Markov chain (transition counts from the last item), item-kNN",
          "(ModelConfig.itemKnnBaseline()) and the recommender (ModelConfig.defaults(): co-occurrence, the next",
          "signal and trending fading mid-session; also part by part: co-occurrence only, + the next signal, + the",
          "popularity prior; with --tune also the config tuned on a validation split carved from the training part),",
          "and item-kNN with the recommender's user horizon, items per user and neighbours per item; the learned",
          "factors alone (an item-based factor model trained online by BPR) and, with --factor-weight, blended.",
          "Progress is logged as JSON lines on stderr; the table goes to stdout; with --report also an HTML report",
          "and report.json. Exit status: 0 done, 1 the evaluation failed, 2 a usage error or a missing input file.",
          "Durations: 30s, 30m, 2h, 7d or ISO-8601 (PT30S, P7D).",
          ""})
  static final class Options {
    @Option(names = "--help", usageHelp = true, description = "print this usage and exit")
    boolean help;

    @Option(names = "--online-retail", paramLabel = "PATH", description = {"the UCI Online Retail CSV; the default "
        + "input, read from (relative to the project root) ../shared/datasets/online-retail/online_retail.csv.gz"})
    Path onlineRetail;

    @Option(names = "--input", paramLabel = "PATH", description = {"a CSV of user,item,timestamp[,event_type] "
        + "(header optional, gzip or plain; timestamp ISO-8601 or epoch seconds/millis; no event_type: every row a "
        + "purchase)"})
    Path input;

    @Option(names = "--protocol", paramLabel = "NAME", defaultValue = "time-split", description = {
        "time-split (a, default): predict each customer's later baskets (items new to them) from earlier ones, "
            + "full ranking over all items;",
        "leave-last-out (b): each user's last new item ranked among sampled negatives;",
        "session (c): next item in a session, from the session so far"})
    String protocol;

    @Option(names = "--k", paramLabel = "N", description = "metric cut-off (default 10; 20 for session)")
    Integer k;

    @Option(names = "--test-fraction", paramLabel = "F", defaultValue = "0.1",
        description = "newest fraction of interactions (a) or sessions (c) held out (default 0.1)")
    double testFraction;

    @Option(names = "--negatives", paramLabel = "N", defaultValue = "100",
        description = "sampled negatives per user for leave-last-out (default 100)")
    int negatives;

    @Option(names = "--session-gap", paramLabel = "DURATION", defaultValue = "30m",
        description = "inactivity that ends a session (default 30m)")
    Duration sessionGap;

    @Option(names = "--target", paramLabel = "TYPE", defaultValue = "purchase",
        description = "event type that counts as a hit in (a) and (b) (default purchase)")
    String target;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "42",
        description = "seed of the negative sampling (default 42)")
    long seed;

    @Option(names = "--trending-window", paramLabel = "DURATION", defaultValue = "7d", description = {"trending = "
        + "the last DURATION of the training log (default 7d, serving's TRENDING_WINDOW): the trending baseline "
        + "and the recommender's blend"})
    Duration trendingWindow;

    @Option(names = "--tune", arity = "0..1", fallbackValue = "true", paramLabel = "true|false", description = {
        "tune similarity, pair weight, half-life, user horizon, items per user, neighbours per item, trend "
            + "weight and event-type weights (types in the log) by coordinate descent on the validation split; "
            + "report the chosen values"})
    boolean tune;

    @Option(names = "--passes", paramLabel = "N", defaultValue = "2",
        description = "coordinate-descent passes at most (default 2)")
    int passes;

    @Option(names = "--tune-params", paramLabel = "A,B", defaultValue = "", description = {"tune only these "
        + "parameters (the others keep their defaults): user_horizon, half_life, similarity, pair_weight, "
        + "max_items_per_user, max_neighbors_per_item, session_gap, trend_weight, next_weight, next_steps, "
        + "recency_order, popularity_weight, factor_weight, view_weight, add_to_cart_weight"})
    String tuneParams;

    @Option(names = "--rows", paramLabel = "\"A;B\"", description = {"only the rows whose name starts with one of "
        + "these (e.g. \"first-order;item-kNN\"): a long run split over several processes; the rows' figures are "
        + "the same"})
    String rows;

    @Option(names = "--item-next-weights", paramLabel = "N,N", split = ",", description = {"the weights ν of the "
        + "next signal for which the cart and product endpoints' rows are scored (default 0 and the default ν)"})
    List<Double> itemNextWeights;

    @Option(names = "--cart-recency-orders", paramLabel = "R,R", split = ",", description = {"the orders ρ_cart "
        + "(a cart's items weigh (1 + places before the last)^-ρ_cart) for which the cart endpoint's rows are scored "
        + "(default the default ρ_cart)"})
    List<Double> cartRecencyOrders;

    @Option(names = "--session-recency-orders", paramLabel = "R[,R...]", split = ",", description = {"also the rows "
        + "\"recommender (defaults, session order ρ_session = R)\": the defaults with a user's recent items weighed "
        + "(1 + position)^-R while they are mid-session, one row per R (default none)"})
    List<Double> sessionRecencyOrders = new ArrayList<>();


    @Option(names = "--factor-weight", paramLabel = "W[,W...]", split = ",", description = {"also the rows "
        + "\"recommender (defaults + learned factors, φ = W)\": the defaults with the learned factors blended at "
        + "weight W, one row per W (default none)"})
    List<Double> factorWeights = new ArrayList<>();

    @Option(names = "--factor-dimensions", paramLabel = "N", defaultValue = "32",
        description = "learned factors: embedding size (default 32)")
    int factorDimensions;

    @Option(names = "--factor-learning-rate", paramLabel = "F", defaultValue = "0.05",
        description = "learned factors: SGD learning rate (default 0.05)")
    double factorLearningRate;

    @Option(names = "--factor-regularization", paramLabel = "F", defaultValue = "0.01",
        description = "learned factors: L2 regularization (default 0.01)")
    double factorRegularization;

    @Option(names = "--factor-negatives", paramLabel = "N", defaultValue = "10",
        description = "learned factors: sampled negatives per positive (default 10)")
    int factorNegatives;

    @Option(names = "--factor-replay-steps", paramLabel = "N", description = "learned factors: steps replayed from "
        + "the reservoir per interaction (RMFX; default FactorConfig's)")
    int factorReplaySteps = FactorConfig.defaults().replaySteps();

    @Option(names = "--factor-reservoir", paramLabel = "N", description = "learned factors: past steps the replay "
        + "reservoir keeps (default FactorConfig's)")
    int factorReservoir = FactorConfig.defaults().reservoirSize();

    @Option(names = "--factor-reservoir-sampling", paramLabel = "UNIFORM|RECENT", description = "learned factors: "
        + "the replay reservoir's sampling, UNIFORM (Vitter's R) or RECENT (Aggarwal's exponential bias)")
    FactorConfig.Sampling factorSampling = FactorConfig.defaults().sampling();

    @Option(names = "--validation", arity = "0..1", fallbackValue = "true", paramLabel = "true|false", description = {
        "score the rows on the validation split (the protocol applied to its own training part, as --tune does) "
            + "instead of the test split"})
    boolean validation;

    @Option(names = "--report", paramLabel = "DIR", description = {"also write DIR/report.html (plots of HR@k and "
        + "NDCG@k by k, coverage, the tuning trace, the protocol, split, data set, date and command) and "
        + "DIR/report.json (the same figures); DIR is created. The local stack's console shows the newest report "
        + "under data/reports/"})
    Path report;
  }

  private EvaluateCommand() {}

  public static void main(String[] args) {
    CloudLogging.install();
    System.exit(run(args, System.out, System.err));
  }

  /** The parser of {@link Options}, its output to {@code out} and {@code err}. */
  static CommandLine commandLine(Options options, PrintStream out, PrintStream err) {
    CommandLine cl = new CommandLine(options);
    cl.registerConverter(Duration.class, new Durations());
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    return cl;
  }

  /** Runs the command; returns the exit status. */
  static int run(String[] args, PrintStream out, PrintStream err) {
    Options o = new Options();
    CommandLine cl = commandLine(o, out, err);
    try {
      cl.parseArgs(args);
      if (cl.isUsageHelpRequested()) {
        cl.usage(out);
        return 0;
      }
      if (o.input != null && o.onlineRetail != null) {
        throw new ParameterException(cl, "give --input or --online-retail, not both");
      }
      Protocol protocol = protocol(cl, o);
      EventType target = target(cl, o);
      Duration window = o.trendingWindow;
      if (window.isNegative() || window.isZero()) {
        throw invalid(cl, "--trending-window", o.trendingWindow.toString(), "must be positive");
      }
      check(cl, "--passes", o.passes, 1, 10);
      for (double w : o.factorWeights) {
        check(cl, "--factor-weight", w, 0, 1000);
      }
      check(cl, "--factor-dimensions", o.factorDimensions, 1, 1024);
      check(cl, "--factor-learning-rate", o.factorLearningRate, 0, 10);
      check(cl, "--factor-regularization", o.factorRegularization, 0, 10);
      check(cl, "--factor-negatives", o.factorNegatives, 1, 1000);
      check(cl, "--factor-replay-steps", o.factorReplaySteps, 0, 100);
      check(cl, "--factor-reservoir", o.factorReservoir, 1, 100_000_000);
      FactorConfig factors = FactorConfig.defaults().withDimensions(o.factorDimensions)
          .withLearningRate(o.factorLearningRate).withRegularization(o.factorRegularization)
          .withNegatives(o.factorNegatives).withReplaySteps(o.factorReplaySteps).withReservoirSize(o.factorReservoir)
          .withSampling(o.factorSampling);
      Set<String> only = new java.util.LinkedHashSet<>();
      for (String name : o.tuneParams.split(",")) {
        if (!name.isBlank()) {
          only.add(name.trim());
        }
      }
      Tuner tuner;
      try {
        tuner = o.tune ? new Tuner(protocol, o.passes, window, only) : null;
      } catch (IllegalArgumentException e) {
        throw invalid(cl, "--tune-params", o.tuneParams, e.getMessage());
      }
      boolean onlineRetail = o.input == null;
      Path input = onlineRetail ? (o.onlineRetail == null ? DEFAULT_ONLINE_RETAIL : o.onlineRetail) : o.input;
      if (!Files.isRegularFile(input)) {
        err.println("evaluate: input file not found: " + input.toAbsolutePath().normalize()
            + (onlineRetail ? " (the Online Retail data set is not part of the repository; it is read from"
                + " ../shared/datasets/online-retail/ next to the project root, or give --online-retail=PATH,"
                + " or --input=PATH for a CSV of user,item,timestamp[,event_type])" : ""));
        return 2;
      }
      long start = System.nanoTime();
      Instant startedAt = Instant.now();
      InteractionLogs.Loaded loaded = onlineRetail ? InteractionLogs.onlineRetail(input) : InteractionLogs.csv(input);
      LOG.info(String.format("%s: %,d rows read, %,d interactions used, skipped %s", input, loaded.rowsRead(),
          loaded.log().size(), loaded.skipped()));

      List<Method.Spec> methods = new ArrayList<>();
      methods.add(Method.popularity(target));
      methods.add(Method.trending(window, ModelConfig.defaults()));
      methods.add(Method.markov());
      methods.add(Method.model("item-kNN", ModelConfig.itemKnnBaseline(), window));
      Tuner.Result tuned = null;
      ModelConfig recommender = ModelConfig.defaults();
      if (tuner != null) {
        tuned = tuner.tune(protocol.trainingPart(loaded.log()), ModelConfig.defaults());
        recommender = tuned.best().config();
      }
      // item-kNN seeing the same user history as the recommender: isolates what weighting and similarity add
      methods.add(Method.model("item-kNN (recommender's history)", ModelConfig.itemKnnBaseline()
          .toBuilder().userHorizon(recommender.userHorizon()).maxItemsPerUser(recommender.maxItemsPerUser())
          .maxNeighborsPerItem(recommender.maxNeighborsPerItem()).build(), window));
      // the defaults part by part: the user's own history, + order (next signal, recency order), + the prior
      ModelConfig defaults = ModelConfig.defaults();
      ModelConfig coOccurrence = coOccurrenceOnly(defaults);
      ModelConfig sequenceAware = coOccurrence.toBuilder().nextWeight(defaults.nextWeight())
          .recencyOrder(defaults.recencyOrder()).build();
      methods.add(Method.model("recommender (defaults, co-occurrence only)", coOccurrence, window));
      methods.add(Method.model("recommender (defaults, sequence-aware: + next, recency order)", sequenceAware,
          window));
      methods.add(Method.model("recommender (defaults, sequence-aware + popularity prior)",
          sequenceAware.toBuilder().popularityWeight(defaults.popularityWeight()).build(), window));
      methods.add(Method.model("recommender (defaults)", defaults, window, factors));
      methods.add(Method.factors(FACTORS_ROW, factors, defaults));
      for (double w : o.factorWeights) {
        methods.add(Method.model("recommender (defaults + learned factors, φ = " + w + ")",
            defaults.toBuilder().factorWeight(w).build(), window, factors));
      }
      for (double r : o.sessionRecencyOrders) {
        check(cl, "--session-recency-orders", r, 0, 100);
        methods.add(Method.model("recommender (defaults, session order ρ_session = " + r + ")",
            defaults.toBuilder().sessionRecencyOrder(r).build(), window));
      }
      if (tuned != null) {
        methods.add(Method.model("recommender (tuned)", recommender, window));
      }
      List<Double> itemNext = o.itemNextWeights != null ? o.itemNextWeights
          : java.util.stream.Stream.of(0.0, defaults.itemNextWeight()).distinct().toList();
      for (double nu : itemNext) {
        check(cl, "--item-next-weights", nu, 0, 1000);
      }
      List<Double> cartOrders = o.cartRecencyOrders != null ? o.cartRecencyOrders
          : List.of(defaults.cartRecencyOrder());
      for (double rho : cartOrders) {
        check(cl, "--cart-recency-orders", rho, 0, 100);
      }
      methods.addAll(Method.itemEndpoints(List.of(Method.ItemsAsked.CART, Method.ItemsAsked.PRODUCT), defaults,
          itemNext, cartOrders));
      if (o.rows != null) { // a long run split over processes: only the rows named (their names' starts)
        List<String> wanted = List.of(o.rows.split(";"));
        methods.removeIf(m -> wanted.stream().noneMatch(w -> !w.isBlank() && m.name().startsWith(w.trim())));
        if (methods.isEmpty()) {
          throw invalid(cl, "--rows", o.rows, "matches no row");
        }
      }
      List<UserInteraction> scored = loaded.log();
      if (o.validation) {
        scored = protocol.trainingPart(scored);
        LOG.info(String.format("scoring on the validation split: the protocol on its training part (%,d of %,d "
            + "interactions)", scored.size(), loaded.log().size()));
      }
      Protocol.Report report = protocol.evaluate(scored, methods);
      double seconds = (System.nanoTime() - start) / 1e9;
      String command = commandLine(args);
      print(out, input, loaded, report, tuned, seconds, command);
      if (o.report != null) {
        EvaluationReport.Run run = new EvaluationReport.Run(command, startedAt, input, onlineRetail, loaded,
            protocol, settings(o, protocol, window), report, tuned, only, seconds);
        Path html = EvaluationReport.write(o.report, run);
        out.printf("report: %s%n", html.toAbsolutePath().normalize());
        LOG.info("evaluation report written: " + html.toAbsolutePath().normalize());
      }
      return 0;
    } catch (ParameterException e) {
      err.println("evaluate: " + e.getMessage());
      cl.usage(err);
      return 2;
    } catch (IllegalArgumentException e) { // the log cannot be split as the protocol asks
      err.println("evaluate: " + e.getMessage());
      return 2;
    } catch (IOException | RuntimeException e) {
      err.println("evaluate: failed: " + e);
      return 1;
    }
  }

  private static ParameterException invalid(CommandLine cl, String option, String value, String why) {
    return new ParameterException(cl, "Invalid value for option '" + option + "': '" + value + "' " + why);
  }

  private static void check(CommandLine cl, String option, double value, double min, double max) {
    if (!(value >= min && value <= max)) {
      throw invalid(cl, option, value == Math.rint(value) ? String.valueOf((long) value) : String.valueOf(value),
          "must be between " + (min == Math.rint(min) ? String.valueOf((long) min) : String.valueOf(min)) + " and "
              + (max == Math.rint(max) ? String.valueOf((long) max) : String.valueOf(max)));
    }
  }

  /** The protocol's settings as given (for the report). */
  private static Map<String, String> settings(Options o, Protocol protocol, Duration window) {
    Map<String, String> s = new LinkedHashMap<>();
    s.put("k", String.valueOf(protocol.k()));
    switch (protocol.name()) {
      case "time-split" -> {
        s.put("test_fraction", String.valueOf(o.testFraction));
        s.put("target", o.target);
      }
      case "leave-last-out" -> {
        s.put("negatives", String.valueOf(o.negatives));
        s.put("seed", String.valueOf(o.seed));
        s.put("target", o.target);
      }
      default -> {
        s.put("test_fraction", String.valueOf(o.testFraction));
        s.put("session_gap", o.sessionGap.toString());
      }
    }
    s.put("trending_window", window.toString());
    s.put("scored_on", o.validation ? "validation" : "test");
    return s;
  }

  /** The command that reproduces this run, each argument quoted for a POSIX shell when it needs it. */
  static String commandLine(String[] args) {
    StringBuilder b = new StringBuilder(COMMAND);
    for (String a : args) {
      b.append(' ').append(a.matches("[A-Za-z0-9_./:=,@%+-]+") ? a : "'" + a.replace("'", "'\\''") + "'");
    }
    return b.toString();
  }

  /** The config's co-occurrence alone: no trending, no next signal, no recency order, no popularity prior. */
  static ModelConfig coOccurrenceOnly(ModelConfig c) {
    return c.toBuilder().trendWeight(0).nextWeight(0).recencyOrder(0).popularityWeight(0).factorWeight(0).build();
  }

  static Protocol protocol(CommandLine cl, Options o) {
    check(cl, "--test-fraction", o.testFraction, 0.001, 0.999);
    return switch (o.protocol) {
      case "time-split", "a" -> new TimeSplitProtocol(o.testFraction, target(cl, o), k(cl, o, 10));
      case "leave-last-out", "b" -> {
        check(cl, "--negatives", o.negatives, 1, 1_000_000);
        yield new LeaveLastOutProtocol(o.negatives, o.seed, target(cl, o), k(cl, o, 10));
      }
      case "session", "c" -> {
        if (o.sessionGap.isNegative() || o.sessionGap.isZero()) {
          throw invalid(cl, "--session-gap", o.sessionGap.toString(), "must be positive");
        }
        yield new SessionProtocol(o.sessionGap, o.testFraction, k(cl, o, 20));
      }
      default -> throw invalid(cl, "--protocol", o.protocol,
          "is not a protocol (time-split, leave-last-out or session; a, b or c)");
    };
  }

  private static int k(CommandLine cl, Options o, int fallback) {
    int k = o.k == null ? fallback : o.k;
    check(cl, "--k", k, 1, 1000);
    return k;
  }

  private static EventType target(CommandLine cl, Options o) {
    try {
      return EventType.fromWireName(o.target);
    } catch (IllegalArgumentException e) {
      throw invalid(cl, "--target", o.target, "is not an event type (view, add_to_cart, purchase, ...)");
    }
  }

  static void print(PrintStream out, Path input, InteractionLogs.Loaded loaded, Protocol.Report r,
      Tuner.Result tuned, double seconds, String command) {
    int k = r.k();
    long skipped = loaded.skipped().values().stream().mapToLong(Long::longValue).sum();
    out.printf("input: %s (%,d rows, %,d interactions used, %,d rows skipped: %s)%n", input, loaded.rowsRead(),
        loaded.log().size(), skipped, loaded.skipped());
    out.printf("protocol: %s, k=%d: %,d training interactions, %,d catalog items, %,d trials%n", r.protocol(), k,
        r.trainingInteractions(), r.catalogSize(), r.trials());
    out.printf("command: %s%n%n", command);
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
