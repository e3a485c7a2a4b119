package dev.shopstream.emulator.pubsub;

import com.google.protobuf.Empty;
import com.google.pubsub.v1.AcknowledgeRequest;
import com.google.pubsub.v1.DeleteSubscriptionRequest;
import com.google.pubsub.v1.DeleteTopicRequest;
import com.google.pubsub.v1.GetSubscriptionRequest;
import com.google.pubsub.v1.GetTopicRequest;
import com.google.pubsub.v1.ListSubscriptionsRequest;
import com.google.pubsub.v1.ListSubscriptionsResponse;
import com.google.pubsub.v1.ListTopicSubscriptionsRequest;
import com.google.pubsub.v1.ListTopicSubscriptionsResponse;
import com.google.pubsub.v1.ListTopicsRequest;
import com.google.pubsub.v1.ListTopicsResponse;
import com.google.pubsub.v1.ModifyAckDeadlineRequest;
import com.google.pubsub.v1.PublishRequest;
import com.google.pubsub.v1.PublishResponse;
import com.google.pubsub.v1.PublisherGrpc;
import com.google.pubsub.v1.PullRequest;
import com.google.pubsub.v1.PullResponse;
import com.google.pubsub.v1.StreamingPullRequest;
import com.google.pubsub.v1.StreamingPullResponse;
import com.google.pubsub.v1.SubscriberGrpc;
import com.google.pubsub.v1.Subscription;
import com.google.pubsub.v1.Topic;
import io.grpc.Context;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The gRPC front end: {@code google.pubsub.v1.Publisher} and {@code Subscriber}, each call delegated to the
 * {@link Broker}. Methods the broker does not implement (snapshots, seek, updates, schemas) answer UNIMPLEMENTED.
 */
final class GrpcFrontEnd {

  private static final Logger LOG = Logger.getLogger(GrpcFrontEnd.class.getName());

  /** Above the 10 MB request limit, so that oversized publishes get the broker's INVALID_ARGUMENT. */
  private static final int MAX_INBOUND_MESSAGE_BYTES = 2 * Limits.MAX_REQUEST_BYTES;

  private GrpcFrontEnd() {}

  static Server start(String host, int port, Broker broker, Executor executor) throws IOException {
    return NettyServerBuilder.forAddress(new InetSocketAddress(host, port))
        .executor(executor)
        .maxInboundMessageSize(MAX_INBOUND_MESSAGE_BYTES)
        .addService(new PublisherService(broker))
        .addService(new SubscriberService(broker, executor))
        .build()
        .start();
  }

  /** Completes a unary call with the broker's answer or its error status. */
  private static <T> void respond(StreamObserver<T> observer, Supplier<T> call) {
    T response;
    try {
      response = call.get();
    } catch (StatusRuntimeException e) {
      observer.onError(e);
      return;
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "Pub/Sub emulator call failed", e);
      observer.onError(Status.INTERNAL.withDescription(e.toString()).withCause(e).asRuntimeException());
      return;
    }
    observer.onNext(response);
    observer.onCompleted();
  }

  private static final class PublisherService extends PublisherGrpc.PublisherImplBase {
    private final Broker broker;

    PublisherService(Broker broker) {
      this.broker = broker;
    }

    @Override
    public void createTopic(Topic request, StreamObserver<Topic> responses) {
      respond(responses, () -> broker.createTopic(request));
    }

    @Override
    public void getTopic(GetTopicRequest request, StreamObserver<Topic> responses) {
      respond(responses, () -> broker.getTopic(request.getTopic()));
    }

    @Override
    public void listTopics(ListTopicsRequest request, StreamObserver<ListTopicsResponse> responses) {
      respond(responses, () -> broker.listTopics(request));
    }

    @Override
    public void listTopicSubscriptions(ListTopicSubscriptionsRequest request,
        StreamObserver<ListTopicSubscriptionsResponse> responses) {
      respond(responses, () -> broker.listTopicSubscriptions(request));
    }

    @Override
    public void deleteTopic(DeleteTopicRequest request, StreamObserver<Empty> responses) {
      respond(responses, () -> broker.deleteTopic(request.getTopic()));
    }

    @Override
    public void publish(PublishRequest request, StreamObserver<PublishResponse> responses) {
      respond(responses, () -> broker.publish(request));
    }
  }

  private static final class SubscriberService extends SubscriberGrpc.SubscriberImplBase {
    private final Broker broker;
    private final Executor executor;

    SubscriberService(Broker broker, Executor executor) {
      this.broker = broker;
      this.executor = executor;
    }

    @Override
    public void createSubscription(Subscription request, StreamObserver<Subscription> responses) {
      respond(responses, () -> broker.createSubscription(request));
    }

    @Override
    public void getSubscription(GetSubscriptionRequest request, StreamObserver<Subscription> responses) {
      respond(responses, () -> broker.getSubscription(request.getSubscription()));
    }

    @Override
    public void listSubscriptions(ListSubscriptionsRequest request,
        StreamObserver<ListSubscriptionsResponse> responses) {
      respond(responses, () -> broker.listSubscriptions(request));
    }

    @Override
    public void deleteSubscription(DeleteSubscriptionRequest request, StreamObserver<Empty> responses) {
      respond(responses, () -> broker.deleteSubscription(request.getSubscription()));
    }

    @Override
    public void pull(PullRequest request, StreamObserver<PullResponse> responses) {
      Context context = Context.current();
      respond(responses, () -> broker.pull(request, context::isCancelled));
    }

    @Override
    public void acknowledge(AcknowledgeRequest request, StreamObserver<Empty> responses) {
      respond(responses, () -> broker.acknowledge(request));
    }

    @Override
    public void modifyAckDeadline(ModifyAckDeadlineRequest request, StreamObserver<Empty> responses) {
      respond(responses, () -> broker.modifyAckDeadline(request));
    }

    @Override
    public StreamObserver<StreamingPullRequest> streamingPull(StreamObserver<StreamingPullResponse> responses) {
      return new StreamingPullCall(broker, (ServerCallStreamObserver<StreamingPullResponse>) responses, executor);
    }
  }
}
