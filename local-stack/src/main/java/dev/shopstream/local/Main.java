package dev.shopstream.local;

import dev.shopstream.contract.logging.CloudLogging;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.logging.Logger;

/**
 * {@code java -jar local-stack/target/shopstream-local.jar [--data-dir=data] [--ingest-port=8080]
 * [--recommend-port=8081] [--upload-port=8082] [--pubsub-grpc-port=8085] [--pubsub-rest-port=8086]
 * [--gcs-port=4443] [--metrics-every=PT30S] [--runner=flink|direct] [--parallelism=<cores>]
 * [--checkpoint-every=PT5S] [--discard-pipeline-state]}: starts the local stack, prints its URLs, logs the pipeline's
 * counters and watermark lag every {@code --metrics-every}, and runs until Ctrl-C / SIGTERM, when every part is
 * stopped and the JVM exits. {@code --help} prints the usage.
 */
public final class Main {
  private static final Logger LOG = Logger.getLogger(Main.class.getName());

  private Main() {}

  static final String USAGE = """
      usage: java -jar local-stack/target/shopstream-local.jar [options]
        --data-dir=DIR              where everything is kept (default: data)
        --ingest-port=N             ingest function (default 8080; 0 picks a free port, as for every port)
        --recommend-port=N          recommend function (default 8081)
        --upload-port=N             upload function (default 8082)
        --pubsub-grpc-port=N        Pub/Sub emulator, gRPC (default 8085)
        --pubsub-rest-port=N        Pub/Sub emulator, REST (default 8086)
        --gcs-port=N                GCS emulator (default 4443)
        --status-port=N             the console (/console/) and the status JSON: backlogs, warehouse rows,
                                    pipeline counters (default 8083)
        --metrics-every=DURATION    pipeline metrics log interval (default 30s; 0s: never)
        --runner=flink|direct       the pipeline's runner (default flink: an embedded Flink cluster)
        --parallelism=N             Flink slots (default: the number of cores)
        --checkpoint-every=DURATION Flink checkpoint interval (default 5s)
        --discard-pipeline-state    start the pipeline with empty state instead of restoring data/flink's newest
                                    checkpoint (after a pipeline change that its old state does not fit)
        --help                      this text
      Options take --name=value or --name value. DURATION: 500ms, 30s, 5m, 1h, 1d or ISO-8601 (PT30S).
      """;

