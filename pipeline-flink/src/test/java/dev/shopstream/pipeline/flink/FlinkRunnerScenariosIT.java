package dev.shopstream.pipeline.flink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shopstream.pipeline.scenarios.PipelineScenarios;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.runners.flink.FlinkRunner;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.jupiter.api.Test;

/**
 * {@link PipelineScenarios} (a backfill equals a stream; nothing lost, every duplicate dropped) on an embedded Flink
 * cluster ({@code --runner=FlinkRunner --flinkMaster=[local]}), parallelism 2. Its TestStream cannot advance
 * processing time, so the duplicates an hour later are an hour later in event time only (every duplicate is
 * DedupeEvents' to drop in these tests anyway: a TestStream has no Pub/Sub id window).
 */
public class FlinkRunnerScenariosIT extends PipelineScenarios {
  @Override
  protected PipelineOptions options() {
    FlinkPipelineOptions options = PipelineOptionsFactory.fromArgs("--runner=FlinkRunner", "--flinkMaster=[local]",
        "--parallelism=2").as(FlinkPipelineOptions.class);
    options.setRunner(FlinkRunner.class);
    return options;
  }

  /** The inherited scenarios run on an embedded Flink cluster of parallelism 2, not on a default runner. */
  @Test
  public void theScenariosRunOnAnEmbeddedFlinkCluster() {
    FlinkPipelineOptions flink = options().as(FlinkPipelineOptions.class);
    assertThat(flink.getRunner()).isEqualTo(FlinkRunner.class);
    assertThat(flink.getFlinkMaster()).isEqualTo("[local]");
    assertThat(flink.getParallelism()).isEqualTo(2);
  }

  /** Flink's TestStream does not advance processing time ("not supported by the Flink Runner"). */
  @Override
  protected boolean advancesProcessingTime() {
    return false;
  }
}
