package dev.shopstream.emulator.pubsub;

import static dev.shopstream.emulator.pubsub.PubsubConformanceTest.PROJECT;
import static dev.shopstream.emulator.pubsub.PubsubConformanceTest.ackIds;
import static dev.shopstream.emulator.pubsub.PubsubConformanceTest.unique;
import static dev.shopstream.emulator.pubsub.PubsubConformanceTest.waitUntil;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.pubsub.v1.PushConfig;
import com.google.pubsub.v1.ReceivedMessage;
import com.google.pubsub.v1.SubscriptionName;
import com.google.pubsub.v1.TopicName;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.runners.direct.DirectRunner;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.extensions.gcp.auth.NoopCredentialFactory;
import org.apache.beam.sdk.extensions.gcp.options.GcpOptions;
import org.apache.beam.sdk.io.gcp.pubsub.PubsubIO;
import org.apache.beam.sdk.io.gcp.pubsub.PubsubMessage;
import org.apache.beam.sdk.io.gcp.pubsub.PubsubMessageWithAttributesCoder;
import org.apache.beam.sdk.io.gcp.pubsub.PubsubOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.joda.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Beam's {@code PubsubIO} on the DirectRunner against the embedded emulator's REST endpoint
 * ({@code --pubsubRootUrl}), with the Java client (gRPC) on the other side.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class BeamPubsubIOIT {

  /** What the pipeline's DoFn saw: {@code payload|event_id|element timestamp millis|message id}. */
  private static final Queue<String> SEEN = new ConcurrentLinkedQueue<>();

  private static PubsubEmulator emulator;
  private PubsubClients clients;

  @BeforeAll
  static void startEmulator() {
    emulator = PubsubEmulator.start("127.0.0.1", 0, 0);
  }

  @AfterAll
  static void stopEmulator() {
    emulator.close();
  }

  @BeforeEach
  void connect() throws IOException {
    clients = new PubsubClients(emulator.grpcTarget());
  }

  @AfterEach
  void disconnect() {
    clients.close();
  }

  @Test
  void unboundedReadFromATopicReceivesPublishedMessagesWithIdAndTimestampAttributes() throws Exception {
    TopicName topic = TopicName.of(PROJECT, unique("events"));
    clients.topics.createTopic(topic);
    DirectOptions options = options();
    options.setBlockOnRun(false);
    Pipeline pipeline = Pipeline.create(options);
    pipeline
        .apply(PubsubIO.readMessagesWithAttributesAndMessageId()
            .fromTopic(topic.toString())
            .withIdAttribute("event_id")
            .withTimestampAttribute("event_time"))
        .apply(ParDo.of(new Record()));
    long baseTime = 1_700_000_000_000L;
    List<String> expected = new ArrayList<>();

    PipelineResult result = pipeline.run();
    try {
      // Beam creates its own subscription on the topic (over REST); publish once it exists
      waitUntil(() -> clients.topics.listTopicSubscriptions(topic).iterateAll().iterator().hasNext());
      List<com.google.pubsub.v1.PubsubMessage> messages = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        messages.add(com.google.pubsub.v1.PubsubMessage.newBuilder()
            .setData(ByteString.copyFromUtf8("view-" + i))
            .putAttributes("event_id", "e-" + i)
            .putAttributes("event_time", Long.toString(baseTime + i))
            .build());
      }
      clients.topics.publish(topic, messages);
      for (int i = 0; i < 5; i++) {
        // with an id attribute, Beam reports the attribute's value as the message id
        expected.add("view-" + i + "|e-" + i + "|" + (baseTime + i) + "|e-" + i);
      }
      waitUntil(() -> SEEN.size() >= expected.size());
    } finally {
      result.cancel();
    }

    assertThat(SEEN).containsExactlyInAnyOrderElementsOf(expected);
  }

  @Test
  void boundedWriteLandsMessagesThatTheJavaClientPulls() throws Exception {
    TopicName topic = TopicName.of(PROJECT, unique("out"));
    clients.topics.createTopic(topic);
    String subscription = SubscriptionName.of(PROJECT, unique("out")).toString();
    clients.subscriptions.createSubscription(subscription, topic.toString(), PushConfig.getDefaultInstance(), 60);
    List<PubsubMessage> outgoing = IntStream.range(0, 4)
        .mapToObj(i -> new PubsubMessage(("reco-" + i).getBytes(StandardCharsets.UTF_8), Map.of("user", "u" + i)))
        .toList();
    Pipeline pipeline = Pipeline.create(options());
    pipeline
        .apply(Create.of(outgoing).withCoder(PubsubMessageWithAttributesCoder.of()))
        .apply(PubsubIO.writeMessages().to(topic.toString()));

    pipeline.run().waitUntilFinish();

    List<ReceivedMessage> received = clients.pullAtLeast(subscription, outgoing.size());
    assertThat(received)
        .extracting(r -> r.getMessage().getData().toStringUtf8() + "|" + r.getMessage().getAttributesOrThrow("user"))
        .containsExactlyInAnyOrder("reco-0|u0", "reco-1|u1", "reco-2|u2", "reco-3|u3");
    clients.ack(subscription, ackIds(received));
    assertThat(emulator.backlog(subscription)).isZero();
  }

  private static DirectOptions options() {
    DirectOptions options = PipelineOptionsFactory.as(DirectOptions.class);
    options.setRunner(DirectRunner.class);
    options.as(PubsubOptions.class).setPubsubRootUrl(emulator.restUrl());
    options.as(GcpOptions.class).setProject(PROJECT);
    options.as(GcpOptions.class).setCredentialFactoryClass(NoopCredentialFactory.class);
    return options;
  }

  private static final class Record extends DoFn<PubsubMessage, Void> {
    private static final long serialVersionUID = 1L;

    @ProcessElement
    public void process(@Element PubsubMessage message, @Timestamp Instant timestamp) {
      SEEN.add(new String(message.getPayload(), StandardCharsets.UTF_8) + "|" + message.getAttribute("event_id")
          + "|" + timestamp.getMillis() + "|" + message.getMessageId());
    }
  }
}
