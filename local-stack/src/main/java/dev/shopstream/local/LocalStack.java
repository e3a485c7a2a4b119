package dev.shopstream.local;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.cloud.functions.invoker.runner.Invoker;
import com.google.pubsub.v1.ProjectSubscriptionName;
import com.google.pubsub.v1.TopicName;
import dev.shopstream.contract.Json;
import dev.shopstream.emulator.gcs.GcsEmulator;
import dev.shopstream.emulator.pubsub.PubsubEmulator;
import dev.shopstream.functions.PubsubPublishers;
import dev.shopstream.functions.upload.UploadFunction;
import dev.shopstream.pipeline.metrics.PipelineMetrics;
import dev.shopstream.warehouse.duckdb.DuckDbWarehouse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.apache.beam.sdk.PipelineResult;

/**
 * The whole system on one machine, in one JVM: the Pub/Sub and GCS emulators, the ingest, upload and recommend
 * functions in the Functions Framework invoker (the upload function receives the bucket's finalize events the way
 * Eventarc delivers them), the Beam pipeline on an embedded Flink cluster (or the DirectRunner), and DuckDB as the
 * warehouse. In-process
 * because DuckDB allows one process per database file: the pipeline writes and the recommend function reads it.
 *
 * <p>The functions read their configuration as in the cloud (environment names), here set as system properties,
 * which their settings lookup falls back to.
 */
