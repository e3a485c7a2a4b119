package dev.shopstream.functions.upload;

import com.google.api.core.ApiFuture;
import com.google.api.core.ApiFutures;
import com.google.cloud.pubsub.v1.PublisherInterface;
import com.google.pubsub.v1.PubsubMessage;
import dev.shopstream.functions.PubsubPublishers;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Publishes with at most {@code maxOutstandingPublishes} unacknowledged messages. The publisher batches as the
 * window fills; a drain sends the last partial batch at once instead of waiting for the batching delay. Counts
 * the acknowledged messages in the {@link Run}; throws {@link PublishFailedException} when one is not acknowledged
 * within {@code publishTimeout}.
 */
final class PublishWindow {
  private final PublisherInterface publisher;
  private final Run run;
  private final UploadConfig config;
  private final List<ApiFuture<String>> pending = new ArrayList<>();

  PublishWindow(PublisherInterface publisher, Run run, UploadConfig config) {
    this.publisher = publisher;
    this.run = run;
    this.config = config;
  }

  void publish(PubsubMessage message) {
    ApiFuture<String> future;
    try {
      future = publisher.publish(message);
    } catch (RuntimeException e) { // e.g. flow control or a shut-down publisher: a failed publish like any other
      future = ApiFutures.immediateFailedFuture(e);
    }
    pending.add(future);
    if (pending.size() >= config.maxOutstandingPublishes()) {
      drain();
    }
  }

  void drain() {
    PubsubPublishers.publishAllOutstanding(publisher);
    long deadline = System.nanoTime() + config.publishTimeout().toNanos();
    try {
      for (ApiFuture<String> f : pending) {
        f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        run.published++;
      }
    } catch (ExecutionException e) {
      throw failed(e.getCause());
    } catch (TimeoutException e) {
      throw failed(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw failed(e);
    } finally {
      pending.clear();
    }
  }

  private PublishFailedException failed(Throwable cause) {
    return new PublishFailedException("Pub/Sub did not acknowledge a message of " + run.object.uri()
        + " within " + config.publishTimeout() + " (" + cause + "); the event will be redelivered", cause);
  }
}
