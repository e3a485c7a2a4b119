package dev.shopstream.pipeline.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.PCollection;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * The pipeline tests take their {@link TestPipeline} from Beam's {@link TestPipelineExtension} into a field, in a
 * {@code @BeforeEach} (as below). Used that way the extension keeps the JUnit 4 rule's checks: a test that builds a
 * pipeline and never runs it fails, so does one that adds to its pipeline after running it, a test that runs what it
 * builds passes, and each test has a pipeline of its own. Each case is a test class of its own here, run through the
 * JUnit Platform launcher (nested static classes: surefire does not run them by themselves).
 */
class TestPipelineEnforcementTest {

  @Test
  void aTestThatBuildsAPipelineAndNeverRunsItFails() {
    TestExecutionSummary summary = run(BuildsAndNeverRuns.class);

    assertThat(summary.getTestsStartedCount()).isEqualTo(1);
    assertThat(summary.getTestsFailedCount()).isEqualTo(1);
    assertThat(summary.getFailures().get(0).getException())
        .isInstanceOf(TestPipeline.PipelineRunMissingException.class);
  }

  @Test
  void aTestThatAddsToItsPipelineAfterRunningItFails() {
    TestExecutionSummary summary = run(AddsAfterRunning.class);

    assertThat(summary.getTestsStartedCount()).isEqualTo(1);
    assertThat(summary.getTestsFailedCount()).isEqualTo(1);
    assertThat(summary.getFailures().get(0).getException()).isInstanceOf(TestPipeline.AbandonedNodeException.class);
  }

  @Test
  void testsThatRunWhatTheyBuildPassEachWithAPipelineOfItsOwn() {
    RunsWhatItBuilds.SEEN.clear();

    TestExecutionSummary summary = run(RunsWhatItBuilds.class);

    assertThat(summary.getTestsStartedCount()).isEqualTo(2);
    assertThat(summary.getTestsSucceededCount()).isEqualTo(2);
    assertThat(RunsWhatItBuilds.SEEN).hasSize(2);
    assertThat(RunsWhatItBuilds.SEEN.get(0)).isNotSameAs(RunsWhatItBuilds.SEEN.get(1));
  }

  @Test
  void aFailingAssertionInThePipelineFailsTheTest() {
    TestExecutionSummary summary = run(AssertsWrongly.class);

    assertThat(summary.getTestsStartedCount()).isEqualTo(1);
    assertThat(summary.getTestsFailedCount()).isEqualTo(1);
    assertThat(summary.getFailures().get(0).getException()).hasStackTraceContaining("Expected: iterable with items");
  }

  private static TestExecutionSummary run(Class<?> testClass) {
    SummaryGeneratingListener listener = new SummaryGeneratingListener();
    LauncherFactory.create()
        .execute(LauncherDiscoveryRequestBuilder.request().selectors(selectClass(testClass)).build(), listener);
    return listener.getSummary();
  }

  @ExtendWith(TestPipelineExtension.class)
  static class BuildsAndNeverRuns {
    private transient TestPipeline pipeline;

    @BeforeEach
    void pipeline(TestPipeline pipeline) {
      this.pipeline = pipeline;
    }

    @Test
    void buildsAndNeverRuns() {
      PAssert.that(pipeline.apply(Create.of(1, 2))).containsInAnyOrder(1, 2);
    }
  }

  @ExtendWith(TestPipelineExtension.class)
  static class AddsAfterRunning {
    private transient TestPipeline pipeline;

    @BeforeEach
    void pipeline(TestPipeline pipeline) {
      this.pipeline = pipeline;
    }

    @Test
    void addsAfterRunning() {
      PAssert.that(pipeline.apply("first", Create.of(1))).containsInAnyOrder(1);
      pipeline.run().waitUntilFinish();
      pipeline.apply("second", Create.of(2));
    }
  }

  @ExtendWith(TestPipelineExtension.class)
  static class RunsWhatItBuilds {
    static final List<TestPipeline> SEEN = new ArrayList<>();

    private transient TestPipeline pipeline;

    @BeforeEach
    void pipeline(TestPipeline pipeline) {
      this.pipeline = pipeline;
    }

    @Test
    void first() {
      build();
    }

    @Test
    void second() {
      build();
    }

    private void build() {
      SEEN.add(pipeline);
      PCollection<Integer> numbers = pipeline.apply(Create.of(1, 2, 3));
      PAssert.that(numbers).containsInAnyOrder(1, 2, 3);
      pipeline.run().waitUntilFinish();
    }
  }

  @ExtendWith(TestPipelineExtension.class)
  static class AssertsWrongly {
    private transient TestPipeline pipeline;

    @BeforeEach
    void pipeline(TestPipeline pipeline) {
      this.pipeline = pipeline;
    }

    @Test
    void assertsWrongly() {
      PAssert.that(pipeline.apply(Create.of(1, 2))).containsInAnyOrder(1, 3);
      pipeline.run().waitUntilFinish();
    }
  }
}
