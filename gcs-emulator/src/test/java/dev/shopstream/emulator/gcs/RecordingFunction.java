package dev.shopstream.emulator.gcs;

import com.google.cloud.functions.CloudEventsFunction;
import io.cloudevents.CloudEvent;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/** A CloudEvents function for the Functions Framework invoker that keeps what it receives. */
public class RecordingFunction implements CloudEventsFunction {
  static final BlockingQueue<CloudEvent> RECEIVED = new LinkedBlockingQueue<>();

  @Override
  public void accept(CloudEvent event) {
    RECEIVED.add(event);
  }
}
