package dev.shopstream.local;

import com.google.api.gax.core.NoCredentialsProvider;
import com.google.api.gax.grpc.GrpcTransportChannel;
import com.google.api.gax.rpc.AlreadyExistsException;
import com.google.api.gax.rpc.FixedTransportChannelProvider;
import com.google.api.gax.rpc.TransportChannelProvider;
import com.google.cloud.pubsub.v1.SubscriptionAdminClient;
import com.google.cloud.pubsub.v1.SubscriptionAdminSettings;
import com.google.cloud.pubsub.v1.TopicAdminClient;
import com.google.cloud.pubsub.v1.TopicAdminSettings;
import com.google.pubsub.v1.ProjectSubscriptionName;
import com.google.pubsub.v1.PushConfig;
import com.google.pubsub.v1.TopicName;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/** The stack's topics and their subscriptions, created with the real admin clients (existing ones are kept). */
final class PubsubTopology {
  private static final Logger LOG = Logger.getLogger(PubsubTopology.class.getName());

  private PubsubTopology() {}

  /** Creates each (topic id, subscription id) pair of {@code project} on the emulator at {@code grpcTarget}. */
  static void create(String grpcTarget, String project, List<List<String>> topicAndSubscription)
      throws IOException, InterruptedException {
    ManagedChannel channel = ManagedChannelBuilder.forTarget(grpcTarget).usePlaintext().build();
    try {
      TransportChannelProvider channels =
          FixedTransportChannelProvider.create(GrpcTransportChannel.create(channel));
      try (TopicAdminClient topics = TopicAdminClient.create(TopicAdminSettings.newBuilder()
               .setTransportChannelProvider(channels).setCredentialsProvider(NoCredentialsProvider.create()).build());
           SubscriptionAdminClient subscriptions = SubscriptionAdminClient.create(SubscriptionAdminSettings
               .newBuilder().setTransportChannelProvider(channels)
               .setCredentialsProvider(NoCredentialsProvider.create()).build())) {
        for (List<String> pair : topicAndSubscription) {
          create(topics, subscriptions, project, pair.get(0), pair.get(1));
        }
      }
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private static void create(TopicAdminClient topics, SubscriptionAdminClient subscriptions, String project,
      String topicId, String subscriptionId) {
    TopicName topic = TopicName.of(project, topicId);
    try {
      topics.createTopic(topic);
    } catch (AlreadyExistsException e) {
      LOG.fine("topic exists: " + topic);
    }
    String subscription = ProjectSubscriptionName.format(project, subscriptionId);
    try {
      subscriptions.createSubscription(subscription, topic.toString(), PushConfig.getDefaultInstance(), 60);
    } catch (AlreadyExistsException e) {
      LOG.fine("subscription exists: " + subscription);
    }
  }
}
