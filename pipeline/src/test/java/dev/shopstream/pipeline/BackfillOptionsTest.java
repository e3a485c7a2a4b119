package dev.shopstream.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shopstream.pipeline.transforms.ReadFileRows;
import org.apache.beam.sdk.io.gcp.pubsub.PubsubIO;
import org.apache.beam.sdk.transforms.Create;
import org.junit.jupiter.api.Test;

/** Which source {@code --inputFiles}/{@code --catalogFiles} select, and the combinations refused before a run. */
class BackfillOptionsTest {
  private static final String SUBSCRIPTION = "--inputSubscription=projects/my-project/subscriptions/events";

  @Test
  void filesReplaceThePubsubInputs() {
    EventsPipelineOptions files = EventsPipeline.parseOptions("--inputFiles=gs://b/events/*.jsonl.gz",
        "--catalogFiles=/data/catalog.csv");
    assertThat(EventsPipeline.eventsInput(files)).isInstanceOf(ReadFileRows.class);
    assertThat(EventsPipeline.catalogInput(files)).isInstanceOf(ReadFileRows.class);
    assertThat(EventsPipeline.isBounded(files)).isTrue();
    assertThat(files.getMaxRowBytes()).isEqualTo(ReadFileRows.DEFAULT_MAX_ROW_BYTES);

    EventsPipelineOptions catalogOnly = EventsPipeline.parseOptions("--catalogFiles=/data/catalog.csv");
    assertThat(EventsPipeline.eventsInput(catalogOnly)).isInstanceOf(Create.Values.class);
    assertThat(EventsPipeline.isBounded(catalogOnly)).isTrue();

    EventsPipelineOptions stream = EventsPipeline.parseOptions(SUBSCRIPTION, "--catalogFiles=/data/catalog.csv");
    assertThat(EventsPipeline.eventsInput(stream)).isInstanceOf(PubsubIO.Read.class);
    assertThat(EventsPipeline.isBounded(stream)).as("a stream with a catalog file never ends").isFalse();
    assertThat(EventsPipeline.catalogInput(EventsPipeline.parseOptions(SUBSCRIPTION))).isNull();
  }

  @Test
  void contradictoryOrIncompleteBackfillOptionsAreRefused() {
    assertThatThrownBy(() -> EventsPipeline.eventsInput(EventsPipeline.parseOptions(SUBSCRIPTION,
        "--inputFiles=/data/e.jsonl")))
        .hasMessage("Set exactly one of --inputSubscription, --inputTopic and --inputFiles; --inputFiles and a "
            + "Pub/Sub input are set");
    assertThatThrownBy(() -> EventsPipeline.catalogInput(EventsPipeline.parseOptions("--inputFiles=/data/e.jsonl",
        "--catalogTopic=projects/my-project/topics/catalog")))
        .hasMessageContaining("take the catalog from --catalogFiles");
    assertThatThrownBy(() -> EventsPipeline.catalogInput(EventsPipeline.parseOptions("--catalogFiles=/c.csv",
        "--catalogSubscription=projects/my-project/subscriptions/catalog")))
        .hasMessageContaining("Set at most one of --catalogSubscription, --catalogTopic and --catalogFiles");
    assertThatThrownBy(() -> EventsPipeline.eventsInput(EventsPipeline.parseOptions("--inputFiles=/data/e.jsonl",
        "--sourceBucket=uploads", "--sourceObject=events/e.jsonl")))
        .hasMessageContaining("--sourceBucket, --sourceObject and --sourceGeneration go together");
    assertThatThrownBy(() -> EventsPipeline.eventsInput(EventsPipeline.parseOptions(SUBSCRIPTION,
        "--sourceBucket=uploads", "--sourceObject=events/e.jsonl", "--sourceGeneration=7")))
        .hasMessageContaining("apply to --inputFiles, which is not set");
    assertThatThrownBy(() -> EventsPipeline.eventsInput(EventsPipeline.parseOptions("--inputFiles=/data/*.jsonl",
        "--sourceBucket=uploads", "--sourceObject=events/e.jsonl", "--sourceGeneration=7")))
        .hasMessageContaining("the input must be one file");
    assertThatThrownBy(() -> EventsPipeline.catalogInput(EventsPipeline.parseOptions("--catalogFiles=/c.csv",
        "--defaultUpdatedAt=today")))
        .hasMessageContaining("--defaultUpdatedAt must be an RFC 3339 time");
    assertThatThrownBy(() -> EventsPipeline.eventsInput(EventsPipeline.parseOptions()))
        .hasMessageContaining("neither is set");
  }
}
