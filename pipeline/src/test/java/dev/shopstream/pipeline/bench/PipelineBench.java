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
import dev.shopstream.pipeline.warehouse.DuckDbSink;
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
 * Throughput of the events pipeline: the full graph (parse, validate, dedupe, enrich with the catalog, sessions,
 * trends, the item-to-item model, DuckDB) beside an identity pipeline (the same source, one counting step) on the
 * same runner and the same generated input, in one process. The input is {@link GeneratedTraffic} read through
 * {@link GeneratedMessages} (an unbounded source, so the runner bundles it as it bundles Pub/Sub); one message in
 * 20 is a duplicate and one in 50 malformed. After the full run the bench checks the warehouse: events rows = new
 * events, dead-letter rows = malformed messages; it fails when they differ.
 *
 * <p>Run: {@code ./mvnw -B -ntp -q -pl pipeline test-compile exec:java -Pbench -Dbench.args="--events=5000"};
 * {@code --backfill=DIR} instead times the batch backfill over upload files ({@code datagen convert-online-retail
 * --out DIR}) beside reading them;
 * {@code --catalog=false} leaves the catalog (and enrichment) out; other arguments are pipeline options (e.g. {@code --runner=FlinkRunner}, {@code --targetParallelism=4}).
 * Defaults are the local stack's: DirectRunner, streaming, the runner's immutability and encodability checks off,
 * 16 worker threads.
 */
public final class PipelineBench {
  private PipelineBench() {}

  public static void main(String[] args) throws Exception {
    CloudLogging.install();
    long n = 5_000;
    boolean withCatalog = true;
    Path backfill = null;
    Map<String, String> options = new LinkedHashMap<>();
    options.put("runner", "DirectRunner");
    options.put("streaming", "true");
    options.put("enforceImmutability", "false");
    options.put("enforceEncodability", "false");
    options.put("targetParallelism", "16");
    for (String arg : args) {
      if (!arg.startsWith("--") || !arg.contains("=")) {
        throw new IllegalArgumentException("arguments are --name=value, was " + arg);
      }
      String name = arg.substring(2, arg.indexOf('='));
      String value = arg.substring(arg.indexOf('=') + 1);
      if (name.equals("backfill")) {
        backfill = Path.of(value);
      } else if (name.equals("events")) {
        n = Long.parseLong(value);
      } else if (name.equals("catalog")) {
        withCatalog = Boolean.parseBoolean(value);
      } else {
        options.put(name, value);
      }
    }
    if (backfill != null) {
      options.put("streaming", "false");
      backfill(backfill, withCatalog, options);
      return;
    }
    GeneratedTraffic traffic = GeneratedTraffic.of(n, Instant.now());
    Path dir = Files.createTempDirectory("pipeline-bench");
    System.err.printf(Locale.ROOT, "pipeline bench: %d messages (%d new events, %d duplicates, %d malformed), %s%n",
        n, traffic.count(Kind.NEW), traffic.count(Kind.DUPLICATE), traffic.count(Kind.MALFORMED), options);

    List<String[]> rows = new ArrayList<>();
    double identity = run("identity (read -> count)", traffic, options, rows, PipelineBench::identity, null);
    Path file = dir.resolve("warehouse.duckdb");
    boolean catalog = withCatalog;
    double full = run("full graph -> DuckDB" + (catalog ? "" : " (no catalog)"), traffic, options, rows,
        (pipeline, t) -> EventsPipeline.build(pipeline, GeneratedMessages.of(t), catalog ? catalog(t) : null,
            DuckDbSink.at(file)),
        file);
    print(options.get("runner"), n, rows, full / identity);

    try (DuckDbWarehouse warehouse = DuckDbWarehouse.open(file)) {
      long events = warehouse.count("events");
      long deadLetters = warehouse.count("dead_letter");
      System.out.printf(Locale.ROOT, "%nwarehouse: %d events rows (expected %d), %d dead_letter rows (expected %d), "
              + "%d sessions, %d product_trends, %d item_neighbors, %d user_activity%n",
          events, traffic.count(Kind.NEW), deadLetters, traffic.count(Kind.MALFORMED), warehouse.count("sessions"),
          warehouse.count("product_trends"), warehouse.count("item_neighbors"), warehouse.count("user_activity"));
      if (events != traffic.count(Kind.NEW) || deadLetters != traffic.count(Kind.MALFORMED)) {
        throw new IllegalStateException("the full pipeline lost or duplicated rows");
      }
    }
  }

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

  private static double run(String name, GeneratedTraffic traffic, Map<String, String> options, List<String[]> rows,
      Graph graph, Path file) {
    return run(name, traffic.n(), options, rows, (pipeline, ignored) -> graph.build(pipeline, traffic), file,
        result -> {
          if (file == null && TestEvents.counter(result, PipelineBench.class, "identity") != traffic.n()) {
            throw new IllegalStateException("the identity pipeline did not count every message");
          }
        });
  }

  /** Runs one graph; {@code n} messages (-1: what {@code check} finds out); returns messages per second. */
  private static double run(String name, long n, Map<String, String> options, List<String[]> rows, Graph graph,
      Path file, java.util.function.Consumer<PipelineResult> check) {
    List<String> args = new ArrayList<>();
    options.forEach((k, v) -> args.add("--" + k + "=" + v));
    if (file != null) {
      args.add("--warehouse=DUCKDB");
      args.add("--duckdbPath=" + file);
    }
    PipelineOptionsFactory.register(EventsPipelineOptions.class);
    Pipeline pipeline = Pipeline.create(PipelineOptionsFactory.fromArgs(args.toArray(String[]::new))
        .as(EventsPipelineOptions.class));
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
    }
  }
}
