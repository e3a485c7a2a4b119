package dev.shopstream.pipeline.sink;

import static dev.shopstream.pipeline.testing.TestEvents.counter;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.api.services.bigquery.model.Table;
import com.google.api.services.bigquery.model.TableRow;
import dev.shopstream.contract.DeadLetter;
import dev.shopstream.contract.Event;
import dev.shopstream.contract.Json;
import dev.shopstream.contract.TableSchema;
import dev.shopstream.contract.TableSchemas;
import dev.shopstream.pipeline.coders.DeadLetterCoder;
import dev.shopstream.pipeline.coders.EventCoder;
import dev.shopstream.pipeline.testing.TestEvents;
import dev.shopstream.pipeline.testing.WriteParsed;
import dev.shopstream.pipeline.transforms.ParseEvents;
import java.io.Serializable;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.extensions.gcp.options.GcpOptions;
import org.apache.beam.sdk.io.gcp.testing.FakeBigQueryServices;
import org.apache.beam.sdk.io.gcp.testing.FakeDatasetService;
import org.apache.beam.sdk.io.gcp.testing.FakeJobService;
import org.apache.beam.sdk.io.gcp.bigquery.BigQueryStorageApiInsertError;
import org.apache.beam.sdk.io.gcp.bigquery.BigQueryStorageApiInsertErrorCoder;
import org.apache.beam.sdk.io.gcp.bigquery.TableRowJsonCoder;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.joda.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The BigQuery sink against Beam's fake BigQuery (Storage Write API, exactly-once, streaming input). The fake
 * returns rows the way BigQuery's API does: every cell a string, TIMESTAMP rendered by Beam's proto conversion as
 * {@code yyyy-MM-dd Thh:mm:ss[.ffffff]} (UTC).
 */
@ExtendWith(TestPipelineExtension.class)
public class BigQuerySinkTest {
  private static final String PROJECT = "my-project";
  private static final DeadLetter DEAD_LETTER = new DeadLetter("e-9", "{\"event_id\":\"e-9\"}",
      Map.of("source", "web"), "event_type: is required", "validate", Instant.parse("2026-11-22T12:00:00.5Z"));

  private transient TestPipeline pipeline;

  private final FakeDatasetService datasets = new FakeDatasetService();
  private final FakeBigQueryServices services = new FakeBigQueryServices()
      .withDatasetService(datasets)
      .withJobService(new FakeJobService());
  /** One dataset per test: BigQueryIO remembers, per JVM, which tables it has created. */
  private String dataset;

  @BeforeEach
  public void setUp(TestPipeline pipeline, TestInfo testInfo) throws Exception {
    this.pipeline = pipeline;
    FakeDatasetService.setUp();
    dataset = "shop_" + testInfo.getTestMethod().orElseThrow().getName();
    datasets.createDataset(PROJECT, dataset, "", "", null);
    pipeline.getOptions().as(GcpOptions.class).setProject(PROJECT);
  }

