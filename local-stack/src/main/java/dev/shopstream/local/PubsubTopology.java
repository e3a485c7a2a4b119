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

  /**
   * The subscriptions' ack deadline: the longest Pub/Sub allows. Beam's Pub/Sub source acknowledges a message only
   * when a checkpoint after it completes, and extends its lease only while it emits; behind a large upload's backlog a
   * checkpoint took 11-64 s and the source stalled, so with 60 s 14,568 of 100,000 messages ran out of their lease,
   * came again, and kept the backlog up for 50 s after the last row was written (docs/BENCHMARKS.md). The price: after
   * a restart of the pipeline alone (Flink restarting a failed job) what it had read after its last checkpoint comes
   * back only when this deadline passes; a restart of the stack redelivers at once (leases are not journaled).
   */
  static final int ACK_DEADLINE_SECONDS = 600;

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
      subscriptions.createSubscription(subscription, topic.toString(), PushConfig.getDefaultInstance(),
          ACK_DEADLINE_SECONDS);
    } catch (AlreadyExistsException e) {
      LOG.fine("subscription exists: " + subscription);
    }
  }
}
