package dev.shopstream.pipeline.sink;

import static dev.shopstream.pipeline.testing.TestEvents.counter;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.api.services.bigquery.model.TableRow;
import dev.shopstream.contract.DeadLetter;
import dev.shopstream.contract.Event;
import dev.shopstream.contract.Rows;
import dev.shopstream.contract.TableSchemas;
import dev.shopstream.pipeline.coders.DeadLetterCoder;
import dev.shopstream.pipeline.coders.EventCoder;
import dev.shopstream.pipeline.testing.TestEvents;
import dev.shopstream.pipeline.testing.WriteParsed;
import dev.shopstream.pipeline.transforms.ParseEvents;
import dev.shopstream.warehouse.duckdb.DuckDbWarehouse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.coders.ListCoder;
import org.apache.beam.sdk.io.gcp.bigquery.TableRowJsonCoder;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(TestPipelineExtension.class)
public class DuckDbSinkTest {
  private transient TestPipeline pipeline;
  @TempDir transient Path folder;

  private Path file;

  @BeforeEach
  public void setUp(TestPipeline pipeline) {
    this.pipeline = pipeline;
    file = folder.resolve("warehouse.duckdb");
  }

  @AfterEach
  public void tearDown() {
    DuckDbWarehouse.open(file).close();
  }

  @Test
  public void writesEachEventOnceAndEveryDeadLetter() throws Exception {
    Event view = TestEvents.view("e-1", "u-1");
    Event search = TestEvents.search("e-2", "u-2");
    Event other = TestEvents.view("e-3", "u-3");
    // e-1 was already written by an earlier (retried) bundle
    DuckDbWarehouse.open(file).insert(TableSchemas.events(), List.of(Rows.event(view, TestEvents.NOW)));
    DeadLetter deadLetter = new DeadLetter("e-9", "{\"event_id\":\"e-9\"}", Map.of("source", "web"),
        "event_type: is required; user_id: is required", "validate", Instant.parse("2026-11-22T12:00:00.5Z"));

    PCollectionTuple parsed = PCollectionTuple
        .of(ParseEvents.EVENTS, pipeline.apply("Events",
            Create.of(view, search, view, other, search).withCoder(EventCoder.of())))
        .and(ParseEvents.DEAD_LETTERS, pipeline.apply("DeadLetters",
            Create.of(deadLetter).withCoder(DeadLetterCoder.of())));
    parsed.apply(WriteParsed.with(DuckDbSink.at(file)));
    PipelineResult result = pipeline.run();
    result.waitUntilFinish();

    assertThat(query("SELECT event_id, event_type, user_id, session_id, epoch_ms(event_time), "
        + "to_json(products)::VARCHAR, currency, query, attributes::VARCHAR FROM events ORDER BY event_id"))
        .containsExactly(
            List.of("e-1", "view", "u-1", "s-u-1", 1795342530123L,
                "[{\"product_id\":\"sku-1\",\"quantity\":2,\"price\":9.5},"
                    + "{\"product_id\":\"sku-2\",\"quantity\":1,\"price\":null}]",
                "EUR", "null", "{\"device\":\"mobile\",\"page\":\"/p/sku-1\"}"),
            List.of("e-2", "search", "u-2", "null", 1795248000000L, "[]", "null", "red shoes", "null"),
            List.of("e-3", "view", "u-3", "s-u-3", 1795342530123L,
                "[{\"product_id\":\"sku-1\",\"quantity\":2,\"price\":9.5},"
                    + "{\"product_id\":\"sku-2\",\"quantity\":1,\"price\":null}]",
                "EUR", "null", "{\"device\":\"mobile\",\"page\":\"/p/sku-1\"}"));
    assertThat(query("SELECT count(*) FROM events WHERE ingest_time IS NULL")).containsExactly(List.of(0L));
    assertThat(query(
        "SELECT event_id, payload, attributes::VARCHAR, error, step, epoch_ms(failed_at) FROM dead_letter"))
        .containsExactly(List.of("e-9", "{\"event_id\":\"e-9\"}", "{\"source\":\"web\"}",
            "event_type: is required; user_id: is required", "validate", 1795348800500L));

    assertThat(counter(result, "duckdb.events", "rows_written")).isEqualTo(2);
    assertThat(counter(result, "duckdb.events", "duplicates_ignored")).isEqualTo(3);
    assertThat(counter(result, "duckdb.dead_letter", "rows_written")).isEqualTo(1);
  }

  @Test
  public void writesAnyContractTableAndAnUpsertTableKeepsTheLatestRowPerKey() throws Exception {
    Map<String, Object> first = trendRow(2, "EARLY", "2026-11-22T10:01:00Z");
    Map<String, Object> later = trendRow(5, "ON_TIME", "2026-11-22T10:06:00Z");
    DuckDbWarehouse.open(file).insert(TableSchemas.productTrends(), List.of(BigQueryTables.tableRow(first)));
    pipeline
        .apply(Create.of(List.of(BigQueryTables.tableRow(later))).withCoder(TableRowJsonCoder.of()))
        .apply(DuckDbSink.at(file).table(TableSchemas.productTrends()));
    pipeline.run().waitUntilFinish();

    assertThat(query("SELECT product_id, event_type, epoch_ms(window_start), events, units, timing "
        + "FROM product_trends"))
        .containsExactly(List.of("sku-1", "view", 1795341600000L, 5L, 5L, "ON_TIME"));
  }

