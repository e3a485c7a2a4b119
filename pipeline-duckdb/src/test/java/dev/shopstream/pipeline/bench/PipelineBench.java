package dev.shopstream.pipeline.bench;

import dev.shopstream.contract.logging.CloudLogging;
import dev.shopstream.pipeline.EventsPipeline;
import dev.shopstream.pipeline.EventsPipelineOptions;
import dev.shopstream.pipeline.metrics.PipelineMetrics;
import dev.shopstream.pipeline.testing.GeneratedMessages;
import dev.shopstream.pipeline.testing.GeneratedTraffic;
import dev.shopstream.pipeline.testing.GeneratedTraffic.Kind;
import dev.shopstream.pipeline.testing.TestEvents;
import dev.shopstream.pipeline.transforms.ReadFileRows;
import dev.shopstream.pipeline.sink.DuckDbSink;
import dev.shopstream.warehouse.duckdb.DuckDbWarehouse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.io.gcp.pubsub.PubsubMessage;
import org.apache.beam.sdk.io.gcp.pubsub.PubsubMessageWithAttributesAndMessageIdCoder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.TimestampedValue;

/**
 * Steady-state throughput of the events pipeline: the full graph (parse, validate, dedupe, enrich with the catalog,
 * sessions, trends, the item-to-item model, DuckDB) beside an identity pipeline (the same source, one counting step)
 * on the same runner and the same generated input, in one process. The input is {@link GeneratedTraffic} read
 * through {@link GeneratedMessages} (an unbounded source, so the runner bundles it as it bundles Pub/Sub); one
 * message in 20 is a duplicate and one in 50 malformed. The first {@code --warmup} messages (default a fifth of
 * {@code --events}) are not timed: a run is timed from the moment the source has read them to the moment the last
 * message's effect is there (counted; in DuckDB: every events row and dead letter), so neither start-up nor the
 * end-of-input flush counts; the process's CPU time per measured message is printed too. {@code --rounds=R} runs
 * both R times, alternating which goes first. After each full run the bench checks the warehouse: events rows = new
 * events, dead-letter rows = malformed messages; it fails when they differ.
 *
 * <p>Run: {@code ./mvnw -B -ntp -q -pl pipeline test-compile exec:java -Pbench -Dbench.args="--events=5000"};
 * {@code --backfill=DIR} instead times the batch backfill over upload files ({@code datagen convert-online-retail
 * --out DIR}) beside reading them;
 * {@code --catalog=false} leaves the catalog (and enrichment) out; other arguments are pipeline options (e.g.
 * {@code --runner=FlinkRunner}, {@code --targetParallelism=4}).
 * Defaults are the local stack's: DirectRunner, streaming, the runner's immutability and encodability checks off,
 * 16 worker threads; with {@code --runner=FlinkRunner} an embedded cluster, parallelism 2, checkpoints every 5 s
 * ({@link #FLINK_LOCAL_STACK}).
 */
public final class PipelineBench {
  private PipelineBench() {}

