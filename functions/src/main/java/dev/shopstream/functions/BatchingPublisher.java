package dev.shopstream.functions;

import com.google.cloud.pubsub.v1.PublisherInterface;

/**
 * A publisher that gathers messages into batches (as {@link com.google.cloud.pubsub.v1.Publisher} does) and can be
 * told to send what it holds now. A caller that waits for the acknowledgements of its own messages calls
 * {@link #publishAllOutstanding} after publishing them, so that it never waits for the batching delay.
 */
public interface BatchingPublisher extends PublisherInterface {
  /** Sends every message published so far and not sent yet, without waiting for a batch to fill or its delay. */
  void publishAllOutstanding();
}