  @Test
  public void createsTheContractTablesAndWritesEventsAndDeadLetters() throws Exception {
    Instant start = Instant.now();
    write(List.of(TestEvents.view("e-1", "u-1"), TestEvents.search("e-2", "u-2")), List.of(DEAD_LETTER));

    Table events = datasets.getTable(sink().tableReference(TableSchemas.events()));
    assertThat(events.getSchema()).isEqualTo(BigQueryTables.schema(TableSchemas.events()));
    assertThat(events.getDescription()).isEqualTo(TableSchemas.events().description());
    assertThat(events.getTimePartitioning().getType()).isEqualTo("DAY");
    assertThat(events.getTimePartitioning().getField()).isEqualTo("event_time");
    assertThat(events.getClustering().getFields()).containsExactly("event_type", "user_id");
    assertThat(events.getTableConstraints().getPrimaryKey().getColumns()).containsExactly("event_id");

    Table deadLetter = datasets.getTable(sink().tableReference(TableSchemas.deadLetter()));
    assertThat(deadLetter.getSchema()).isEqualTo(BigQueryTables.schema(TableSchemas.deadLetter()));
    assertThat(deadLetter.getTimePartitioning().getField()).isEqualTo("failed_at");
    assertThat(deadLetter.getClustering().getFields()).containsExactly("step");

    List<JsonNode> eventRows = rows(TableSchemas.events());
    for (JsonNode row : eventRows) {
      assertThat(timestamp(row.get("ingest_time").textValue())).isBetween(start, Instant.now());
      ((ObjectNode) row).remove("ingest_time");
    }
    assertThat(eventRows).containsExactlyInAnyOrder(
        json("{'event_id':'e-1','event_type':'view','user_id':'u-1','session_id':'s-u-1',"
            + "'event_time':'2026-11-22 T10:15:30.123',"
            + "'products':[{'product_id':'sku-1','quantity':'2','price':'9.5'},{'product_id':'sku-2','quantity':'1'}],"
            + "'currency':'EUR','attributes':'{\"device\":\"mobile\",\"page\":\"/p/sku-1\"}'}"),
        json("{'event_id':'e-2','event_type':'search','user_id':'u-2','event_time':'2026-11-21 T08:00:00',"
            + "'query':'red shoes'}"));
    assertThat(rows(TableSchemas.deadLetter())).containsExactly(
        json("{'event_id':'e-9','payload':'{\"event_id\":\"e-9\"}','attributes':'{\"source\":\"web\"}',"
            + "'error':'event_type: is required','step':'validate','failed_at':'2026-11-22 T12:00:00.5'}"));
  }

  @Test
  public void rowsBigQueryRejectsBecomeDeadLettersAndARejectedDeadLetterIsCountedNotRetried() throws Exception {
    datasets.setShouldFailRow((Function<TableRow, Boolean> & Serializable) row ->
        "e-bad".equals(row.get("event_id")) && row.containsKey("event_type") || "poison".equals(row.get("payload")));
    DeadLetter poison = new DeadLetter(null, "poison", Map.of(), "$: is not valid JSON", "parse", TestEvents.NOW);

    PipelineResult result = write(List.of(TestEvents.view("e-1", "u-1"), TestEvents.view("e-bad", "u-2")),
        List.of(DEAD_LETTER, poison));

    assertThat(rows(TableSchemas.events())).extracting(r -> r.get("event_id").textValue()).containsExactly("e-1");
    List<JsonNode> deadLetters = rows(TableSchemas.deadLetter());
    assertThat(deadLetters).extracting(r -> r.get("event_id").textValue()).containsExactlyInAnyOrder("e-9", "e-bad");
    JsonNode rejected = deadLetters.stream().filter(r -> r.get("event_id").textValue().equals("e-bad")).findFirst()
        .orElseThrow();
    assertThat(rejected.get("step").textValue()).isEqualTo("write");
    assertThat(rejected.get("error").textValue()).startsWith("events: ");
    assertThat(Json.MAPPER.readTree(rejected.get("payload").textValue()).get("user_id").textValue())
        .as("the rejected row, as JSON").isEqualTo("u-2");
    assertThat(counter(result, "bigquery.dead_letter", "rows_rejected")).isEqualTo(1);
  }

  @Test
  public void anUpsertTableIsWrittenWithCdcKeepingTheLatestRowPerKey() throws Exception {
    TableRow early = trend(2, "EARLY", "2026-11-22T10:01:00Z");
    TableRow onTime = trend(5, "ON_TIME", "2026-11-22T10:06:00Z");
    pipeline
        .apply(TestStream.create(TableRowJsonCoder.of())
            .addElements(onTime).advanceProcessingTime(Duration.standardSeconds(10))
            .addElements(early) // arrives last, but its change sequence number is lower
            .advanceWatermarkToInfinity())
        .apply(sink().table(TableSchemas.productTrends()));
    pipeline.run().waitUntilFinish();

    Table trends = datasets.getTable(sink().tableReference(TableSchemas.productTrends()));
    assertThat(trends.getTableConstraints().getPrimaryKey().getColumns())
        .containsExactly("product_id", "event_type", "window_start");
    assertThat(rows(TableSchemas.productTrends())).extracting(r -> r.get("timing").textValue())
        .containsExactly("ON_TIME");
  }