public final class LocalStack implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(LocalStack.class.getName());

  public static final String INGEST_FUNCTION = "dev.shopstream.functions.ingest.IngestFunction";
  public static final String RECOMMEND_FUNCTION = "dev.shopstream.functions.recommend.RecommendFunction";
  public static final String UPLOAD_FUNCTION = "dev.shopstream.functions.upload.UploadFunction";

  /** Where and how to run; port 0 picks a free port. */
  public record Config(Path dataDir, String host, int ingestPort, int recommendPort, int uploadPort,
      int pubsubGrpcPort, int pubsubRestPort, int gcsPort, String project, String eventsTopic,
      String eventsSubscription, String catalogTopic, String catalogSubscription, String uploadsBucket,
      LocalPipeline.Settings pipeline, int statusPort) {

    public static Config defaults() {
      return new Config(Path.of("data"), "127.0.0.1", 8080, 8081, 8082, 8085, 8086, 4443, "local-project",
          PubsubPublishers.DEFAULT_EVENTS_TOPIC, "events-pipeline", "catalog", "catalog-pipeline", "uploads",
          LocalPipeline.Settings.defaults(), 8083);
    }

    /** Free ports everywhere and the given data folder: for tests. */
    public static Config ephemeral(Path dataDir) {
      return defaults().withPorts(0, 0, 0, 0, 0, 0).withStatusPort(0).withDataDir(dataDir);
    }

    /** The same configuration with other ports (0 picks a free one). */
    public Config withPorts(int ingest, int recommend, int upload, int pubsubGrpc, int pubsubRest, int gcs) {
      return new Config(dataDir, host, ingest, recommend, upload, pubsubGrpc, pubsubRest, gcs, project,
          eventsTopic, eventsSubscription, catalogTopic, catalogSubscription, uploadsBucket, pipeline,
          statusPort);
    }

    public Config withDataDir(Path dir) {
      return new Config(dir, host, ingestPort, recommendPort, uploadPort, pubsubGrpcPort, pubsubRestPort, gcsPort,
          project, eventsTopic, eventsSubscription, catalogTopic, catalogSubscription, uploadsBucket, pipeline,
          statusPort);
    }

    public Config withPipeline(LocalPipeline.Settings settings) {
      return new Config(dataDir, host, ingestPort, recommendPort, uploadPort, pubsubGrpcPort, pubsubRestPort, gcsPort,
          project, eventsTopic, eventsSubscription, catalogTopic, catalogSubscription, uploadsBucket, settings,
          statusPort);
    }

    public Config withStatusPort(int port) {
      return new Config(dataDir, host, ingestPort, recommendPort, uploadPort, pubsubGrpcPort, pubsubRestPort, gcsPort,
          project, eventsTopic, eventsSubscription, catalogTopic, catalogSubscription, uploadsBucket, pipeline, port);
    }

    public Path warehouseFile() {
      return dataDir.resolve("warehouse.duckdb");
    }

    /** The embedded Flink cluster's configuration and retained checkpoints. */
    public Path flinkDir() {
      return dataDir.resolve("flink");
    }
  }

  /** How often the pipeline's metrics are logged by default. */
  public static final java.time.Duration DEFAULT_METRICS_EVERY = java.time.Duration.ofSeconds(30);

  /** Unacknowledged messages and bytes one subscription may hold: beyond them a publish fails (and is retried). */
  static final long BACKLOG_MESSAGES = 1_000_000;
  static final long BACKLOG_BYTES = 2L << 30;


  private final Config config;
  private final List<AutoCloseable> started = new ArrayList<>();
  private int statusPort;
  private volatile Optional<String> unhealthy = Optional.empty();
  private final Map<String, String> endpoints = new LinkedHashMap<>();
  private PubsubEmulator pubsub;
  private GcsEmulator gcs;
  private DuckDbWarehouse warehouse;
  private volatile LocalPipeline pipeline;
  private IngestCounter ingestCounter;

  private final Path reportsDir;

  private LocalStack(Config config, Path reportsDir) {
    this.config = config;
    this.reportsDir = reportsDir;
  }

  /** Where the console looks for evaluation reports by default: {@code <data-dir>/reports}. */
  public static Path defaultReportsDir(Config config) {
    return config.dataDir().resolve("reports");
  }

  /** Starts every part, waits until each is serving, writes {@code endpoints.json}; closes what started on failure. */
  public static LocalStack start(Config config) throws Exception {
    return start(config, DEFAULT_METRICS_EVERY);
  }

  /**
   * The same, logging the pipeline's metrics every {@code metricsEvery} ({@link #logMetrics}; zero: never).
   */
  public static LocalStack start(Config config, java.time.Duration metricsEvery) throws Exception {
    return start(config, metricsEvery, java.time.Duration.ofSeconds(5), defaultReportsDir(config));
  }

  /**
   * The same, logging what the start is waiting for every {@code reportEvery} ({@link StartupProgress}; zero:
   * never) until the stack is up, the console reading evaluation reports from {@code reportsDir} (created).
   */
  public static LocalStack start(Config config, java.time.Duration metricsEvery, java.time.Duration reportEvery,
      Path reportsDir) throws Exception {
    LocalStack stack = new LocalStack(config, reportsDir);
    try (StartupProgress progress = StartupProgress.reporting(reportEvery, java.time.Clock.systemUTC())) {
      stack.startAll(progress);
      if (!metricsEvery.isZero() && !metricsEvery.isNegative()) {
        stack.logMetricsEvery(metricsEvery);
      }
      return stack;
    } catch (Exception | Error e) {
      stack.close();
      throw e;
    }
  }

  private void startAll(StartupProgress progress) throws Exception {
    Files.createDirectories(config.dataDir());
    Files.deleteIfExists(endpointsFile());
    progress.begin("Pub/Sub emulator", "started");

    // topics, subscriptions and unacknowledged messages are journaled under the data folder (synced before a
    // publish is acknowledged) and restored here; a subscription may hold a few large uploads' worth of messages
    pubsub = PubsubEmulator.builder().host(config.host()).grpcPort(config.pubsubGrpcPort())
        .restPort(config.pubsubRestPort()).dataDirectory(config.dataDir().resolve("pubsub"))
        .maxBacklog(BACKLOG_MESSAGES, BACKLOG_BYTES).start();
    started.add(pubsub);
    PubsubTopology.create(pubsub.grpcTarget(), config.project(), List.of(
        List.of(config.eventsTopic(), config.eventsSubscription()),
        List.of(config.catalogTopic(), config.catalogSubscription()),
        List.of(deadLetterTopic(), deadLetterTopic() + "-hold")));
    progress.done("Pub/Sub emulator");
    endpoints.put("pubsub_grpc", pubsub.grpcTarget());
    endpoints.put("pubsub_rest", pubsub.restUrl());

    progress.begin("GCS emulator", "started");
    gcs = GcsEmulator.start(config.host(), config.gcsPort(), config.dataDir().resolve("gcs"));
    started.add(gcs);
    gcs.createBucket(config.uploadsBucket());
    progress.done("GCS emulator");
    endpoints.put("gcs", gcs.url());
    endpoints.put("bucket", gcs.url() + "/storage/v1/b/" + config.uploadsBucket());
    endpoints.put("upload_url", gcs.url() + "/upload/storage/v1/b/" + config.uploadsBucket()
        + "/o?uploadType=media&name=");

    progress.begin("warehouse", "opening " + config.warehouseFile().getFileName() + " started");
    warehouse = DuckDbWarehouse.open(config.warehouseFile());
    started.add(warehouse);
    progress.done("warehouse");
    endpoints.put("warehouse", config.warehouseFile().toAbsolutePath().toString());

    // the status server starts last, but ingest and serving ask its /health from their first request (until it
    // answers they serve as ready): its port is fixed now
    statusPort = config.statusPort() == 0 ? freePort(config.host()) : config.statusPort();
    Map<String, String> functionSettings = Map.of(
        "READINESS_URL", "http://" + config.host() + ":" + statusPort + "/health",
        "PROJECT_ID", config.project(),
        "EVENTS_TOPIC", config.eventsTopic(),
        "CATALOG_TOPIC", config.catalogTopic(),
        "PUBSUB_EMULATOR_HOST", pubsub.grpcTarget(),
        "STORAGE_EMULATOR_HOST", gcs.url(),
        "WAREHOUSE", "duckdb",
        "DUCKDB_PATH", config.warehouseFile().toAbsolutePath().toString(),
        "SNAPSHOT_REFRESH", "PT1S", // serving is fresh within a second or two locally (environment overrides)
        "USER_CACHE_TTL", "PT1S");
    functionSettings.forEach(System::setProperty);

    progress.begin("functions", "started");
    ingestCounter = IngestCounter.attach();
    started.add(ingestCounter::close);
    int ingestPort = startFunction(INGEST_FUNCTION, "http", config.ingestPort());
    endpoints.put("ingest", "http://" + config.host() + ":" + ingestPort + "/");
    int recommendPort = startFunction(RECOMMEND_FUNCTION, "http", config.recommendPort());
    String recommendBase = "http://" + config.host() + ":" + recommendPort;
    endpoints.put("recommend", recommendBase + "/recommendations");
    endpoints.put("recommend_similar", recommendBase + "/products/{id}/similar");
    endpoints.put("recommend_bought_together", recommendBase + "/products/{id}/bought-together");
    endpoints.put("recommend_cart", recommendBase + "/cart/recommendations");
    endpoints.put("trending", recommendBase + "/trending");
    int uploadPort = startFunction(UPLOAD_FUNCTION, "cloudevent", config.uploadPort());
    String uploadFunction = "http://" + config.host() + ":" + uploadPort + "/";
    gcs.notifyOnFinalize(config.uploadsBucket(), URI.create(uploadFunction));
    // an upload whose processing a crash interrupted (no summary, or one that says publishing failed) is delivered
    // to the function again; it republishes with the same row ids, which the pipeline's dedupe absorbs
    String bucket = config.uploadsBucket();
    gcs.renotify(bucket, name -> UploadFunction.isUnfinished(name, other -> gcs.read(bucket, other)));
    endpoints.put("upload_function", uploadFunction);
    progress.done("functions");

    boolean flink = config.pipeline().runner() == LocalPipeline.Runner.FLINK;
    progress.begin("pipeline submitted", flink ? "embedded Flink cluster started" : "started");
    pipeline = LocalPipeline.start(config.pipeline(), config.flinkDir(), List.of(
        "--project=" + config.project(),
        "--pubsubRootUrl=" + pubsub.restUrl(),
        "--inputSubscription=" + subscriptionName(),
        "--catalogSubscription=" + ProjectSubscriptionName.format(config.project(), config.catalogSubscription()),
        "--deadLetterTopic=" + TopicName.format(config.project(), deadLetterTopic()),
        "--warehouse=DUCKDB",
        // a catalog uploaded to the local stack is joined to events within seconds, not the cloud default's 5 min
        // (the side input fires first with no product at all, then once per refresh after a product arrives)
        "--catalogRefresh=PT10S",
        "--duckdbPath=" + config.warehouseFile().toAbsolutePath()));
    started.add(pipeline);
    progress.done("pipeline submitted");
    progress.begin("pipeline RUNNING", flink ? "Flink job submitted" : "job submitted");
    awaitPipelineRunning(PIPELINE_RUNNING_TIMEOUT);
    progress.done("pipeline RUNNING");
    endpoints.put("pipeline", config.pipeline().describe() + ", reading " + subscriptionName()
        + pipeline.restoredFrom().map(chk -> ", state restored from " + chk).orElse(""));

    Files.createDirectories(reportsDir);
    StatusServer status = StatusServer.start(config.host(), statusPort, this::status, this::health,
        new ConsoleApi(warehouse, gcs, config.uploadsBucket(), reportsDir), recommendBase, warehouse::connect);
    started.add(status);
    watchHealth();
    String statusBase = "http://" + config.host() + ":" + status.port();
    endpoints.put("status", statusBase + "/status");
    endpoints.put("console", statusBase + StatusServer.CONSOLE_PATH);

    writeEndpoints();
  }

  /**
   * How long the start waits for the pipeline to be RUNNING before it reports the stack up anyway: the health
   * watch's limit, after which it calls the stack unhealthy.
   */
  static final java.time.Duration PIPELINE_RUNNING_TIMEOUT = HealthWatch.STARTUP_LIMIT;

  /**
   * Waits until the pipeline is RUNNING, or has stopped (then the health watch reports it unhealthy), or
   * {@code timeout} has passed (logged; the stack comes up and {@code /status} shows the pipeline's state).
   */
  private void awaitPipelineRunning(java.time.Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      String state = pipeline.state();
      if (state.equals("RUNNING") || HealthWatch.isTerminal(state)) {
        return;
      }
      Thread.sleep(100);
    }
    LOG.warning(() -> "the pipeline is not RUNNING after " + timeout.toSeconds() + " s (state " + pipeline.state()
        + "); starting anyway");
  }

  /**
   * Why the stack cannot take events now, or empty while it can: the pipeline has stopped for good ({@link
   * HealthWatch}, sampled every second), after the warehouse sink's retries and Flink's restarts. Ingest answers 503
   * then and serving marks answers stale (both ask {@code /health}); a restart of the stack is needed.
   */
  public Optional<String> health() {
    return unhealthy;
  }

  /** Samples the pipeline's state every second; the first time it is unhealthy, says so in the log and console. */
  private void watchHealth() {
    java.util.concurrent.ScheduledExecutorService timer = java.util.concurrent.Executors
        .newSingleThreadScheduledExecutor(r -> {
          Thread t = new Thread(r, "stack-health");
          t.setDaemon(true);
          return t;
        });
    HealthWatch watch = new HealthWatch();
    timer.scheduleWithFixedDelay(() -> {
      Optional<String> now;
      try {
        now = watch.assess(pipeline.state(), java.time.Instant.now());
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "checking the pipeline's health failed", e);
        return;
      }
      if (now.isPresent() && unhealthy.isEmpty()) {
        ObjectNode json = Json.MAPPER.createObjectNode().put("reason", now.get()).put("ingest", "503 with Retry-After")
            .put("serving", "stale");
        LOG.log(Level.SEVERE, "local stack unhealthy", json);
        System.err.println("shopstream local stack UNHEALTHY: " + now.get() + ". Ingest answers 503, serving is "
            + "stale; the log has the pipeline's error.");
      }
      unhealthy = now;
    }, 1, 1, TimeUnit.SECONDS);
    started.add(timer::shutdownNow);
  }

  private void logMetricsEvery(java.time.Duration every) {
    java.util.concurrent.ScheduledExecutorService timer = java.util.concurrent.Executors
        .newSingleThreadScheduledExecutor(r -> {
          Thread t = new Thread(r, "pipeline-metrics");
          t.setDaemon(true);
          return t;
        });
    timer.scheduleAtFixedRate(this::logMetrics, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
    started.add(timer::shutdownNow);
  }

  /**
   * Logs one JSON line with the pipeline's counters per step (in, out, dead-lettered, duplicates, late, unknown
   * products, rows written per table) and its watermark lag: message {@code pipeline metrics}, fields
   * {@code counters} and {@code watermark_lag_ms} (null until the watermark has passed an event).
   */
  public void logMetrics() {
    try {
      PipelineMetrics metrics = pipeline.metrics(java.time.Instant.now());
      ObjectNode json = Json.MAPPER.createObjectNode();
      metrics.counters().forEach(json.putObject("counters")::put);
      if (metrics.watermarkLagMillis() == null) {
        json.putNull("watermark_lag_ms");
      } else {
        json.put("watermark_lag_ms", metrics.watermarkLagMillis());
      }
      LOG.log(Level.INFO, "pipeline metrics", json);
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "reading the pipeline's metrics failed", e);
    }
  }

  /** Where the pipeline publishes dead letters (alert on it); {@code dead-letter-hold} keeps them for reading. */
  private String deadLetterTopic() {
    return config.eventsTopic() + "-dead-letter";
  }

  private String subscriptionName() {
    return ProjectSubscriptionName.format(config.project(), config.eventsSubscription());
  }

  /** Starts one function in its own invoker; {@code signature} is the invoker's: http or cloudevent. */
  private int startFunction(String target, String signature, int port) throws Exception {
    int actual = port == 0 ? freePort(config.host()) : port;
    Invoker invoker = new Invoker(actual, target, signature, Thread.currentThread().getContextClassLoader());
    invoker.startTestServer();
    started.add(invoker::stopServer);
    LOG.info(() -> "function " + target + " serving on port " + actual);
    return actual;
  }

  private static int freePort(String host) throws IOException {
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress(host, 0));
      return s.getLocalPort();
    }
  }

  private Path endpointsFile() {
    return config.dataDir().resolve("endpoints.json");
  }

  private void writeEndpoints() throws IOException {
    ObjectNode json = Json.MAPPER.createObjectNode();
    endpoints.forEach(json::put);
    Path tmp = Files.createTempFile(config.dataDir(), "endpoints", ".tmp");
    Files.writeString(tmp, Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(json) + "\n");
    Files.move(tmp, endpointsFile(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  /**
   * What the stack holds now: {@code at} (this answer's time), {@code ingest} (the ingest function's totals since
   * start: events accepted and rejected, requests, requests refused whole), {@code subscriptions} (each one's
   * unacknowledged messages, waiting or leased, as {@code backlog}, and {@code oldest_unacked_age_ms}, null when
   * empty), {@code pubsub} (the emulator's counters since start, {@link PubsubEmulator#stats()}), {@code warehouse} (rows per table), {@code pipeline} (runner, state such as RUNNING or FAILED, the
   * checkpoint its state was restored from, this run's counters as in the {@code pipeline metrics} log line, and
   * {@code watermark_lag_ms}). Served as JSON at the {@code status} endpoint.
   */
  public ObjectNode status() {
    java.time.Instant now = java.time.Instant.now();
    ObjectNode json = Json.MAPPER.createObjectNode();
    json.put("at", now.toString());
    json.putObject("ingest").put("accepted", ingestCounter.accepted()).put("rejected", ingestCounter.rejected())
        .put("requests", ingestCounter.requests()).put("refused_requests", ingestCounter.refused());
    ObjectNode subscriptions = json.putObject("subscriptions");
    for (String s : List.of(config.eventsSubscription(), config.catalogSubscription(), deadLetterTopic() + "-hold")) {
      String name = ProjectSubscriptionName.format(config.project(), s);
      ObjectNode sub = subscriptions.putObject(s).put("backlog", pubsub.backlog(name));
      java.util.Optional<java.time.Instant> oldest = pubsub.oldestUnackedPublishTime(name);
      if (oldest.isPresent()) {
        sub.put("oldest_unacked_age_ms", Math.max(0, java.time.Duration.between(oldest.get(), now).toMillis()));
      } else {
        sub.putNull("oldest_unacked_age_ms");
      }
    }
    ObjectNode broker = json.putObject("pubsub"); // the emulator's counters: deliveries, redeliveries, expiries...
    pubsub.stats().forEach(broker::put);
    ObjectNode tables = json.putObject("warehouse");
    for (dev.shopstream.contract.TableSchema t : dev.shopstream.contract.TableSchemas.all()) {
      try {
        tables.put(t.name(), warehouse.count(t.name()));
      } catch (java.sql.SQLException e) {
        tables.putNull(t.name());
      }
    }
    Optional<String> problem = health();
    json.put("healthy", problem.isEmpty());
    problem.ifPresent(reason -> json.put("unhealthy_reason", reason));
    ObjectNode p = json.putObject("pipeline").put("runner", config.pipeline().describe())
        .put("state", pipeline.state()).put("restored_from", pipeline.restoredFrom().map(Path::toString).orElse(null));
    try {
      PipelineMetrics metrics = pipeline.metrics(now);
      metrics.counters().forEach(p.putObject("counters")::put);
      if (metrics.watermarkLagMillis() == null) {
        p.putNull("watermark_lag_ms");
      } else {
        p.put("watermark_lag_ms", metrics.watermarkLagMillis());
      }
    } catch (RuntimeException e) {
      p.putNull("counters");
      p.putNull("watermark_lag_ms");
    }
    return json;
  }

  /** Every URL of the running stack, as written to {@code endpoints.json}. */
  public Map<String, String> endpoints() {
    return Map.copyOf(endpoints);
  }

  public PubsubEmulator pubsub() {
    return pubsub;
  }

  public GcsEmulator gcs() {
    return gcs;
  }

  public DuckDbWarehouse warehouse() {
    return warehouse;
  }

  public PipelineResult pipeline() {
    return pipeline.result();
  }

  /** Stops everything in reverse order of start; every part is stopped even when one fails to. */
  @Override
  public void close() {
    try {
      Files.deleteIfExists(endpointsFile());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      for (int i = started.size() - 1; i >= 0; i--) {
        try {
          started.get(i).close();
        } catch (Exception e) {
          LOG.log(Level.WARNING, "stopping a part of the local stack failed", e);
        }
      }
      started.clear();
    }
  }
}
