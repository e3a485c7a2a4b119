package dev.shopstream.functions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

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
import dev.shopstream.functions.ingest.IngestFunction;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class PubsubPublishersTest {
  /** Google's emulator, where the machine has it (a fresh machine does not: the test is then skipped). */
  private static final Path EMULATOR = Path.of("/usr/lib/google-cloud-sdk/platform/pubsub-emulator/bin/cloud-pubsub-emulator");

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

  @Test
  void noArgIngestFunctionPublishesThroughTheEmulatorNamedBySystemProperties() throws Exception {
    assumeTrue(Files.isExecutable(EMULATOR), "Google's Pub/Sub emulator is not installed at " + EMULATOR);
    int port;
    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort();
    }
    String host = "127.0.0.1:" + port;
    Process emulator = new ProcessBuilder(EMULATOR.toString(), "--host=127.0.0.1", "--port=" + port)
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    ManagedChannel channel = ManagedChannelBuilder.forTarget(host).usePlaintext().build();
    try {
      awaitPort(port);
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
      emulator.descendants().forEach(ProcessHandle::destroy);
      emulator.destroy();
      emulator.waitFor(10, TimeUnit.SECONDS);
    }
  }

  private static void awaitPort(int port) throws InterruptedException {
    for (int attempt = 0; attempt < 300; attempt++) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return;
      } catch (IOException notYet) {
        Thread.sleep(100);
      }
    }
    throw new AssertionError("the Pub/Sub emulator did not open port " + port);
  }
}
