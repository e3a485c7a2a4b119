package dev.shopstream.pipeline.scenarios;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.beam.runners.direct.DirectRunner;
import org.junit.jupiter.api.Test;

/** {@link PipelineScenarios} on the DirectRunner. */
public class DirectRunnerScenariosTest extends PipelineScenarios {
  /** The inherited scenarios run on the DirectRunner, advancing processing time. */
  @Test
  public void theScenariosRunOnTheDirectRunner() {
    assertThat(options().getRunner()).isEqualTo(DirectRunner.class);
    assertThat(advancesProcessingTime()).isTrue();
  }
}
