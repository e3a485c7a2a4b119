package dev.shopstream.local;

import dev.shopstream.contract.logging.CloudLogging;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.logging.Logger;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code java -jar local-stack/target/shopstream-local.jar [options]}: starts the local stack, prints its URLs, logs
 * the pipeline's counters and watermark lag every {@code --metrics-every}, and runs until Ctrl-C / SIGTERM, when
 * every part is stopped and the JVM exits. {@code query} is a subcommand ({@link QueryCommand}). The command line
 * follows {@link Cli}'s convention: {@code --help} exits 0, a usage error 2.
 */
@Command(name = "java -jar local-stack/target/shopstream-local.jar", sortOptions = false,
    subcommands = QueryCommand.class,
    description = "Starts the whole system on this machine and runs until Ctrl-C.",
    footer = {"", "Options take --name=value or --name value. DURATION: 500ms, 30s, 5m, 1h, 1d or ISO-8601 (PT30S).",
        "Port 0 picks a free port. The URLs are printed when the stack is up and written to DIR/endpoints.json."})
public final class Main implements Callable<Integer> {
  private static final Logger LOG = Logger.getLogger(Main.class.getName());
  private static final LocalStack.Config DEFAULTS = LocalStack.Config.defaults();

  @Spec CommandSpec spec;

  @Option(names = "--data-dir", paramLabel = "DIR", description = "where everything is kept (default: ${DEFAULT-VALUE})")
  Path dataDir = DEFAULTS.dataDir();

  @Option(names = "--ingest-port", paramLabel = "N", description = "ingest function (default ${DEFAULT-VALUE})")
  int ingestPort = DEFAULTS.ingestPort();

  @Option(names = "--recommend-port", paramLabel = "N", description = "recommend function (default ${DEFAULT-VALUE})")
  int recommendPort = DEFAULTS.recommendPort();

  @Option(names = "--upload-port", paramLabel = "N", description = "upload function (default ${DEFAULT-VALUE})")
  int uploadPort = DEFAULTS.uploadPort();

  @Option(names = "--pubsub-grpc-port", paramLabel = "N", description = "Pub/Sub emulator, gRPC (default ${DEFAULT-VALUE})")
  int pubsubGrpcPort = DEFAULTS.pubsubGrpcPort();

  @Option(names = "--pubsub-rest-port", paramLabel = "N", description = "Pub/Sub emulator, REST (default ${DEFAULT-VALUE})")
  int pubsubRestPort = DEFAULTS.pubsubRestPort();

  @Option(names = "--gcs-port", paramLabel = "N", description = "GCS emulator (default ${DEFAULT-VALUE})")
  int gcsPort = DEFAULTS.gcsPort();

  @Option(names = "--status-port", paramLabel = "N", description = {"the console (/console/), the status JSON and "
      + "/api/ (default ${DEFAULT-VALUE})"})
  int statusPort = DEFAULTS.statusPort();

  @Option(names = "--metrics-every", paramLabel = "DURATION",
      description = "how often the pipeline's metrics are logged (default 30s; 0s: never)")
  Duration metricsEvery = LocalStack.DEFAULT_METRICS_EVERY;

  @Option(names = "--runner", paramLabel = "flink|direct",
      description = "the pipeline's runner (default flink: an embedded Flink cluster)")
  LocalPipeline.Runner runner = DEFAULTS.pipeline().runner();

  @Option(names = "--parallelism", paramLabel = "N", description = "Flink slots (default: the number of cores)")
  int parallelism = DEFAULTS.pipeline().parallelism();

  @Option(names = "--checkpoint-every", paramLabel = "DURATION", description = "Flink checkpoint interval (default 5s)")
  Duration checkpointEvery = DEFAULTS.pipeline().checkpointEvery();

  @Option(names = "--startup-report-every", paramLabel = "DURATION",
      description = "while starting, how often to log what the stack is waiting for (default 5s)")
  Duration startupReportEvery = Duration.ofSeconds(5);

  @Option(names = "--reports-dir", paramLabel = "DIR",
      description = "evaluation reports the console's Quality panel shows (default: DIR/reports of --data-dir)")
  Path reportsDir;

  @Option(names = "--discard-pipeline-state", description = {"start the pipeline with empty state instead of "
      + "restoring DIR/flink's newest checkpoint (after a pipeline change that its old state does not fit)"})
  boolean discardPipelineState;

  @Option(names = {"-h", "--help"}, usageHelp = true, description = "this text")
  boolean help;

  public static void main(String[] args) {
    int code = commandLine().execute(args);
    System.exit(code);
  }

  /** The command line of the stack and its subcommands (for tests: {@code execute} returns the exit status). */
  static CommandLine commandLine() {
    return Cli.of(new Main());
  }

  /** The configuration the options give; a bad value is a usage error naming the option. */
  LocalStack.Config config() {
    LocalPipeline.Settings pipeline;
    if (parallelism < 1) {
      throw Cli.badValue(spec, "--parallelism", parallelism, "a positive integer");
    }
    if (checkpointEvery.toMillis() < 100) {
      throw Cli.badValue(spec, "--checkpoint-every", checkpointEvery, "at least 100ms");
    }
    pipeline = new LocalPipeline.Settings(runner, parallelism, checkpointEvery);
    return DEFAULTS.withDataDir(dataDir)
        .withPorts(Cli.port(spec, "--ingest-port", ingestPort), Cli.port(spec, "--recommend-port", recommendPort),
            Cli.port(spec, "--upload-port", uploadPort), Cli.port(spec, "--pubsub-grpc-port", pubsubGrpcPort),
            Cli.port(spec, "--pubsub-rest-port", pubsubRestPort), Cli.port(spec, "--gcs-port", gcsPort))
        .withStatusPort(Cli.port(spec, "--status-port", statusPort))
        .withPipeline(pipeline);
  }

  @Override
  public Integer call() throws Exception {
    LocalStack.Config config = config();
    CloudLogging.install();
    if (discardPipelineState) {
      dev.shopstream.pipeline.flink.EmbeddedFlink.in(config.flinkDir()).discardState();
    }
    long t0 = System.nanoTime();
    LocalStack stack = LocalStack.start(config, metricsEvery, startupReportEvery,
        reportsDir != null ? reportsDir : LocalStack.defaultReportsDir(config));
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
    banner.append("Query the warehouse: java -jar local-stack/target/shopstream-local.jar query --data-dir ")
        .append(config.dataDir()).append(" \"select ...\"\n");
    banner.append("Press Ctrl-C to stop.\n");
    PrintWriter out = spec.commandLine().getOut();
    out.println(banner);
    out.flush();
    stopped.await();
    return 0;
  }
}
