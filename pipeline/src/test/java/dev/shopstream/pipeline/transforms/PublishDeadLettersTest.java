package dev.shopstream.pipeline.transforms;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shopstream.contract.DeadLetter;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import dev.shopstream.pipeline.coders.DeadLetterCoder;
import dev.shopstream.pipeline.testing.FakePubsubServer;
import org.apache.beam.sdk.io.gcp.pubsub.PubsubOptions;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.io.gcp.pubsub.PubsubMessage;
import org.junit.jupiter.api.Test;

public class PublishDeadLettersTest {
  private static final DeadLetter BAD = new DeadLetter("e-9", "{\"event_id\":\"e-9\"", Map.of("source", "web"),
      "$: is not valid JSON", "parse", Instant.parse("2026-11-22T12:00:00.5Z"));

  @Test
  public void messageIsThePayloadWithTheOriginalAttributesAndTheReason() {
    PubsubMessage m = PublishDeadLetters.message(BAD);
    assertThat(new String(m.getPayload(), StandardCharsets.UTF_8)).isEqualTo("{\"event_id\":\"e-9\"");
    assertThat(m.getAttributeMap()).containsExactlyInAnyOrderEntriesOf(Map.of("source", "web",
        "error", "$: is not valid JSON", "step", "parse", "failed_at", "2026-11-22T12:00:00.500Z"));
  }

  @Test
  public void longErrorsAreCutToWhatPubsubAccepts() {
    String error = "é".repeat(2000);
    String cut = PublishDeadLetters.truncate(error);
    assertThat(cut.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(1024);
    assertThat(cut).startsWith("éé").endsWith("...");
    assertThat(PublishDeadLetters.truncate("short")).isEqualTo("short");
  }

  @Test
  public void publishesEveryDeadLetterToTheTopic() throws Exception {
    String topic = "projects/my-project/topics/dead-letters";
    try (FakePubsubServer pubsub = new FakePubsubServer("projects/my-project/subscriptions/unused")) {
      TestPipeline pipeline = TestPipeline.create().enableAbandonedNodeEnforcement(false);
      pipeline.getOptions().as(PubsubOptions.class).setPubsubRootUrl(pubsub.rootUrl());
      pipeline.apply(Create.of(BAD).withCoder(DeadLetterCoder.of())).apply(PublishDeadLetters.to(topic));
      pipeline.run().waitUntilFinish();

      assertThat(pubsub.publishedTo(topic)).containsExactly(new FakePubsubServer.Published(topic,
          BAD.payload(), Map.of("source", "web", "error", "$: is not valid JSON", "step", "parse",
              "failed_at", "2026-11-22T12:00:00.500Z")));
    }
  }
}
