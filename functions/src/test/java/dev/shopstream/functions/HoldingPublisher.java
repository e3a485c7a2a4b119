package dev.shopstream.functions;

import com.google.api.core.ApiFuture;
import com.google.api.core.SettableApiFuture;
import com.google.pubsub.v1.PubsubMessage;
import java.util.ArrayList;
import java.util.List;

/**
 * A batching publisher whose batching delay never ends: a message is acknowledged only once
 * {@link #publishAllOutstanding} sends it (as with a real publisher whose batch never fills). A caller that waits
 * for acknowledgements without flushing first waits until its own timeout. Records the calls in order.
 */
public final class HoldingPublisher implements BatchingPublisher {
  /** {@code publish} and {@code flush} calls in order, e.g. {@code [publish, publish, flush]}. */
  public final List<String> calls = new ArrayList<>();
  public final List<PubsubMessage> sent = new ArrayList<>();
  private final List<PubsubMessage> held = new ArrayList<>();
  private final List<SettableApiFuture<String>> futures = new ArrayList<>();

  @Override
  public synchronized ApiFuture<String> publish(PubsubMessage message) {
    calls.add("publish");
    SettableApiFuture<String> future = SettableApiFuture.create();
    held.add(message);
    futures.add(future);
    return future;
  }

  @Override
  public synchronized void publishAllOutstanding() {
    calls.add("flush");
    for (int i = 0; i < futures.size(); i++) {
      sent.add(held.get(i));
      futures.get(i).set("m-" + sent.size());
    }
    held.clear();
    futures.clear();
  }
}