  public static void main(String[] args) throws Exception {
    CloudLogging.install();
    long n = 5_000;
    long warmup = -1;
    int rounds = 1;
    boolean withCatalog = true;
    Path backfill = null;
    Map<String, String> given = new LinkedHashMap<>();
    for (String arg : args) {
      if (!arg.startsWith("--") || !arg.contains("=")) {
        throw new IllegalArgumentException("arguments are --name=value, was " + arg);
      }
      String name = arg.substring(2, arg.indexOf('='));
      String value = arg.substring(arg.indexOf('=') + 1);
      switch (name) {
        case "backfill" -> backfill = Path.of(value);
        case "events" -> n = Long.parseLong(value);
        case "warmup" -> warmup = Long.parseLong(value);
        case "rounds" -> rounds = Integer.parseInt(value);
        case "catalog" -> withCatalog = Boolean.parseBoolean(value);
        default -> given.put(name, value);
      }
    }
    Map<String, String> options = defaults(given.getOrDefault("runner", "DirectRunner"));
    options.putAll(given);
    if (backfill != null) {
      options.put("streaming", "false");
      backfill(backfill, withCatalog, options);
      return;
    }
    if (warmup < 0) {
      warmup = n / 5;
    }
    if (warmup >= n) {
      throw new IllegalArgumentException("--warmup must be less than --events");
    }
    GeneratedTraffic traffic = GeneratedTraffic.of(n, Instant.now());
    long expectedEvents = traffic.count(Kind.NEW);
    long expectedDeadLetters = traffic.count(Kind.MALFORMED);
    System.err.printf(Locale.ROOT, "pipeline bench: %d messages (%d new events, %d duplicates, %d malformed), "
            + "the first %d a warm-up, %d round(s), %s%n",
        n, expectedEvents, traffic.count(Kind.DUPLICATE), expectedDeadLetters, warmup, rounds, options);

    boolean catalog = withCatalog;
    List<Steady> identities = new ArrayList<>();
    List<Steady> fulls = new ArrayList<>();
    for (int round = 1; round <= rounds; round++) {
      // alternate which goes first, so that a change of load favours neither
      for (boolean full : round % 2 == 1 ? new boolean[] {false, true} : new boolean[] {true, false}) {
        if (!full) {
          identities.add(steady("identity (read -> count)", traffic, warmup, options, null,
              (pipeline, t) -> identity(pipeline, traffic), () -> IDENTITY_COUNT.get() >= traffic.n()));
          continue;
        }
        Path file = Files.createTempDirectory("pipeline-bench").resolve("warehouse.duckdb");
        DuckDbWarehouse warehouse = DuckDbWarehouse.open(file);
        Steady result = steady("full graph -> DuckDB" + (catalog ? "" : " (no catalog)"), traffic, warmup,
            options, file, (pipeline, t) -> EventsPipeline.build(pipeline, GeneratedMessages.of(traffic),
                catalog ? catalog(traffic) : null, DuckDbSink.at(file)),
            () -> warehouse.count("events") >= expectedEvents
                && warehouse.count("dead_letter") >= expectedDeadLetters);
        fulls.add(result);
        check(warehouse, expectedEvents, expectedDeadLetters);
      }
    }
    printSteady(options, n, warmup, identities, fulls);
  }

  /** The local stack's settings of each runner (arguments override them). */
  static Map<String, String> defaults(String runner) {
    Map<String, String> options = new LinkedHashMap<>();
    options.put("runner", runner);
    options.put("streaming", "true");
    if (runner.equals("FlinkRunner")) {
      options.putAll(FLINK_LOCAL_STACK);
      options.putAll(FLINK_BENCH_ONLY);
      options.put("stateBackendStoragePath", checkpointDirectory());
    } else {
      options.put("enforceImmutability", "false");
      options.put("enforceEncodability", "false");
      options.put("targetParallelism", "16");
    }
    return options;
  }

  /**
   * The local stack's Flink settings: embedded cluster, one slot per core, checkpoints every 5 s (as the stack runs
   * it); {@code objectReuse}: an element goes to the next chained operator as it is, where Flink by default deep-copies
   * it through its coder on every chained edge (encode + decode: the identity pipeline ran about 2x faster without
   * the copies; Beam's model already forbids mutating an input or an output once emitted).
   * {@code --fasterCopy} is deliberately not set: Beam's {@code CoderTypeSerializer.copy} then returns the object
   * itself, and the heap state backend uses that copy for its copy-on-write while a checkpoint is written, whereas
   * the model's lists and Beam's merging window sets are mutated in place (a 120,000-message run with it failed its
   * checkpoints and, restored, failed in {@code MergingActiveWindowSet}: "Unexpected empty state address window
   * set"; a run without it failed its checkpoints too, see docs/BENCHMARKS.md, so that is not the only cause).
   */
  static final Map<String, String> FLINK_LOCAL_STACK = Map.of(
      "flinkMaster", "[local]",
      "parallelism", "2",
      "checkpointingInterval", "5000",
      "objectReuse", "true",
      "stateBackend", "filesystem");

