package dev.shopstream.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shopstream.pipeline.metrics.PipelineMetrics;
import dev.shopstream.pipeline.testing.GeneratedMessages;
import dev.shopstream.pipeline.testing.GeneratedTraffic;
import dev.shopstream.pipeline.testing.GeneratedTraffic.Kind;
import dev.shopstream.pipeline.testing.TestEvents;
import dev.shopstream.pipeline.sink.DuckDbSink;
import dev.shopstream.warehouse.duckdb.DuckDbWarehouse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole graph over generated traffic read like Pub/Sub (an unbounded source in small bundles, several readers),
 * with duplicates that arrive in other bundles than their first copy and malformed messages: every message ends up
 * exactly once as an events row or a dead letter, and the counters that {@link PipelineMetrics} reports say so
 * exactly.
 */
@ExtendWith(TestPipelineExtension.class)
public class NothingLostOrRepeatedTest {
  private transient TestPipeline pipeline;
  @TempDir transient Path folder;

  private Path file;

  @BeforeEach
  public void pipeline(TestPipeline pipeline) {
    this.pipeline = pipeline;
  }

  @AfterEach
  public void closeWarehouse() {
    if (file != null) {
      DuckDbWarehouse.open(file).close();
    }
  }

  @Test
  public void everyMessageIsOneEventsRowOrOneDeadLetterAndTheCountersAgree() throws Exception {
    GeneratedTraffic traffic = new GeneratedTraffic(150, 40, 30, 30, 7, 11, 13, TestEvents.NOW, 7);
    long fresh = traffic.count(Kind.NEW);
    long duplicates = traffic.count(Kind.DUPLICATE);
    long malformed = traffic.count(Kind.MALFORMED);
    assertThat(duplicates).isPositive();
    assertThat(malformed).isPositive();
    file = folder.resolve("warehouse.duckdb");
    pipeline.getOptions().as(EventsPipelineOptions.class).setDedupeShards(3);

    EventsPipeline.build(pipeline, GeneratedMessages.of(traffic), DuckDbSink.at(file));
    PipelineResult result = pipeline.run();
    result.waitUntilFinish();

    assertThat(scalar("SELECT count(*) FROM events")).isEqualTo(fresh);
    assertThat(scalar("SELECT count(DISTINCT event_id) FROM events")).isEqualTo(fresh);
    assertThat(scalar("SELECT count(*) FROM events WHERE event_id NOT LIKE 'e-%'")).isZero();
    assertThat(scalar("SELECT count(*) FROM dead_letter")).isEqualTo(malformed);
    assertThat(scalar("SELECT count(*) FROM dead_letter WHERE step = 'parse' AND payload LIKE '{\"event_id\": \"bad-%'"))
        .isEqualTo(malformed);

    TestEvents.counter(result, "duckdb.events", "rows_written"); // waits for the last bundle's metrics to settle
    PipelineMetrics metrics = PipelineMetrics.of(result, Instant.now());
    assertThat(metrics.counter("ParseEvents.in")).isEqualTo(traffic.n());
    assertThat(metrics.counter("ParseEvents.valid")).isEqualTo(fresh + duplicates);
    assertThat(metrics.counter("ParseEvents.dead_lettered")).isEqualTo(malformed);
    assertThat(metrics.counter("DedupeEvents.in")).isEqualTo(fresh + duplicates);
    assertThat(metrics.counter("DedupeEvents.duplicates")).isEqualTo(duplicates);
    assertThat(metrics.counter("DedupeEvents.out")).isEqualTo(fresh);
    assertThat(metrics.counter("duckdb.events.rows_written")).isEqualTo(fresh);
    assertThat(metrics.counter("duckdb.events.duplicates_ignored")).isZero();
    assertThat(metrics.counter("duckdb.dead_letter.rows_written")).isEqualTo(malformed);
    assertThat(metrics.counter("SessionizeEvents.in")).isEqualTo(fresh);
    assertThat(metrics.counter("TrendingProducts.in")).isEqualTo(fresh);
    // the probe saw the watermark pass the newest event time (the source's watermark ends at the end of time)
    assertThat(metrics.watermarkLagMillis()).isNotNull()
        .isLessThanOrEqualTo(Instant.now().toEpochMilli() - TestEvents.NOW.minusSeconds(1).toEpochMilli());
  }

  private long scalar(String sql) throws Exception {
    try (Connection c = DuckDbWarehouse.open(file).connect(); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
