package dev.shopstream.local;

import dev.shopstream.contract.logging.CloudLogging;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.logging.Logger;

/**
 * {@code java -jar local-stack/target/shopstream-local.jar [--data-dir=data] [--ingest-port=8080]
 * [--recommend-port=8081] [--upload-port=8082] [--pubsub-grpc-port=8085] [--pubsub-rest-port=8086]
 * [--gcs-port=4443] [--metrics-every=PT30S]}: starts the local stack, prints
 * its URLs, logs the pipeline's counters and watermark lag every {@code --metrics-every}, and runs until Ctrl-C /
 * SIGTERM, when every part is stopped and the JVM exits.
 */
public final class Main {
  private static final Logger LOG = Logger.getLogger(Main.class.getName());

  private Main() {}

  public static void main(String[] args) throws Exception {
    CloudLogging.install();
    LocalStack.Config config = parse(args);
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

  static LocalStack.Config parse(String[] args) {
    LocalStack.Config d = LocalStack.Config.defaults();
    Path dataDir = d.dataDir();
    int ingest = d.ingestPort();
    int recommend = d.recommendPort();
    int upload = d.uploadPort();
    int grpc = d.pubsubGrpcPort();
    int rest = d.pubsubRestPort();
    int gcs = d.gcsPort();
    for (String arg : args) {
      String[] kv = arg.split("=", 2);
      if (kv.length != 2) {
        throw new IllegalArgumentException("expected --name=value, got " + arg);
      }
      switch (kv[0]) {
        case "--data-dir" -> dataDir = Path.of(kv[1]);
        case "--ingest-port" -> ingest = port(kv);
        case "--recommend-port" -> recommend = port(kv);
        case "--upload-port" -> upload = port(kv);
        case "--pubsub-grpc-port" -> grpc = port(kv);
        case "--pubsub-rest-port" -> rest = port(kv);
        case "--gcs-port" -> gcs = port(kv);
        case "--metrics-every" -> metricsEvery(new String[] {arg});
        default -> throw new IllegalArgumentException("unknown option " + kv[0] + " (known: --data-dir, "
            + "--ingest-port, --recommend-port, --upload-port, --pubsub-grpc-port, --pubsub-rest-port, --gcs-port, "
            + "--metrics-every)");
      }
    }
    return d.withDataDir(dataDir).withPorts(ingest, recommend, upload, grpc, rest, gcs);
  }

  /** {@code --metrics-every=PT30S}: how often the pipeline's metrics are logged (PT0S: never). */
  static java.time.Duration metricsEvery(String[] args) {
    java.time.Duration every = LocalStack.DEFAULT_METRICS_EVERY;
    for (String arg : args) {
      if (arg.startsWith("--metrics-every=")) {
        String value = arg.substring("--metrics-every=".length());
        try {
          every = java.time.Duration.parse(value);
        } catch (java.time.format.DateTimeParseException e) {
          throw new IllegalArgumentException("--metrics-every must be an ISO-8601 duration such as PT30S, got " + value);
        }
        if (every.isNegative()) {
          throw new IllegalArgumentException("--metrics-every must not be negative, got " + value);
        }
      }
    }
    return every;
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
