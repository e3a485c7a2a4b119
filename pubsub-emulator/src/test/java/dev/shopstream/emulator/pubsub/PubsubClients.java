package dev.shopstream.emulator.pubsub;

import com.google.api.gax.core.CredentialsProvider;
import com.google.api.gax.core.NoCredentialsProvider;
import com.google.api.gax.grpc.GrpcTransportChannel;
import com.google.api.gax.rpc.FixedTransportChannelProvider;
import com.google.api.gax.rpc.TransportChannelProvider;
import com.google.cloud.pubsub.v1.MessageReceiver;
import com.google.cloud.pubsub.v1.Publisher;
import com.google.cloud.pubsub.v1.Subscriber;
import com.google.cloud.pubsub.v1.SubscriptionAdminClient;
import com.google.cloud.pubsub.v1.SubscriptionAdminSettings;
import com.google.cloud.pubsub.v1.TopicAdminClient;
import com.google.cloud.pubsub.v1.TopicAdminSettings;
import com.google.cloud.pubsub.v1.stub.GrpcSubscriberStub;
import com.google.cloud.pubsub.v1.stub.SubscriberStubSettings;
import com.google.pubsub.v1.AcknowledgeRequest;
import com.google.pubsub.v1.ModifyAckDeadlineRequest;
import com.google.pubsub.v1.PullRequest;
import com.google.pubsub.v1.ReceivedMessage;
import com.google.pubsub.v1.TopicName;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The official Java client, wired to an emulator the way the project's services are: plaintext, no credentials.
 * Public for the local stack's tests, which use it through this module's test jar.
 */
public final class PubsubClients implements AutoCloseable {

  public final ManagedChannel channel;
  public final TopicAdminClient topics;
  public final SubscriptionAdminClient subscriptions;
  public final GrpcSubscriberStub subscriber;
  private final TransportChannelProvider channelProvider;
  private final CredentialsProvider credentials = NoCredentialsProvider.create();

  public PubsubClients(String grpcTarget) throws IOException {
    channel = ManagedChannelBuilder.forTarget(grpcTarget).usePlaintext().build();
    channelProvider = FixedTransportChannelProvider.create(GrpcTransportChannel.create(channel));
    topics = TopicAdminClient.create(TopicAdminSettings.newBuilder()
        .setTransportChannelProvider(channelProvider)
        .setCredentialsProvider(credentials)
        .build());
    subscriptions = SubscriptionAdminClient.create(SubscriptionAdminSettings.newBuilder()
        .setTransportChannelProvider(channelProvider)
        .setCredentialsProvider(credentials)
        .build());
    subscriber = GrpcSubscriberStub.create(SubscriberStubSettings.newBuilder()
        .setTransportChannelProvider(channelProvider)
        .setCredentialsProvider(credentials)
        .build());
  }

  public Publisher publisher(TopicName topic) throws IOException {
    return Publisher.newBuilder(topic)
        .setChannelProvider(channelProvider)
        .setCredentialsProvider(credentials)
        .setEnableMessageOrdering(true)
        .build();
  }

  public Subscriber subscriber(String subscription, MessageReceiver receiver) {
    return Subscriber.newBuilder(subscription, receiver)
        .setChannelProvider(channelProvider)
        .setCredentialsProvider(credentials)
        .build();
  }

  /** One synchronous pull (waits server-side for a first message up to the server's limit). */
  public List<ReceivedMessage> pull(String subscription, int maxMessages) {
    return subscriber.pullCallable()
        .call(PullRequest.newBuilder().setSubscription(subscription).setMaxMessages(maxMessages).build())
        .getReceivedMessagesList();
  }

  /** Pulls until {@code count} messages have arrived; the caller's timeout bounds the wait. */
  public List<ReceivedMessage> pullAtLeast(String subscription, int count) {
    List<ReceivedMessage> received = new ArrayList<>();
    while (received.size() < count) {
      received.addAll(pull(subscription, count - received.size()));
    }
    return received;
  }

  public void ack(String subscription, List<String> ackIds) {
    subscriber.acknowledgeCallable()
        .call(AcknowledgeRequest.newBuilder().setSubscription(subscription).addAllAckIds(ackIds).build());
  }

  public void modifyAckDeadline(String subscription, List<String> ackIds, int seconds) {
    subscriber.modifyAckDeadlineCallable().call(ModifyAckDeadlineRequest.newBuilder()
        .setSubscription(subscription)
        .addAllAckIds(ackIds)
        .setAckDeadlineSeconds(seconds)
        .build());
  }

  @Override
  public void close() {
    subscriber.close();
    subscriptions.close();
    topics.close();
    try {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