  /**
   * Checkpoints go to files ({@code --stateBackend=filesystem}: heap state as before, checkpoints written to
   * {@code --stateBackendStoragePath}): Flink's default keeps them in the job manager's memory, at most 5 MB per
   * operator state, and the sessions' state passed that within minutes ("Size of the state is larger than the maximum
   * permitted memory-backed state. Size=5551728, maxSize=5242880"), failing every checkpoint and then the job.
   */
  private static String checkpointDirectory() {
    try {
      return Files.createTempDirectory("pipeline-bench-checkpoints").toUri().toString();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /**
   * Bench-only: sources end when their input does (a checkpointed Beam source otherwise never ends, see
   * {@code FlinkPipelineOptions#getShutdownSourcesAfterIdleMs}; a Pub/Sub source never runs out anyway), and a
   * failed job is not restarted (a measurement across a restart from a checkpoint means nothing, and the embedded
   * cluster's logs are not printed: the failure surfaces as the bench's exception instead).
   */
  static final Map<String, String> FLINK_BENCH_ONLY = Map.of(
      "shutdownSourcesAfterIdleMs", "0",
      "numberOfExecutionRetries", "0");

  /** Fails unless the warehouse holds exactly one events row per new event and one dead letter per malformed one. */
  private static void check(DuckDbWarehouse warehouse, long events, long deadLetters) throws Exception {
    long eventsRows = warehouse.count("events");
    long deadLetterRows = warehouse.count("dead_letter");
    System.out.printf(Locale.ROOT, "%nwarehouse: %d events rows (expected %d), %d dead_letter rows (expected %d), "
            + "%d sessions, %d product_trends, %d item_neighbors, %d user_activity%n",
        eventsRows, events, deadLetterRows, deadLetters, warehouse.count("sessions"),
        warehouse.count("product_trends"), warehouse.count("item_neighbors"), warehouse.count("user_activity"));
    if (eventsRows != events || deadLetterRows != deadLetters) {
      throw new IllegalStateException("the full pipeline lost or duplicated rows");
    }
  }

  /**
   * One steady-state measurement: messages after the warm-up over the time from the moment the source has read the
   * warm-up (the next message is the first measured one) to the moment the last message's effect is there (the
   * identity: counted; the full graph: every events row and dead letter in DuckDB), and the process's CPU time per
   * measured message over the same interval. Start-up before and the job's end after (the end-of-input firing of
   * every window, the final checkpoint, shutdown) are outside it.
   */
  record Steady(String name, long messages, double seconds, double cpuSeconds, double total) {
    double rate() {
      return messages / seconds;
    }

    double cpuMicrosPerMessage() {
      return cpuSeconds * 1e6 / messages;
    }
  }

  /** A condition polled while a run goes on (a warehouse query may throw). */
  interface Done {
    boolean done() throws Exception;
  }

  private static Steady steady(String name, GeneratedTraffic traffic, long warmup, Map<String, String> options,
      Path file, Graph graph, Done done) throws Exception {
    Pipeline pipeline = pipeline(options, file);
    graph.build(pipeline, traffic);
    GeneratedMessages.resetRead();
    IDENTITY_COUNT.set(0);
    java.util.concurrent.CompletableFuture<PipelineResult> run = new java.util.concurrent.CompletableFuture<>();
    long start = System.nanoTime();
    Thread runner = new Thread(() -> {
      try {
        PipelineResult result = pipeline.run(); // the Flink runner returns when the job has ended
        result.waitUntilFinish();
        run.complete(result);
      } catch (Throwable t) {
        run.completeExceptionally(t);
      }
    }, "bench-" + name);
    runner.start();
    long warmNanos = -1;
    long warmCpu = 0;
    long endNanos = -1;
    long endCpu = 0;
    long allReadNanos = -1;
    while (endNanos < 0) {
      if (run.isDone()) {
        run.get(); // a failure surfaces here
        if (warmNanos < 0 || !done.done()) {
          throw new IllegalStateException(name + " ended before its input was processed");
        }
      }
      if (warmNanos < 0 && GeneratedMessages.read() >= warmup) {
        warmNanos = System.nanoTime();
        warmCpu = cpuNanos();
      }
      if (allReadNanos < 0 && GeneratedMessages.read() >= traffic.n()) {
        allReadNanos = System.nanoTime();
      }
      if (warmNanos >= 0 && allReadNanos >= 0 && done.done()) {
        endNanos = System.nanoTime();
        endCpu = cpuNanos();
      } else {
        Thread.sleep(file == null ? 5 : 20);
      }
    }
    PipelineResult result = run.get();
    double total = (System.nanoTime() - start) / 1e9;
    if (file != null) {
      System.err.println("counters: " + PipelineMetrics.of(result, Instant.now()).counters());
    } else if (TestEvents.counter(result, PipelineBench.class, "identity") != traffic.n()) {
      throw new IllegalStateException("the identity pipeline did not count every message");
    }
    Steady steady = new Steady(name, traffic.n() - warmup, (endNanos - warmNanos) / 1e9, (endCpu - warmCpu) / 1e9,
        total);
    // the last message read -> its effect: what was still in flight when the source ran out (a freshness bound)
    System.err.printf(Locale.ROOT, "%s: %d messages after the warm-up in %.1f s: %.0f messages/s, %.0f µs CPU per "
            + "message; last message read -> effect %.2f s (whole run %.1f s)%n", name, steady.messages(),
        steady.seconds(), steady.rate(), steady.cpuMicrosPerMessage(), (endNanos - allReadNanos) / 1e9, total);
    return steady;
  }

  private static long cpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
        .getOperatingSystemMXBean()).getProcessCpuTime();
  }

