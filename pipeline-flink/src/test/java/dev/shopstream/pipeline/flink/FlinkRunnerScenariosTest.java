package dev.shopstream.pipeline.flink;

import dev.shopstream.pipeline.scenarios.PipelineScenarios;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.runners.flink.FlinkRunner;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;

/**
 * {@link PipelineScenarios} (a backfill equals a stream; nothing lost, every duplicate dropped) on an embedded Flink
 * cluster ({@code --runner=FlinkRunner --flinkMaster=[local]}), parallelism 2. Its TestStream cannot advance
 * processing time, so the duplicates an hour later are an hour later in event time only (every duplicate is
 * DedupeEvents' to drop in these tests anyway: a TestStream has no Pub/Sub id window).
 */
public class FlinkRunnerScenariosTest extends PipelineScenarios {
  @Override
  protected PipelineOptions options() {
    FlinkPipelineOptions options = PipelineOptionsFactory.fromArgs("--runner=FlinkRunner", "--flinkMaster=[local]",
        "--parallelism=2").as(FlinkPipelineOptions.class);
    options.setRunner(FlinkRunner.class);
    return options;
  }

  /** Flink's TestStream does not advance processing time ("not supported by the Flink Runner"). */
  @Override
  protected boolean advancesProcessingTime() {
    return false;
  }
}