  /**
   * The conversion every table's rejected rows go through (the derived tables' own path: Beam's fake does not surface
   * failed rows of the at-least-once CDC writer those tables use, so the events test above covers the wiring).
   */
  @Test
  public void aRejectedRowOfADerivedTableBecomesADeadLetterNamingTheTable() {
    TableRow poison = trend(1, "ON_TIME", "2026-11-22T10:06:00Z").set("product_id", "poison");
    PCollection<DeadLetter> rejected = pipeline
        .apply(Create.of(new BigQueryStorageApiInsertError(poison, "Field events: missing"))
            .withCoder(BigQueryStorageApiInsertErrorCoder.of()))
        .apply(ParDo.of(BigQuerySink.rejectedToDeadLetters("product_trends")))
        .setCoder(DeadLetterCoder.of());

    PAssert.that(rejected).satisfies(deadLetters -> {
      assertThat(deadLetters).hasSize(1);
      DeadLetter d = deadLetters.iterator().next();
      assertThat(d.step()).isEqualTo(WarehouseSink.STEP_WRITE);
      assertThat(d.attributes()).containsEntry(WarehouseSink.TABLE_ATTRIBUTE, "product_trends");
      assertThat(d.error()).isEqualTo("product_trends: Field events: missing");
      assertThat(d.payload()).contains("\"product_id\":\"poison\"");
      assertThat(d.eventId()).isNull();
      return null;
    });
    PipelineResult result = pipeline.run();
    result.waitUntilFinish();
    assertThat(counter(result, "bigquery.product_trends", "rows_rejected")).isEqualTo(1);
  }

  @Test
  public void theChangeSequenceNumberIsUpdatedAtInMicrosecondsHex() {
    assertThat(BigQuerySink.changeSequenceNumber(trend(1, "EARLY", "1970-01-01T00:00:01.000002Z")))
        .isEqualTo(Long.toHexString(1_000_002L).toUpperCase(java.util.Locale.ROOT));
    assertThat(BigQuerySink.changeSequenceNumber(trend(1, "EARLY", "2026-11-22T10:06:00Z")))
        .isEqualTo(Long.toHexString(Instant.parse("2026-11-22T10:06:00Z").toEpochMilli() * 1000)
            .toUpperCase(java.util.Locale.ROOT));
  }

  private static TableRow trend(long events, String timing, String updatedAt) {
    return new TableRow().set("product_id", "sku-1").set("event_type", "view")
        .set("window_start", "2026-11-22T10:00:00Z").set("window_end", "2026-11-22T11:00:00Z")
        .set("events", events).set("units", events).set("timing", timing).set("updated_at", updatedAt);
  }

  /** Runs the sink on streaming events (one every 10 s of processing time) and bounded dead letters. */
  private PipelineResult write(List<Event> events, List<DeadLetter> deadLetters) {
    TestStream.Builder<Event> stream = TestStream.create(EventCoder.of());
    for (Event e : events) {
      stream = stream.addElements(e).advanceProcessingTime(Duration.standardSeconds(10));
    }
    PCollectionTuple
        .of(ParseEvents.EVENTS, pipeline.apply("Events", stream.advanceWatermarkToInfinity()))
        .and(ParseEvents.DEAD_LETTERS, pipeline.apply("DeadLetters",
            Create.of(deadLetters).withCoder(DeadLetterCoder.of())))
        .apply(WriteParsed.with(sink()));
    PipelineResult result = pipeline.run();
    result.waitUntilFinish();
    return result;
  }

  private BigQuerySink sink() {
    return BigQuerySink.to(PROJECT + ":" + dataset).withTestServices(services);
  }

  private List<JsonNode> rows(TableSchema table) throws Exception {
    List<JsonNode> rows = new ArrayList<>();
    for (TableRow row : datasets.getAllRows(PROJECT, dataset, table.name())) {
      rows.add(Json.MAPPER.valueToTree(row));
    }
    return rows;
  }

  private static Instant timestamp(String fakeTimestamp) {
    return Instant.parse(fakeTimestamp.replace(" T", "T") + "Z");
  }

  /** JSON written with single quotes, for readability. */
  private static JsonNode json(String singleQuoted) throws Exception {
    return Json.MAPPER.reader().with(JsonReadFeature.ALLOW_SINGLE_QUOTES).readTree(singleQuoted);
  }
}
