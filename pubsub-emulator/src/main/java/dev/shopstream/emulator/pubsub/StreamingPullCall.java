package dev.shopstream.emulator.pubsub;

import com.google.pubsub.v1.AcknowledgeRequest;
import com.google.pubsub.v1.ModifyAckDeadlineRequest;
import com.google.pubsub.v1.ReceivedMessage;
import com.google.pubsub.v1.StreamingPullRequest;
import com.google.pubsub.v1.StreamingPullResponse;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executor;
import java.util.logging.Logger;

/**
 * One {@code StreamingPull} call. The first request opens a {@link PullStream} on the subscription; a delivery
 * task then pushes batches as messages become available, within the client's flow-control limits. Every request
 * may carry acks and deadline changes, which go to the broker like their unary counterparts. The call ends when the
 * client cancels or half-closes, when the subscription is deleted (NOT_FOUND) or when the emulator stops.
 */
final class StreamingPullCall implements StreamObserver<StreamingPullRequest> {

  private static final Logger LOG = Logger.getLogger(StreamingPullCall.class.getName());

  /** How long one delivery round waits for messages before checking again whether the call is still open. */
  private static final Duration ROUND = Duration.ofSeconds(1);

  private final Broker broker;
  private final ServerCallStreamObserver<StreamingPullResponse> responses;
  private final Executor executor;
  private PullStream stream; // guarded by this
  private boolean finished; // guarded by this

  StreamingPullCall(Broker broker, ServerCallStreamObserver<StreamingPullResponse> responses, Executor executor) {
    this.broker = broker;
    this.responses = responses;
    this.executor = executor;
    responses.setOnCancelHandler(this::closeStream);
  }

  @Override
  public void onNext(StreamingPullRequest request) {
    try {
      PullStream s = streamFor(request);
      if (s == null) {
        return;
      }
      if (request.getAckIdsCount() > 0) {
        broker.acknowledge(AcknowledgeRequest.newBuilder()
            .setSubscription(s.subscription())
            .addAllAckIds(request.getAckIdsList())
            .build());
      }
      modifyDeadlines(s.subscription(), request);
    } catch (StatusRuntimeException e) {
      fail(e);
    }
  }

  /** Opens the stream on the first request; later requests may change its ack deadline. Null once finished. */
  private synchronized PullStream streamFor(StreamingPullRequest request) {
    if (finished) {
      return null;
    }
    if (stream == null) {
      stream = broker.openStream(request);
      LOG.fine(() -> "Streaming pull opened on " + request.getSubscription());
      executor.execute(this::deliver);
    } else if (request.getStreamAckDeadlineSeconds() > 0) {
      stream.setAckDeadlineSeconds(request.getStreamAckDeadlineSeconds());
    }
    return stream;
  }

  private void modifyDeadlines(String subscription, StreamingPullRequest request) {
    if (request.getModifyDeadlineAckIdsCount() != request.getModifyDeadlineSecondsCount()) {
      throw Errors.invalidArgument("modify_deadline_ack_ids and modify_deadline_seconds must have the same length");
    }
    Map<Integer, List<String>> ackIdsBySeconds = new TreeMap<>();
    for (int i = 0; i < request.getModifyDeadlineAckIdsCount(); i++) {
      ackIdsBySeconds.computeIfAbsent(request.getModifyDeadlineSeconds(i), seconds -> new ArrayList<>())
          .add(request.getModifyDeadlineAckIds(i));
    }
    ackIdsBySeconds.forEach((seconds, ackIds) -> broker.modifyAckDeadline(ModifyAckDeadlineRequest.newBuilder()
        .setSubscription(subscription)
        .addAllAckIds(ackIds)
        .setAckDeadlineSeconds(seconds)
        .build()));
  }

  /** The delivery task: runs until the call finishes. */
  private void deliver() {
    PullStream s;
    synchronized (this) {
      s = stream;
    }
    try {
      while (true) {
        List<ReceivedMessage> batch = s.next(ROUND);
        synchronized (this) {
          if (finished) {
            nack(s.subscription(), batch);
            return;
          }
          if (!batch.isEmpty()) {
            responses.onNext(StreamingPullResponse.newBuilder().addAllReceivedMessages(batch).build());
          }
        }
      }
    } catch (StatusRuntimeException e) {
      fail(e);
    }
  }

  /** Returns messages leased while the client went away, so they need not wait for their deadline. */
  private void nack(String subscription, List<ReceivedMessage> batch) {
    if (batch.isEmpty()) {
      return;
    }
    ModifyAckDeadlineRequest.Builder nack = ModifyAckDeadlineRequest.newBuilder().setSubscription(subscription);
    batch.forEach(m -> nack.addAckIds(m.getAckId()));
    try {
      broker.modifyAckDeadline(nack.build());
    } catch (StatusRuntimeException e) {
      LOG.fine(() -> "Could not return messages of a closed stream: " + e.getStatus());
    }
  }

  @Override
  public void onError(Throwable t) {
    closeStream();
  }

  @Override
  public synchronized void onCompleted() {
    if (!finished) {
      closeStream();
      responses.onCompleted();
    }
  }

  private synchronized void closeStream() {
    finished = true;
    if (stream != null) {
      stream.close();
    }
  }

  private synchronized void fail(StatusRuntimeException e) {
    if (!finished) {
      closeStream();
      LOG.fine(() -> "Streaming pull ends: " + e.getStatus());
      responses.onError(e);
    }
  }
}
