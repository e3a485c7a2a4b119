package dev.shopstream.functions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.pubsub.v1.TopicName;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The publishers' settings; publishing through them is {@code PubsubPublishersIT}. */
class PubsubPublishersTest {
  private static Settings of(Map<String, String> values) {
    return new Settings(values::get);
  }

  @Test
  void eventsTopicComesFromProjectAndTopicSettings() {
    assertThat(PubsubPublishers.eventsTopic(of(Map.of("PROJECT_ID", "my-project"))))
        .isEqualTo(TopicName.of("my-project", "events"));
    assertThat(PubsubPublishers.eventsTopic(of(Map.of("GOOGLE_CLOUD_PROJECT", "my-project", "EVENTS_TOPIC", "raw-events"))))
        .isEqualTo(TopicName.of("my-project", "raw-events"));
    assertThatThrownBy(() -> PubsubPublishers.eventsTopic(of(Map.of())))
        .hasMessageContaining("PROJECT_ID (or GOOGLE_CLOUD_PROJECT) is not set");
    assertThatThrownBy(() -> PubsubPublishers.eventsTopic(of(Map.of("PROJECT_ID", "my-project", "EVENTS_TOPIC", "a b"))))
        .hasMessageContaining("EVENTS_TOPIC must be a Pub/Sub topic id");
  }
}
