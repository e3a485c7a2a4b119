package dev.shopstream.pipeline.bench;

import dev.shopstream.contract.logging.CloudLogging;
import dev.shopstream.pipeline.EventsPipeline;
import dev.shopstream.pipeline.EventsPipelineOptions;
import dev.shopstream.pipeline.metrics.PipelineMetrics;
import dev.shopstream.pipeline.testing.GeneratedMessages;
import dev.shopstream.pipeline.testing.GeneratedTraffic;
import dev.shopstream.pipeline.testing.GeneratedTraffic.Kind;
import dev.shopstream.pipeline.testing.TestEvents;
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
      if (name.equals("events")) {
        n = Long.parseLong(value);
      } else if (name.equals("catalog")) {
        withCatalog = Boolean.parseBoolean(value);
      } else {
        options.put(name, value);
      }
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
    System.out.println();
    System.out.printf(Locale.ROOT, "| pipeline (%s, %d messages) | seconds | messages/s |%n", options.get("runner"), n);
    System.out.println("|---|---:|---:|");
    for (String[] row : rows) {
      System.out.printf(Locale.ROOT, "| %s | %s | %s |%n", (Object[]) row);
    }
    System.out.printf(Locale.ROOT, "| full / identity | | %.3f |%n", full / identity);

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

  private static double run(String name, GeneratedTraffic traffic, Map<String, String> options, List<String[]> rows,
      Graph graph, Path file) {
    List<String> args = new ArrayList<>();
    options.forEach((k, v) -> args.add("--" + k + "=" + v));
    if (file != null) {
      args.add("--warehouse=DUCKDB");
      args.add("--duckdbPath=" + file);
    }
    PipelineOptionsFactory.register(EventsPipelineOptions.class);
    Pipeline pipeline = Pipeline.create(PipelineOptionsFactory.fromArgs(args.toArray(String[]::new))
        .as(EventsPipelineOptions.class));
    graph.build(pipeline, traffic);
    long start = System.nanoTime();
    PipelineResult result = pipeline.run();
    result.waitUntilFinish();
    double seconds = (System.nanoTime() - start) / 1e9;
    if (file == null && TestEvents.counter(result, PipelineBench.class, "identity") != traffic.n()) {
      throw new IllegalStateException("the identity pipeline did not count every message");
    }
    if (file != null) {
      System.err.println("counters: " + PipelineMetrics.of(result, Instant.now()).counters());
    }
    double rate = traffic.n() / seconds;
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
