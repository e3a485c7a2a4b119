package dev.shopstream.pipeline.flink;

import dev.shopstream.pipeline.scenarios.PipelineScenarios;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.runners.flink.FlinkRunner;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;

/**
 * {@link PipelineScenarios} (a backfill equals a stream; nothing lost, every duplicate dropped) on an embedded Flink
 * cluster ({@code --runner=FlinkRunner --flinkMaster=[local]}), two task slots.
 */
public class FlinkRunnerScenariosTest extends PipelineScenarios {
  @Override
  protected PipelineOptions options() {
    FlinkPipelineOptions options = PipelineOptionsFactory.fromArgs("--runner=FlinkRunner", "--flinkMaster=[local]",
        "--parallelism=2").as(FlinkPipelineOptions.class);
    options.setRunner(FlinkRunner.class);
    return options;
  }
}
