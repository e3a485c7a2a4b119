package dev.shopstream.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.pubsub.v1.PublishRequest;
import com.google.pubsub.v1.PubsubMessage;
import com.google.pubsub.v1.ReceivedMessage;
import com.google.pubsub.v1.TopicName;
import dev.shopstream.emulator.pubsub.PubsubClients;
import dev.shopstream.emulator.pubsub.PubsubEmulator;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The stack's subscriptions, created by {@link PubsubTopology} and read with the real client: a message the pipeline
 * holds without acknowledging it (Beam's source acknowledges at the next completed checkpoint, and extends a lease
 * only while it emits) stays its own for the full ack deadline, 10 minutes, not the 60 s after which a burst's
 * messages used to come again while their first delivery was still in the pipeline.
 */
class PubsubTopologyTest {
  private static final String PROJECT = "local-project";

  @Test
  void aPulledMessageIsNotDeliveredAgainUntilTenMinutesHavePassed() throws Exception {
    StepClock clock = new StepClock();
    try (PubsubEmulator emulator = PubsubEmulator.builder().clock(clock).start()) {
      PubsubTopology.create(emulator.grpcTarget(), PROJECT, List.of(List.of("events", "events-pipeline")));
      String subscription = "projects/" + PROJECT + "/subscriptions/events-pipeline";
      try (PubsubClients clients = new PubsubClients(emulator.grpcTarget())) {
        assertThat(clients.subscriptions.getSubscription(subscription).getAckDeadlineSeconds()).isEqualTo(600);
        clients.topics.publish(PublishRequest.newBuilder().setTopic(TopicName.of(PROJECT, "events").toString())
            .addMessages(PubsubMessage.newBuilder().setData(ByteString.copyFromUtf8("held"))).build());
        ReceivedMessage first = clients.pullAtLeast(subscription, 1).get(0);

        clock.advance(Duration.ofSeconds(599)); // e.g. a checkpoint behind a large upload's backlog
        assertThat(emulator.backlog(subscription)).isEqualTo(1);
        assertThat(clients.subscriber.pullCallable().call(com.google.pubsub.v1.PullRequest.newBuilder()
            .setSubscription(subscription).setMaxMessages(10).setReturnImmediately(true).build())
            .getReceivedMessagesList()).as("still leased to the pipeline").isEmpty();
        assertThat(emulator.stats()).containsEntry("expired", 0L).containsEntry("redelivered", 0L);

        clock.advance(Duration.ofSeconds(2)); // what a pipeline that died holding it gets back, eventually
        ReceivedMessage again = clients.pullAtLeast(subscription, 1).get(0);
        assertThat(again.getMessage().getMessageId()).isEqualTo(first.getMessage().getMessageId());
        assertThat(emulator.stats()).containsEntry("expired", 1L).containsEntry("redelivered", 1L);
      }
    }
  }

  /** A clock that stands still until the test moves it. */
  private static final class StepClock extends Clock {
    private final AtomicReference<Instant> now = new AtomicReference<>(Instant.now());

    void advance(Duration d) {
      now.updateAndGet(t -> t.plus(d));
    }

    @Override
    public Instant instant() {
      return now.get();
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }
  }
}