  private static void printSteady(Map<String, String> options, long n, long warmup, List<Steady> identities,
      List<Steady> fulls) {
    System.out.println();
    System.out.printf(Locale.ROOT, "| %s, steady state: %d messages after %d of warm-up | round | seconds | "
        + "messages/s | CPU µs/message | whole run (s) |%n", options.get("runner"), n - warmup, warmup);
    System.out.println("|---|---:|---:|---:|---:|---:|");
    double ratios = 0;
    for (int i = 0; i < fulls.size(); i++) {
      for (Steady s : List.of(identities.get(i), fulls.get(i))) {
        System.out.printf(Locale.ROOT, "| %s | %d | %.1f | %.0f | %.0f | %.1f |%n", s.name(), i + 1, s.seconds(),
            s.rate(), s.cpuMicrosPerMessage(), s.total());
      }
      double ratio = fulls.get(i).rate() / identities.get(i).rate();
      ratios += ratio;
      System.out.printf(Locale.ROOT, "| full / identity | %d | | %.3f | | |%n", i + 1, ratio);
    }
    System.out.printf(Locale.ROOT, "| full / identity, mean of %d round(s) | | | **%.3f** | | |%n", fulls.size(),
        ratios / fulls.size());
  }

  /** The identity pipeline's count, read by the bench while it runs (the embedded runners run in this JVM). */
  static final java.util.concurrent.atomic.AtomicLong IDENTITY_COUNT = new java.util.concurrent.atomic.AtomicLong();

  interface Graph {
    void build(Pipeline pipeline, GeneratedTraffic traffic);
  }

  /**
   * The batch backfill over upload files ({@code datagen convert-online-retail --out DIR}: {@code DIR/events/*},
   * {@code DIR/catalog/*}): identity (read the files, count the rows) beside the full graph on the same runner, in
   * batch mode. Checks that every row read is an events row or a dead letter.
   */
  private static void backfill(Path dir, boolean withCatalog, Map<String, String> options) throws Exception {
    String events = dir.resolve("events").resolve("*").toString();
    String catalog = dir.resolve("catalog").resolve("*").toString();
    if (!Files.isDirectory(dir.resolve("events"))) {
      throw new IllegalArgumentException(dir + "/events does not exist: make it with `java -jar "
          + "datagen/target/datagen.jar convert-online-retail --out " + dir + "`");
    }
    System.err.printf(Locale.ROOT, "pipeline bench (backfill): %s, catalog %s, %s%n", events,
        withCatalog ? catalog : "none", options);
    List<String[]> rows = new ArrayList<>();
    long[] read = new long[1];
    double identity = run("identity (read files -> count)", -1, options, rows, (pipeline, t) ->
        pipeline.apply("ReadFiles", ReadFileRows.events(events)).apply("Count", ParDo.of(new CountFn())), null,
        result -> read[0] = TestEvents.counter(result, PipelineBench.class, "identity"));
    Path file = Files.createTempDirectory("pipeline-bench").resolve("warehouse.duckdb");
    double full = run("full graph -> DuckDB" + (withCatalog ? "" : " (no catalog)"), read[0], options, rows,
        (pipeline, t) -> EventsPipeline.build(pipeline, ReadFileRows.events(events),
            withCatalog ? ReadFileRows.catalog(catalog) : null, DuckDbSink.at(file)), file, result -> {});
    print(options.get("runner") + " batch backfill", read[0], rows, full / identity);
    try (DuckDbWarehouse warehouse = DuckDbWarehouse.open(file)) {
      long eventsRows = warehouse.count("events");
      long deadLetters = warehouse.count("dead_letter");
      System.out.printf(Locale.ROOT, "%nwarehouse: %d rows read = %d events rows + %d dead_letter rows; %d products, "
              + "%d sessions, %d product_trends, %d item_neighbors, %d user_activity%n",
          read[0], eventsRows, deadLetters, warehouse.count("products"), warehouse.count("sessions"),
          warehouse.count("product_trends"), warehouse.count("item_neighbors"), warehouse.count("user_activity"));
      if (eventsRows + deadLetters != read[0]) {
        throw new IllegalStateException("the backfill lost or duplicated rows");
      }
    }
  }

