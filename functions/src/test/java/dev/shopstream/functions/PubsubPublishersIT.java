package dev.shopstream.functions;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.api.gax.core.NoCredentialsProvider;
import com.google.api.gax.grpc.GrpcTransportChannel;
import com.google.api.gax.rpc.FixedTransportChannelProvider;
import com.google.api.gax.rpc.TransportChannelProvider;
import com.google.cloud.pubsub.v1.SubscriptionAdminClient;
import com.google.cloud.pubsub.v1.SubscriptionAdminSettings;
import com.google.cloud.pubsub.v1.TopicAdminClient;
import com.google.cloud.pubsub.v1.TopicAdminSettings;
import com.google.pubsub.v1.PubsubMessage;
import com.google.pubsub.v1.PushConfig;
import com.google.pubsub.v1.ReceivedMessage;
import com.google.pubsub.v1.SubscriptionName;
import com.google.pubsub.v1.TopicName;
import dev.shopstream.emulator.pubsub.PubsubEmulator;
import dev.shopstream.functions.ingest.IngestFunction;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The publishers as a deployed function builds them (no-argument constructor, settings from the environment or system
 * properties) reach Pub/Sub: here the project's embedded emulator (the {@code pubsub-emulator} module, in process),
 * named by {@code PUBSUB_EMULATOR_HOST} as Google's emulator would be, so the test runs on every machine.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class PubsubPublishersIT {

  @Test
  void noArgIngestFunctionPublishesThroughTheEmulatorNamedBySystemProperties() throws Exception {
    try (PubsubEmulator emulator = PubsubEmulator.start("127.0.0.1", 0, 0)) {
      String host = emulator.grpcTarget();
      ManagedChannel channel = ManagedChannelBuilder.forTarget(host).usePlaintext().build();
      try {
        TransportChannelProvider channels = FixedTransportChannelProvider.create(GrpcTransportChannel.create(channel));
        TopicName topic = TopicName.of("my-project", "events");
        SubscriptionName subscription = SubscriptionName.of("my-project", "events-test");
        try (TopicAdminClient topics = TopicAdminClient.create(TopicAdminSettings.newBuilder()
                .setTransportChannelProvider(channels).setCredentialsProvider(NoCredentialsProvider.create()).build());
             SubscriptionAdminClient subscriptions = SubscriptionAdminClient.create(SubscriptionAdminSettings.newBuilder()
                .setTransportChannelProvider(channels).setCredentialsProvider(NoCredentialsProvider.create()).build())) {
          topics.createTopic(topic);
          subscriptions.createSubscription(subscription, topic, PushConfig.getDefaultInstance(), 10);

          IngestFunction function;
          System.setProperty("PROJECT_ID", "my-project");
          System.setProperty("PUBSUB_EMULATOR_HOST", host);
          try {
            function = new IngestFunction();
          } finally {
            System.clearProperty("PROJECT_ID");
            System.clearProperty("PUBSUB_EMULATOR_HOST");
          }
          String event = "{\"event_id\": \"e-1\", \"event_type\": \"search\", \"user_id\": \"u-1\", "
              + "\"event_time\": \"2026-01-01T00:00:00Z\", \"query\": \"red shoes\"}";
          FakeExchange x = FakeExchange.request("POST", "/").body("application/json", event).serve(function);
          assertThat(x.status()).isEqualTo(202);

          List<ReceivedMessage> received = subscriptions.pull(subscription, 10).getReceivedMessagesList();
          assertThat(received).hasSize(1);
          PubsubMessage message = received.get(0).getMessage();
          assertThat(message.getAttributesMap()).containsEntry("event_id", "e-1").containsEntry("schema_version", "1");
          assertThat(message.getData().toStringUtf8()).contains("\"query\":\"red shoes\"");
        }
      } finally {
        channel.shutdownNow();
      }
    }
  }
}