  public static void main(String[] given) throws Exception {
    if (java.util.Arrays.asList(given).contains("--help")) {
      System.out.print(USAGE);
      return;
    }
    String[] args = normalize(given);
    CloudLogging.install();
    LocalStack.Config config;
    try {
      config = parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("error: " + e.getMessage() + "\n" + USAGE);
      System.exit(2);
      return;
    }
    if (java.util.Arrays.asList(args).contains("--discard-pipeline-state")) {
      dev.shopstream.pipeline.flink.EmbeddedFlink.in(config.flinkDir()).discardState();
    }
    long t0 = System.nanoTime();
    LocalStack stack = LocalStack.start(config, metricsEvery(args));
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      LOG.info("stopping the local stack");
      stack.close();
      stopped.countDown();
    }, "local-stack-shutdown"));

    StringBuilder banner = new StringBuilder("\nshopstream local stack is up (")
        .append((System.nanoTime() - t0) / 1_000_000).append(" ms). Endpoints (also in ")
        .append(config.dataDir().resolve("endpoints.json").toAbsolutePath()).append("):\n");
    stack.endpoints().entrySet().stream().sorted(java.util.Map.Entry.comparingByKey())
        .forEach(e -> banner.append(String.format("  %-26s %s%n", e.getKey(), e.getValue())));
    banner.append("Press Ctrl-C to stop.\n");
    System.out.println(banner);
    stopped.await();
  }

  /** Options that take no value. */
  private static final java.util.Set<String> FLAGS = java.util.Set.of("--discard-pipeline-state", "--help");

  /** {@code --name value} pairs as {@code --name=value}; everything else as given. */
  static String[] normalize(String[] args) {
    java.util.List<String> out = new java.util.ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.startsWith("--") && !a.contains("=") && !FLAGS.contains(a) && i + 1 < args.length
          && !args[i + 1].startsWith("--")) {
        out.add(a + "=" + args[++i]);
      } else {
        out.add(a);
      }
    }
    return out.toArray(String[]::new);
  }

  private static final java.util.regex.Pattern SHORT_DURATION =
      java.util.regex.Pattern.compile("(\\d+)(ms|s|m|h|d)");

  /** {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h}, {@code 1d} or ISO-8601 ({@code PT30S}); never negative. */
  static java.time.Duration parseDuration(String option, String value) {
    String v = value.trim().toLowerCase(java.util.Locale.ROOT);
    java.util.regex.Matcher m = SHORT_DURATION.matcher(v);
    try {
      java.time.Duration d;
      if (m.matches()) {
        long n = Long.parseLong(m.group(1));
        d = switch (m.group(2)) {
          case "ms" -> java.time.Duration.ofMillis(n);
          case "s" -> java.time.Duration.ofSeconds(n);
          case "m" -> java.time.Duration.ofMinutes(n);
          case "h" -> java.time.Duration.ofHours(n);
          default -> java.time.Duration.ofDays(n);
        };
      } else {
        d = java.time.Duration.parse(v.toUpperCase(java.util.Locale.ROOT));
      }
      if (!d.isNegative()) {
        return d;
      }
    } catch (java.time.format.DateTimeParseException | NumberFormatException | ArithmeticException e) {
      // below
    }
    throw new IllegalArgumentException(option + " must be a duration such as 30s, 5m or PT30S, got " + value);
  }

  static LocalStack.Config parse(String[] args) {
    LocalStack.Config d = LocalStack.Config.defaults();
    Path dataDir = d.dataDir();
    int ingest = d.ingestPort();
    int recommend = d.recommendPort();
    int upload = d.uploadPort();
    int grpc = d.pubsubGrpcPort();
    int rest = d.pubsubRestPort();
    int gcs = d.gcsPort();
    int status = d.statusPort();
    LocalPipeline.Settings p = d.pipeline();
    LocalPipeline.Runner runner = p.runner();
    int parallelism = p.parallelism();
    java.time.Duration checkpointEvery = p.checkpointEvery();
    for (String arg : args) {
      if (arg.equals("--discard-pipeline-state")) {
        continue;
      }
      String[] kv = arg.split("=", 2);
      if (kv.length != 2) {
        throw new IllegalArgumentException(arg.startsWith("--") ? "unknown option or missing value: " + arg
            : "expected --name=value or --name value, got " + arg);
      }
      switch (kv[0]) {
        case "--data-dir" -> dataDir = Path.of(kv[1]);
        case "--ingest-port" -> ingest = port(kv);
        case "--recommend-port" -> recommend = port(kv);
        case "--upload-port" -> upload = port(kv);
        case "--pubsub-grpc-port" -> grpc = port(kv);
        case "--pubsub-rest-port" -> rest = port(kv);
        case "--gcs-port" -> gcs = port(kv);
        case "--status-port" -> status = port(kv);
        case "--metrics-every" -> metricsEvery(new String[] {arg});
        case "--runner" -> runner = LocalPipeline.Runner.parse(kv[1]);
        case "--parallelism" -> parallelism = positive(kv);
        case "--checkpoint-every" -> checkpointEvery = duration(kv);
        default -> throw new IllegalArgumentException("unknown option " + kv[0] + " (--help lists them)");
      }
    }
    return d.withDataDir(dataDir).withPorts(ingest, recommend, upload, grpc, rest, gcs).withStatusPort(status)
        .withPipeline(new LocalPipeline.Settings(runner, parallelism, checkpointEvery));
  }

  /** {@code --metrics-every=30s} (or {@code PT30S}): how often the pipeline's metrics are logged (PT0S: never). */
  static java.time.Duration metricsEvery(String[] args) {
    java.time.Duration every = LocalStack.DEFAULT_METRICS_EVERY;
    for (String arg : args) {
      if (arg.startsWith("--metrics-every=")) {
        every = parseDuration("--metrics-every", arg.substring("--metrics-every=".length()));
      }
    }
    return every;
  }

  private static int positive(String[] kv) {
    try {
      int n = Integer.parseInt(kv[1]);
      if (n < 1) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(kv[0] + " must be a positive integer, got " + kv[1]);
    }
  }

  private static java.time.Duration duration(String[] kv) {
    return parseDuration(kv[0], kv[1]);
  }

  private static int port(String[] kv) {
    try {
      int p = Integer.parseInt(kv[1]);
      if (p < 0 || p > 65535) {
        throw new NumberFormatException();
      }
      return p;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(kv[0] + " must be a port number 0..65535, got " + kv[1]);
    }
  }
}
