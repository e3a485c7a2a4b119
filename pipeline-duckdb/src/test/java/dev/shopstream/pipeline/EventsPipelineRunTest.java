package dev.shopstream.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shopstream.contract.EventCodec;
import dev.shopstream.pipeline.testing.FakePubsubServer;
import dev.shopstream.pipeline.testing.TestEvents;
import dev.shopstream.warehouse.duckdb.DuckDbWarehouse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.apache.beam.sdk.PipelineResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link EventsPipeline#run} the way the local stack starts it (DirectRunner, not blocking, Pub/Sub at a local root
 * URL, DuckDB), against a fake of Pub/Sub's REST API.
 */
public class EventsPipelineRunTest {
  private static final String SUBSCRIPTION = "projects/local-project/subscriptions/events-pipeline";
  /** A bound on waiting for the running pipeline, not a performance expectation. */
  private static final Duration PATIENCE = Duration.ofSeconds(90);

  @TempDir Path folder;

  @Test
  public void runReturnsARunningPipelineThatWritesWhatItReadsUntilCancelled() throws Exception {
    Path file = folder.resolve("x").resolve("warehouse.duckdb");
    var event = TestEvents.view("e-1", "u-1");
    try (FakePubsubServer pubsub = new FakePubsubServer(SUBSCRIPTION)) {
      pubsub.publish(EventCodec.encode(event), TestEvents.attributes(event));
      pubsub.publish("not json", Map.of("event_time", "2026-11-22T12:00:00Z"));

      PipelineResult result = EventsPipeline.run(EventsPipeline.parseOptions("--runner=DirectRunner",
          "--streaming=true", "--blockOnRun=false", "--pubsubRootUrl=" + pubsub.rootUrl(),
          "--inputSubscription=" + SUBSCRIPTION, "--warehouse=DUCKDB", "--duckdbPath=" + file));
      try {
        assertThat(result.getState()).isEqualTo(PipelineResult.State.RUNNING);
        DuckDbWarehouse warehouse = DuckDbWarehouse.open(file);
        Instant deadline = Instant.now().plus(PATIENCE);
        while ((warehouse.count("events") < 1 || warehouse.count("dead_letter") < 1)
            && Instant.now().isBefore(deadline)) {
          assertThat(result.getState()).isEqualTo(PipelineResult.State.RUNNING);
          Thread.sleep(200);
        }
        assertThat(warehouse.count("events")).isEqualTo(1);
        assertThat(warehouse.count("dead_letter")).isEqualTo(1);
      } finally {
        result.cancel();
        DuckDbWarehouse.open(file).close();
      }
      assertThat(result.getState()).isEqualTo(PipelineResult.State.CANCELLED);
    }
  }
}