  private static Map<String, Object> trendRow(long events, String timing, String updatedAt) {
    Map<String, Object> row = new java.util.LinkedHashMap<>();
    row.put("product_id", "sku-1");
    row.put("event_type", "view");
    row.put("window_start", "2026-11-22T10:00:00Z");
    row.put("window_end", "2026-11-22T11:00:00Z");
    row.put("events", events);
    row.put("units", events);
    row.put("timing", timing);
    row.put("updated_at", updatedAt);
    return row;
  }

  @Test
  public void aRowTheWarehouseRefusesIsADeadLetterAndTheRestOfItsBatchIsWritten() throws Exception {
    Map<String, Object> good = trendRow(4, "ON_TIME", "2026-11-22T10:06:00Z");
    Map<String, Object> bad = new java.util.LinkedHashMap<>(trendRow(1, "ON_TIME", "2026-11-22T10:06:00Z"));
    bad.put("product_id", "sku-2");
    bad.put("events", null); // NOT NULL in the contract
    PCollection<DeadLetter> rejected = pipeline
        .apply(Create.of(List.of(BigQueryTables.tableRow(good), BigQueryTables.tableRow(bad)))
            .withCoder(TableRowJsonCoder.of()))
        .apply(DuckDbSink.at(file).table(TableSchemas.productTrends()));

    PAssert.that(rejected).satisfies(deadLetters -> {
      assertThat(deadLetters).hasSize(1);
      DeadLetter d = deadLetters.iterator().next();
      assertThat(d.step()).isEqualTo(WarehouseSink.STEP_WRITE);
      assertThat(d.attributes()).containsEntry(WarehouseSink.TABLE_ATTRIBUTE, "product_trends");
      assertThat(d.error()).startsWith("product_trends: ").contains("NOT NULL");
      assertThat(d.payload()).contains("\"product_id\":\"sku-2\"");
      return null;
    });
    PipelineResult result = pipeline.run();
    result.waitUntilFinish();

    assertThat(query("SELECT product_id, events FROM product_trends")).containsExactly(List.of("sku-1", 4L));
    assertThat(counter(result, "duckdb.product_trends", "rows_rejected")).isEqualTo(1);
  }

  @Test
  public void theNewestRowPerKeyWinsWithinAWriteAndAcrossWritesAndOnlyABadRowIsADeadLetter() throws Exception {
    // across writes: an earlier write of sku-1 is replaced; within the write: the newest updated_at of sku-1 wins,
    // although an older row comes after it; a bad row (events NOT NULL) among good ones is the only dead letter
    DuckDbWarehouse.open(file).insert(TableSchemas.productTrends(),
        List.of(trendRow("sku-1", 1L, "2026-11-22T10:01:00Z"), trendRow("sku-3", 1L, "2026-11-22T10:01:00Z")));
    List<Map<String, Object>> rows = List.of(trendRow("sku-1", 5L, "2026-11-22T10:06:00Z"),
        trendRow("sku-2", 2L, "2026-11-22T10:06:00Z"), trendRow("sku-1", 3L, "2026-11-22T10:03:00Z"),
        trendRow("sku-4", null, "2026-11-22T10:06:00Z"), trendRow("sku-3", 7L, "2026-11-22T10:06:00Z"));
    // one element holding the rows, flattened in order: one bundle, i.e. one write (Create alone may split them)
    PCollection<DeadLetter> rejected = pipeline
        .apply(Create.of(List.<List<TableRow>>of(rows.stream().map(BigQueryTables::tableRow).toList()))
            .withCoder(ListCoder.of(TableRowJsonCoder.of())))
        .apply(Flatten.iterables())
        .setCoder(TableRowJsonCoder.of())
        .apply(DuckDbSink.at(file).table(TableSchemas.productTrends()));

    PAssert.that(rejected).satisfies(deadLetters -> {
      assertThat(deadLetters).singleElement().satisfies(d -> {
        assertThat(d.payload()).contains("\"product_id\":\"sku-4\"");
        assertThat(d.error()).contains("NOT NULL");
      });
      return null;
    });
    PipelineResult result = pipeline.run();
    result.waitUntilFinish();

    assertThat(query("SELECT product_id, events, epoch_ms(updated_at) FROM product_trends ORDER BY product_id"))
        .containsExactly(List.of("sku-1", 5L, 1795341960000L), List.of("sku-2", 2L, 1795341960000L),
            List.of("sku-3", 7L, 1795341960000L));
    assertThat(counter(result, "duckdb.product_trends", "superseded")).isEqualTo(1);
    assertThat(counter(result, "duckdb.product_trends", "rows_rejected")).isEqualTo(1);
    assertThat(counter(result, "duckdb.product_trends", "rows_written")).isEqualTo(3);
  }

