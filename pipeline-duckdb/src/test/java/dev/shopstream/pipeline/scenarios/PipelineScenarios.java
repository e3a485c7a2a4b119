package dev.shopstream.pipeline.scenarios;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.shopstream.contract.EventCodec;
import dev.shopstream.contract.rows.RowParser;
import dev.shopstream.pipeline.EventsPipeline;
import dev.shopstream.pipeline.EventsPipelineOptions;
import dev.shopstream.pipeline.transforms.ReadFileRows;
import dev.shopstream.pipeline.sink.DuckDbSink;
import dev.shopstream.warehouse.duckdb.DuckDbWarehouse;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.io.gcp.pubsub.PubsubMessage;
import org.apache.beam.sdk.io.gcp.pubsub.PubsubMessageWithAttributesCoder;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.values.TimestampedValue;
import org.joda.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Whole-pipeline scenarios ({@link EventsPipeline#build} into DuckDB) that every runner must pass: this class runs
 * them on the DirectRunner, {@code pipeline-flink}'s subclass on an embedded Flink cluster. A subclass gives the
 * runner's options ({@link #options}).
 *
 * <ul>
 *   <li>A backfill of upload files and a stream of the same upload produce the same tables.
 *   <li>Nothing is lost: N inputs with K malformed and D duplicates (some an hour later, in event time and, where
 *       the runner's TestStream can, processing time: beyond the Pub/Sub read's id window, so DedupeEvents must drop
 *       them) give exactly N - K - D events rows and K dead letters.
 * </ul>
 */
public abstract class PipelineScenarios {
  static final Instant DAY = Instant.parse("2026-11-22T08:00:00Z");
  static final String CSV_HEADER = "event_id,event_type,user_id,session_id,event_time,product_id,quantity,price,"
      + "currency,query";

  static final String FINAL_TRENDS = "SELECT * EXCLUDE (updated_at, timing) FROM product_trends "
      + "WHERE timing IS DISTINCT FROM 'EARLY' ORDER BY product_id, event_type, window_start";

  @TempDir Path folder;

  /** The runner's options; the DirectRunner here. */
  protected PipelineOptions options() {
    PipelineOptions options = org.apache.beam.sdk.options.PipelineOptionsFactory.create();
    options.setRunner(org.apache.beam.runners.direct.DirectRunner.class);
    return options;
  }

  /**
   * Whether the runner's TestStream can advance processing time (Flink's cannot). Without it the streams here skip
   * those steps, and the model emits at every change instead of every {@code --modelEmitEvery}.
   */
  protected boolean advancesProcessingTime() {
    return true;
  }

  private TestStream.Builder<PubsubMessage> later(TestStream.Builder<PubsubMessage> stream, Duration duration) {
    return advancesProcessingTime() ? stream.advanceProcessingTime(duration) : stream;
  }

  private EventsPipelineOptions streamOptions() {
    EventsPipelineOptions options = pipelineOptions();
    if (!advancesProcessingTime()) {
      options.setModelEmitEvery("PT0S");
    }
    return options;
  }

  private EventsPipelineOptions pipelineOptions() {
    EventsPipelineOptions options = options().as(EventsPipelineOptions.class);
    options.setEarlyFiringDelay("PT1H"); // no early trend panes: both runs emit the final ones only
    return options;
  }

  /** A generated day of shopping as JSONL rows (every third without event_id) and CSV rows, plus bad rows. */
  record Upload(List<String> jsonl, List<String> csv, int malformed) {
    static Upload generate(int events, long seed) {
      Random random = new Random(seed);
      List<String> jsonl = new ArrayList<>();
      List<String> csv = new ArrayList<>();
      for (int i = 0; i < events; i++) {
        String user = "u-" + random.nextInt(6);
        String product = "p-" + random.nextInt(8);
        String type = switch (random.nextInt(6)) {
          case 0 -> "purchase";
          case 1, 2 -> "add_to_cart";
          default -> "view";
        };
        Instant time = DAY.plusSeconds(random.nextInt(2 * 3600));
        int quantity = 1 + random.nextInt(3);
        double price = 5 + random.nextInt(20) * 0.5;
        boolean withId = i % 3 == 0;
        if (i % 2 == 0) {
          jsonl.add("{" + (withId ? "\"event_id\":\"e-" + i + "\"," : "") + "\"event_type\":\"" + type
              + "\",\"user_id\":\"" + user + "\",\"event_time\":\"" + time + "\",\"products\":[{\"product_id\":\""
              + product + "\",\"quantity\":" + quantity + ",\"price\":" + price + "}],\"currency\":\"EUR\"}");
        } else {
          csv.add((withId ? "e-" + i : "") + "," + type + "," + user + ",," + time + "," + product + "," + quantity
              + "," + price + ",EUR,");
        }
      }
      jsonl.add(3, "{\"event_type\": \"view\", ");                   // bad JSON
      jsonl.add(7, "{\"event_type\":\"teleport\",\"user_id\":\"u-1\",\"event_time\":\"" + DAY + "\"}"); // invalid
      jsonl.add(9, "");                                              // blank: skipped, as in uploads
      csv.add(2, "e-x,view,u-1");                                    // wrong field count
      csv.add(5, ",view,u-2,,not-a-time,p-1,1,1.0,EUR,");            // invalid event_time
      return new Upload(jsonl, csv, 4);
    }
  }

  @Test
  @SuppressWarnings("unchecked")
  public void aBackfillAndAStreamOfTheSameUploadProduceTheSameTables() throws Exception {
    Upload upload = Upload.generate(40, 42);
    Path dir = Files.createDirectory(folder.resolve("upload"));
    Path jsonl = write(dir.resolve("part-0.jsonl"), String.join("\n", upload.jsonl()) + "\n", false);
    Path csv = write(dir.resolve("part-1.csv.gz"), CSV_HEADER + "\r\n" + String.join("\r\n", upload.csv()) + "\r\n", true);

    // the stream: what the upload function publishes for each row (ids from bucket, object, line and the row: here
    // the backfill's defaults for a local file, an empty bucket and the path) and, for the
    // bad rows, what a careless publisher would send: the raw text
    List<PubsubMessage> stream = new ArrayList<>();
    stream.addAll(messages(RowParser.events(RowParser.Format.JSONL, "", jsonl.toString()), false, upload.jsonl()));
    stream.addAll(messages(RowParser.events(RowParser.Format.CSV, "", csv.toString()), true, upload.csv()));
    // one step of the TestStream (each step waits for the whole graph to settle)
    List<TimestampedValue<PubsubMessage>> timestamped = stream.stream().map(PipelineScenarios::timestamped).toList();
    TestStream.Builder<PubsubMessage> events = TestStream.create(PubsubMessageWithAttributesCoder.of())
        .addElements(timestamped.get(0), timestamped.subList(1, timestamped.size()).toArray(TimestampedValue[]::new));
    Path streamed = folder.resolve("stream.duckdb");
    // a minute passes (the model emits its neighbours every --modelEmitEvery of processing time), then the day ends
    run(later(events, Duration.standardMinutes(1)).advanceWatermarkToInfinity(), streamOptions(), streamed);

    // the backfill: the files themselves, in one run
    Path backfilled = folder.resolve("backfill.duckdb");
    Pipeline pipeline = Pipeline.create(pipelineOptions());
    EventsPipeline.build(pipeline, ReadFileRows.events(dir.resolve("part-*").toString()), DuckDbSink.at(backfilled));
    assertThat(pipeline.run().waitUntilFinish()).isEqualTo(PipelineResult.State.DONE);

    long rows = upload.jsonl().stream().filter(s -> !s.isBlank()).count() + upload.csv().size();
    assertThat(count(backfilled, "events")).isEqualTo(rows - upload.malformed());
    assertThat(count(backfilled, "dead_letter")).isEqualTo(upload.malformed());
    for (String query : List.of(
        "SELECT * EXCLUDE (ingest_time) FROM events ORDER BY event_id",
        "SELECT count(*), count(DISTINCT step) FROM dead_letter",
        "SELECT * EXCLUDE (updated_at) FROM sessions ORDER BY user_id, session_start",
        // the final pane of every window (a batch run on Flink emits it without pane timing: NULL)
        FINAL_TRENDS,
        // the products with neighbours; the neighbours and scores themselves are not compared: the model is online,
        // what co-occurs in a user's recent history depends on the order the user's events arrive in, and a
        // backfill reads them in no particular order (see docs/DATAFLOW.md)
        "SELECT DISTINCT product_id FROM item_neighbors ORDER BY ALL",
        // each user's recent products and purchases; which interaction with a product is the recent one (and the
        // order) follows the arrival order, as above
        "SELECT user_id, list_sort(list_transform(recent_items, lambda x: x.product_id)), list_sort(purchased) "
            + "FROM user_activity ORDER BY user_id")) {
      assertThat(select(backfilled, query)).as(query).isNotEmpty().isEqualTo(select(streamed, query));
    }
    // each event is in 12 sliding windows (1 h every 5 min): the final panes count every event 12 times
    assertThat(select(backfilled, "SELECT sum(events) FROM (" + FINAL_TRENDS + ")"))
        .containsExactly("[" + 12 * (rows - upload.malformed()) + "]");
    assertThat(select(backfilled, "SELECT DISTINCT step FROM dead_letter ORDER BY 1"))
        .containsExactly("[parse]", "[validate]");
    assertThat(select(backfilled, "SELECT payload FROM dead_letter WHERE error LIKE '%field(s), the header has%'"))
        .containsExactly("[e-x,view,u-1]");
  }

  @Test
  public void nothingIsLostAndEveryDuplicateIsDropped() throws Exception {
    int n = 0;
    int malformed = 0;
    int duplicates = 0;
    TestStream.Builder<PubsubMessage> stream = TestStream.create(PubsubMessageWithAttributesCoder.of());
    List<PubsubMessage> originals = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      String id = "e-" + i;
      Instant time = DAY.plusSeconds(60L * i);
      String json = "{\"event_id\":\"" + id + "\",\"event_type\":\"view\",\"user_id\":\"u-" + (i % 5)
          + "\",\"event_time\":\"" + time + "\",\"products\":[{\"product_id\":\"p-" + (i % 7) + "\"}]}";
      originals.add(new PubsubMessage(json.getBytes(UTF_8), Map.of("event_id", id, "event_time", time.toString())));
    }
    for (PubsubMessage m : originals) {
      stream = stream.addElements(timestamped(m));
      n++;
    }
    // duplicates close by: a client retry in the same second
    for (int i = 0; i < 40; i += 8) {
      stream = stream.addElements(timestamped(originals.get(i)));
      n++;
      duplicates++;
    }
    stream = stream.addElements(TimestampedValue.of(new PubsubMessage("{\"event_id\":".getBytes(UTF_8), Map.of()),
        org.joda.time.Instant.ofEpochMilli(DAY.toEpochMilli())));
    stream = stream.addElements(TimestampedValue.of(new PubsubMessage(
        "{\"event_id\":\"e-bad\",\"event_type\":\"view\"}".getBytes(UTF_8), Map.of("event_id", "e-bad")),
        org.joda.time.Instant.ofEpochMilli(DAY.toEpochMilli())));
    n += 2;
    malformed += 2;
    // an hour later (processing and event time): far beyond the Pub/Sub id window, only DedupeEvents can drop them
    stream = later(stream.advanceWatermarkTo(org.joda.time.Instant.ofEpochMilli(DAY.plusSeconds(3600)
        .toEpochMilli())), Duration.standardHours(1));
    for (int i = 3; i < 40; i += 5) {
      PubsubMessage again = originals.get(i);
      stream = stream.addElements(TimestampedValue.of(again,
          org.joda.time.Instant.ofEpochMilli(DAY.plusSeconds(3700).toEpochMilli())));
      n++;
      duplicates++;
    }
    stream = stream.addElements(TimestampedValue.of(new PubsubMessage(new byte[] {(byte) 0xC3, 0x28}, Map.of()),
        org.joda.time.Instant.ofEpochMilli(DAY.plusSeconds(3700).toEpochMilli())));
    n++;
    malformed++;

    Path file = folder.resolve("warehouse.duckdb");
    run(stream.advanceWatermarkToInfinity(), streamOptions(), file);

    assertThat(count(file, "events")).isEqualTo(n - malformed - duplicates).isEqualTo(40);
    assertThat(select(file, "SELECT count(DISTINCT event_id) FROM events")).containsExactly("[40]");
    assertThat(count(file, "dead_letter")).isEqualTo(malformed);
  }

  /**
   * The learned factor model (on by default) writes one {@code item_factors} row per product of the stream, of the
   * model's dimensions, all of one model version although it emitted more than once (two batches, a processing-time
   * minute apart where the runner can advance it, else an emission after every example); with
   * {@code --factorModel=false} the same stream writes none, and the rest as before.
   */
  @Test
  public void theFactorModelWritesEveryProductsVectorsUnderOneVersionAndNothingWhenOff() throws Exception {
    Random random = new Random(3);
    TestStream.Builder<PubsubMessage> stream = TestStream.create(PubsubMessageWithAttributesCoder.of());
    java.util.Set<String> products = new java.util.TreeSet<>();
    for (int i = 0; i < 60; i++) {
      if (i == 30) { // the second batch, after a minute of processing time
        stream = later(stream, Duration.standardMinutes(2));
      }
      String id = "f-" + i;
      Instant time = DAY.plusSeconds(30L * i);
      String product = "p-" + random.nextInt(i < 30 ? 6 : 9);
      products.add(product);
      String type = i % 7 == 0 ? "purchase" : i % 3 == 0 ? "add_to_cart" : "view";
      String json = "{\"event_id\":\"" + id + "\",\"event_type\":\"" + type + "\",\"user_id\":\"u-"
          + random.nextInt(5) + "\",\"event_time\":\"" + time + "\",\"products\":[{\"product_id\":\"" + product
          + "\"}]}";
      stream = stream.addElements(timestamped(new PubsubMessage(json.getBytes(UTF_8),
          Map.of("event_id", id, "event_time", time.toString()))));
    }
    TestStream<PubsubMessage> source = stream.advanceWatermarkToInfinity();

    EventsPipelineOptions on = streamOptions();
    if (!advancesProcessingTime()) {
      on.setFactorEmitEvery("PT0S");
    }
    Path file = folder.resolve("factors.duckdb");
    Pipeline pipeline = Pipeline.create(on);
    EventsPipeline.build(pipeline, source, DuckDbSink.at(file));
    PipelineResult result = pipeline.run();
    assertThat(result.waitUntilFinish()).isEqualTo(PipelineResult.State.DONE);
    long emissions = 0;
    for (var c : result.metrics().queryMetrics(org.apache.beam.sdk.metrics.MetricsFilter.builder()
        .addNameFilter(org.apache.beam.sdk.metrics.MetricNameFilter.named(
            dev.shopstream.pipeline.recommender.FactorTrainer.class, "emissions")).build()).getCounters()) {
      emissions += c.getAttempted();
    }
    assertThat(emissions).as("emissions of the factor model").isGreaterThanOrEqualTo(2);
    assertThat(select(file, "SELECT product_id FROM item_factors ORDER BY 1"))
        .containsExactlyElementsOf(products.stream().map(p -> "[" + p + "]").toList());
    assertThat(select(file, "SELECT count(DISTINCT model_version), min(model_steps) > 0, "
        + "min(len(context_embedding)), max(len(target_embedding)) FROM item_factors"))
        .containsExactly("[1, true, " + dev.shopstream.model.FactorConfig.defaults().dimensions() + ", "
            + dev.shopstream.model.FactorConfig.defaults().dimensions() + "]");

    EventsPipelineOptions off = streamOptions();
    off.setFactorModel(false);
    Path without = folder.resolve("no-factors.duckdb");
    run(source, off, without);
    assertThat(count(without, "item_factors")).isZero();
    assertThat(count(without, "events")).isEqualTo(60);
    assertThat(select(without, "SELECT DISTINCT product_id FROM item_neighbors ORDER BY 1"))
        .isEqualTo(select(file, "SELECT DISTINCT product_id FROM item_neighbors ORDER BY 1")).isNotEmpty();
  }

  private static void run(TestStream<PubsubMessage> source, EventsPipelineOptions options, Path file) {
    Pipeline pipeline = Pipeline.create(options);
    EventsPipeline.build(pipeline, source, DuckDbSink.at(file));
    assertThat(pipeline.run().waitUntilFinish()).isEqualTo(PipelineResult.State.DONE);
  }

  /** The messages the upload function publishes for these rows; a row it would reject is sent as raw text. */
  static List<PubsubMessage> messages(RowParser parser, boolean csv, List<String> rows) throws Exception {
    List<PubsubMessage> messages = new ArrayList<>();
    long line = 1;
    if (csv) {
      parser.header(CSV_HEADER);
      line++;
    }
    EventCodec codec = new EventCodec(java.time.Clock.systemUTC());
    for (String row : rows) {
      long at = line++;
      if (row.isBlank()) {
        continue;
      }
      RowParser.Parsed parsed = parser.parse(at, row);
      EventCodec.Decoded decoded = parsed.isValid() ? codec.decode(parsed.node()) : null;
      if (decoded != null && decoded.isValid()) {
        messages.add(new PubsubMessage(EventCodec.encode(decoded.event()).getBytes(UTF_8), Map.of(
            "event_id", decoded.event().eventId(), "event_time", decoded.event().eventTime().toString(),
            "schema_version", "1")));
      } else {
        messages.add(new PubsubMessage(row.getBytes(UTF_8), Map.of()));
      }
    }
    return messages;
  }

  private static TimestampedValue<PubsubMessage> timestamped(PubsubMessage m) {
    String time = m.getAttribute("event_time");
    return TimestampedValue.of(m, org.joda.time.Instant.ofEpochMilli(
        time == null ? DAY.toEpochMilli() : Instant.parse(time).toEpochMilli()));
  }

  static Path write(Path file, String text, boolean gzip) throws IOException {
    try (OutputStream out = gzip ? new GZIPOutputStream(Files.newOutputStream(file)) : Files.newOutputStream(file)) {
      out.write(text.getBytes(UTF_8));
    }
    return file;
  }

  static long count(Path file, String table) throws Exception {
    try (DuckDbWarehouse warehouse = DuckDbWarehouse.open(file)) {
      return warehouse.count(table);
    }
  }

  /** Every row of the query as {@code [v1, v2, ...]}. */
  static List<String> select(Path file, String sql) throws Exception {
    List<String> rows = new ArrayList<>();
    try (DuckDbWarehouse warehouse = DuckDbWarehouse.open(file);
        Connection c = warehouse.connect();
        Statement s = c.createStatement();
        ResultSet r = s.executeQuery(sql)) {
      ResultSetMetaData meta = r.getMetaData();
      while (r.next()) {
        List<String> values = new ArrayList<>();
        for (int i = 1; i <= meta.getColumnCount(); i++) {
          values.add(String.valueOf(r.getObject(i)));
        }
        rows.add(values.toString());
      }
    }
    return rows;
  }
}
