package dev.shopstream.evaluation;

import dev.shopstream.contract.EventType;
import dev.shopstream.contract.logging.CloudLogging;
import dev.shopstream.model.ModelConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
      HR@k, NDCG@k, MRR@k and catalog coverage for popularity, item-kNN (ModelConfig.itemKnnBaseline()) and the
      recommender (ModelConfig.defaults(); with --tune also the config tuned on a validation split carved from
      the training part). Progress is logged as JSON lines on stderr; the table goes to stdout.

      Input (one of):
        --online-retail[=PATH]  the UCI Online Retail CSV (default PATH, relative to the project root:
                                ../shared/datasets/online-retail/online_retail.csv.gz); the default input
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
        --session-gap=DURATION  inactivity that ends a session, ISO-8601 (default PT30M)
        --target=TYPE           event type that counts as a hit in (a) and (b) (default purchase)
        --seed=N                seed of the negative sampling (default 42)

      Tuning:
        --tune                  tune similarity, pair weight, half-life, user horizon, items per user,
                                neighbours per item and event-type weights (types present in the log) by
                                coordinate descent on the validation split; report the chosen values
        --passes=N              coordinate-descent passes at most (default 2)
      """;

  private EvaluateCommand() {}

  public static void main(String[] args) {
    CloudLogging.install();
    System.exit(run(args, System.out, System.err));
  }

  /** Runs the command; returns the exit status. */
  static int run(String[] args, PrintStream out, PrintStream err) {
    Map<String, String> options;
    try {
      options = parse(args);
    } catch (IllegalArgumentException e) {
      err.println("evaluate: " + e.getMessage() + " (see --help)");
      return 2;
    }
    if (options.containsKey("help")) {
      out.print(HELP);
      return 0;
    }
    try {
      Protocol protocol = protocol(options);
      EventType target = EventType.fromWireName(options.getOrDefault("target", "purchase"));
      Path input;
      boolean onlineRetail = !options.containsKey("input");
      if (onlineRetail) {
        String p = options.get("online-retail");
        input = p == null || p.isEmpty() ? DEFAULT_ONLINE_RETAIL : Path.of(p);
      } else {
        input = Path.of(options.get("input"));
      }
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

      List<Method.Spec> methods = new ArrayList<>();
      methods.add(Method.popularity(target));
      methods.add(Method.model("item-kNN", ModelConfig.itemKnnBaseline()));
      methods.add(Method.model("recommender (defaults)", ModelConfig.defaults()));
      Tuner.Result tuned = null;
      if (options.containsKey("tune")) {
        int passes = Integer.parseInt(options.getOrDefault("passes", "2"));
        tuned = new Tuner(protocol, passes).tune(protocol.trainingPart(loaded.log()), ModelConfig.defaults());
        methods.add(Method.model("recommender (tuned)", tuned.best().config()));
      }
      Protocol.Report report = protocol.evaluate(loaded.log(), methods);
      print(out, input, loaded, report, tuned, (System.nanoTime() - start) / 1e9, args);
      return 0;
    } catch (IllegalArgumentException | DateTimeParseException e) {
      err.println("evaluate: " + e.getMessage() + " (see --help)");
      return 2;
    } catch (IOException | RuntimeException e) {
      err.println("evaluate: failed: " + e);
      return 1;
    }
  }

  static Protocol protocol(Map<String, String> o) {
    double testFraction = Double.parseDouble(o.getOrDefault("test-fraction", "0.1"));
    EventType target = EventType.fromWireName(o.getOrDefault("target", "purchase"));
    String name = o.getOrDefault("protocol", "time-split");
    return switch (name) {
      case "time-split", "a" -> new TimeSplitProtocol(testFraction, target, k(o, 10));
      case "leave-last-out", "b" -> new LeaveLastOutProtocol(Integer.parseInt(o.getOrDefault("negatives", "100")),
          Long.parseLong(o.getOrDefault("seed", "42")), target, k(o, 10));
      case "session", "c" -> new SessionProtocol(Duration.parse(o.getOrDefault("session-gap", "PT30M")),
          testFraction, k(o, 20));
      default -> throw new IllegalArgumentException("unknown protocol: " + name
          + " (time-split, leave-last-out or session)");
    };
  }

  private static int k(Map<String, String> o, int fallback) {
    int k = Integer.parseInt(o.getOrDefault("k", String.valueOf(fallback)));
    if (k < 1) {
      throw new IllegalArgumentException("--k must be >= 1");
    }
    return k;
  }

  private static final Set<String> FLAGS = Set.of("help", "tune", "online-retail");
  private static final Set<String> VALUED = Set.of("input", "online-retail", "protocol", "k", "test-fraction",
      "negatives", "session-gap", "target", "seed", "passes");

  /** {@code --name=value} or {@code --name value}; flags without a value. */
  static Map<String, String> parse(String[] args) {
    Map<String, String> o = new HashMap<>();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.equals("-h")) {
        a = "--help";
      }
      if (!a.startsWith("--")) {
        throw new IllegalArgumentException("unexpected argument: " + a);
      }
      String name = a.substring(2);
      String value = null;
      int eq = name.indexOf('=');
      if (eq >= 0) {
        value = name.substring(eq + 1);
        name = name.substring(0, eq);
      }
      if (!FLAGS.contains(name) && !VALUED.contains(name)) {
        throw new IllegalArgumentException("unknown option: --" + name);
      }
      if (value == null && VALUED.contains(name) && !FLAGS.contains(name)) {
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException("--" + name + " needs a value");
        }
        value = args[++i];
      }
      o.put(name, value == null ? "" : value);
    }
    if (o.containsKey("input") && o.containsKey("online-retail")) {
      throw new IllegalArgumentException("give --input or --online-retail, not both");
    }
    return o;
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