  private static void print(String what, long n, List<String[]> rows, double ratio) {
    System.out.println();
    System.out.printf(Locale.ROOT, "| pipeline (%s, %d messages) | seconds | messages/s |%n", what, n);
    System.out.println("|---|---:|---:|");
    for (String[] row : rows) {
      System.out.printf(Locale.ROOT, "| %s | %s | %s |%n", (Object[]) row);
    }
    System.out.printf(Locale.ROOT, "| full / identity | | %.3f |%n", ratio);
  }

  /** A pipeline with {@code options} ({@code name -> value}), writing DuckDB at {@code file} unless it is null. */
  private static Pipeline pipeline(Map<String, String> options, Path file) {
    List<String> args = new ArrayList<>();
    options.forEach((k, v) -> args.add("--" + k + "=" + v));
    if (file != null) {
      args.add("--warehouse=DUCKDB");
      args.add("--duckdbPath=" + file);
    }
    PipelineOptionsFactory.register(EventsPipelineOptions.class);
    return Pipeline.create(PipelineOptionsFactory.fromArgs(args.toArray(String[]::new))
        .as(EventsPipelineOptions.class));
  }

  /** Runs one graph; {@code n} messages (-1: what {@code check} finds out); returns messages per second. */
  private static double run(String name, long n, Map<String, String> options, List<String[]> rows, Graph graph,
      Path file, java.util.function.Consumer<PipelineResult> check) {
    Pipeline pipeline = pipeline(options, file);
    graph.build(pipeline, null);
    long start = System.nanoTime();
    PipelineResult result = pipeline.run();
    result.waitUntilFinish();
    double seconds = (System.nanoTime() - start) / 1e9;
    check.accept(result);
    if (file != null) {
      System.err.println("counters: " + PipelineMetrics.of(result, Instant.now()).counters());
    }
    long messages = n >= 0 ? n : TestEvents.counter(result, PipelineBench.class, "identity");
    double rate = messages / seconds;
    rows.add(new String[] {name, String.format(Locale.ROOT, "%.1f", seconds),
        String.format(Locale.ROOT, "%.0f", rate)});
    System.err.printf(Locale.ROOT, "%s: %.1f s, %.0f messages/s%n", name, seconds, rate);
    return rate;
  }

  private static void identity(Pipeline pipeline, GeneratedTraffic traffic) {
    pipeline.apply("ReadMessages", GeneratedMessages.of(traffic)).apply("Count", ParDo.of(new CountFn()));
  }

  private static Create.TimestampedValues<PubsubMessage> catalog(GeneratedTraffic traffic) {
    List<TimestampedValue<PubsubMessage>> products = new ArrayList<>();
    org.joda.time.Instant at = new org.joda.time.Instant(traffic.end().minusSeconds(3_600).toEpochMilli());
    for (PubsubMessage m : traffic.catalog()) {
      products.add(TimestampedValue.of(m, at));
    }
    return Create.timestamped(products).withCoder(PubsubMessageWithAttributesAndMessageIdCoder.of());
  }

  static final class CountFn extends DoFn<PubsubMessage, Void> {
    private final Counter identity = Metrics.counter(PipelineBench.class, "identity");

    @ProcessElement
    public void process(@Element PubsubMessage message) {
      identity.inc();
      IDENTITY_COUNT.incrementAndGet();
    }
  }
}