  private static Map<String, Object> trendRow(String product, Long events, String updatedAt) {
    Map<String, Object> row = trendRow(events == null ? 0 : events, "ON_TIME", updatedAt);
    row.put("product_id", product);
    row.put("events", events);
    return row;
  }

  @Test
  public void onlyDataErrorsAreDeadLetteredAnOutageFailsTheBundle() {
    assertThat(DuckDbSink.isDataError(new SQLException(
        "Constraint Error: NOT NULL constraint failed: events.event_type"))).isTrue();
    assertThat(DuckDbSink.isDataError(new SQLException("Conversion Error: Could not convert string 'x' to INT64")))
        .isTrue();
    assertThat(DuckDbSink.isDataError(new java.time.format.DateTimeParseException("bad", "x", 0))).isTrue();
    assertThat(DuckDbSink.isDataError(new SQLException("IO Error: Could not write file \"w.duckdb.wal\""))).isFalse();
    assertThat(DuckDbSink.isDataError(new SQLException("Connection Error: Connection was closed"))).isFalse();
    // as the warehouse throws them: an SQLException around the binding's failure (was judged an outage: retried,
    // then the bundle failed again and again, and the pipeline died on one bad row)
    assertThat(DuckDbSink.isDataError(new SQLException("x", new ClassCastException("String to Long")))).isTrue();
    assertThat(DuckDbSink.isDataError(new SQLException("bad",
        new java.time.format.DateTimeParseException("bad", "x", 0)))).isTrue();
    assertThat(DuckDbSink.isDataError(new SQLException("IO Error: disk full", new java.io.IOException("ENOSPC"))))
        .isFalse();
  }

  @Test
  public void aRowTheBindingCannotConvertIsADataErrorThroughTheWarehouse() throws SQLException {
    file = folder.resolve("binding.duckdb");
    DuckDbWarehouse warehouse = DuckDbWarehouse.open(file);
    Map<String, Object> row = trendRow(1, "ON_TIME", "2026-11-22T10:00:00Z");
    row.put("product_id", "sku-1");
    row.put("window_start", "not a time");
    SQLException thrown = null;
    try {
      warehouse.insert(dev.shopstream.contract.TableSchemas.productTrends(), List.of(row));
    } catch (SQLException e) {
      thrown = e;
    }
    assertThat((Object) thrown).as("the warehouse refuses the row").isNotNull();
    assertThat(DuckDbSink.isDataError(thrown)).as(String.valueOf(thrown)).isTrue();
  }

  /** Rows of a query, each as a list of its values (SQL NULL as the string "null"). */
  private List<List<Object>> query(String sql) throws SQLException {
    List<List<Object>> rows = new ArrayList<>();
    try (Connection c = DuckDbWarehouse.open(file).connect(); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery(sql)) {
      ResultSetMetaData meta = rs.getMetaData();
      while (rs.next()) {
        List<Object> row = new ArrayList<>();
        for (int i = 1; i <= meta.getColumnCount(); i++) {
          row.add(rs.getObject(i) == null ? "null" : rs.getObject(i));
        }
        rows.add(row);
      }
    }
    return rows;
  }

  /**
   * A write that fails for a reason other than its data (a full disk, a broken file, a missing table) is retried with
   * exponential backoff, each retry counted, then fails the bundle naming the attempts; a data error is not retried.
   */
  @Test
  public void aWriteThatFailsForAnotherReasonThanItsDataIsRetriedWithBackoffThenFails() throws Exception {
    List<Long> slept = new java.util.ArrayList<>();
    java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.atomic.AtomicInteger retried = new java.util.concurrent.atomic.AtomicInteger();
    DuckDbSink.Retry retry = new DuckDbSink.Retry(5, 500);

    int written = retry.call("w", slept::add, retried::incrementAndGet, () -> {
      if (calls.incrementAndGet() < 3) {
        throw new SQLException("IO Error: No space left on device");
      }
      return 7;
    });
    assertThat(written).isEqualTo(7);
    assertThat(slept).containsExactly(500L, 1000L);
    assertThat(retried.get()).isEqualTo(2);

    slept.clear();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> retry.call("inserting into events", slept::add,
            () -> { }, () -> {
              throw new SQLException("IO Error: No space left on device");
            }))
        .isInstanceOf(SQLException.class)
        .hasMessageContaining("inserting into events failed after 5 attempt(s)")
        .hasMessageContaining("No space left on device");
    assertThat(slept).containsExactly(500L, 1000L, 2000L, 4000L);

    slept.clear();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> retry.call("w", slept::add, () -> { }, () -> {
      throw new SQLException("Constraint Error: NOT NULL constraint failed: events.event_type");
    })).isInstanceOf(DuckDbSink.DataError.class);
    assertThat(slept).isEmpty();
    assertThat(DuckDbSink.Retry.DEFAULT).isEqualTo(new DuckDbSink.Retry(5, 500));
  }
}
