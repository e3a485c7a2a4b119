package dev.shopstream.functions;

import com.google.api.core.ApiFuture;
import com.google.api.gax.batching.BatchingSettings;
import com.google.api.gax.batching.FlowControlSettings;
import com.google.api.gax.batching.FlowController.LimitExceededBehavior;
import com.google.api.gax.core.NoCredentialsProvider;
import com.google.api.gax.grpc.GrpcTransportChannel;
import com.google.api.gax.rpc.FixedTransportChannelProvider;
import com.google.cloud.pubsub.v1.Publisher;
import com.google.cloud.pubsub.v1.PublisherInterface;
import com.google.pubsub.v1.PubsubMessage;
import com.google.pubsub.v1.TopicName;
import dev.shopstream.contract.MessageEnvelope;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import java.util.regex.Pattern;

/**
 * Builds real Pub/Sub publishers from {@link Settings}: topic {@code projects/{PROJECT_ID}/topics/{EVENTS_TOPIC}}
 * ({@code PROJECT_ID} falling back to {@code GOOGLE_CLOUD_PROJECT}; {@code EVENTS_TOPIC} defaults to
 * {@code events}), against the emulator at {@code PUBSUB_EMULATOR_HOST} (host:port, plaintext, no credentials)
 * when that is set.
 */
public final class PubsubPublishers {
  public static final String DEFAULT_EVENTS_TOPIC = MessageEnvelope.DEFAULT_EVENTS_TOPIC;
  static final Pattern TOPIC_ID = Pattern.compile("[A-Za-z][A-Za-z0-9._~+%-]{2,254}");

  /**
   * A batch goes out at 1000 messages (the most one Pub/Sub publish request may carry), 1 MB or 10 ms, whichever
   * comes first. A caller waiting for its messages' acknowledgements does not wait for the delay: it calls
   * {@link #publishAllOutstanding} after publishing them, so large batches cost no latency (a request of 500
   * events is one publish call, not five).
   */
  static final BatchingSettings BATCHING = BatchingSettings.newBuilder()
      .setElementCountThreshold(1000L)
      .setRequestByteThreshold(1_000_000L)
      .setDelayThresholdDuration(Duration.ofMillis(10))
      .setFlowControlSettings(FlowControlSettings.newBuilder()
          // Beyond this backlog publish fails at once (the caller gets a 503) instead of blocking or growing memory.
          .setMaxOutstandingElementCount(10_000L)
          .setMaxOutstandingRequestBytes(64L * 1024 * 1024)
          .setLimitExceededBehavior(LimitExceededBehavior.ThrowException)
          .build())
      .build();
  static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(10);

  private static final Logger LOG = Logger.getLogger(PubsubPublishers.class.getName());

  private PubsubPublishers() {}

  /** The events topic named by the settings. */
  public static TopicName eventsTopic(Settings settings) {
    return topic(settings, "EVENTS_TOPIC", DEFAULT_EVENTS_TOPIC);
  }

  /** The topic whose id is the setting {@code topicSetting} (default {@code defaultTopic}) in the settings' project. */
  public static TopicName topic(Settings settings, String topicSetting, String defaultTopic) {
    String project = settings.projectId()
        .orElseThrow(() -> new Settings.InvalidSettingException("PROJECT_ID (or GOOGLE_CLOUD_PROJECT) is not set"));
    return TopicName.of(project, settings.string(topicSetting, defaultTopic, TOPIC_ID, "a Pub/Sub topic id"));
  }

  /** A publisher to the events topic that a JVM shutdown hook flushes and closes (for the no-arg constructors). */
  public static PublisherInterface eventsPublisherClosedAtExit(Settings settings) {
    return publisherClosedAtExit(settings, eventsTopic(settings));
  }

  /** A publisher to {@code topic} that a JVM shutdown hook flushes and closes (for the no-arg constructors). */
  public static PublisherInterface publisherClosedAtExit(Settings settings, TopicName topic) {
    ClosablePublisher publisher = create(topic, settings.optional("PUBSUB_EMULATOR_HOST").orElse(null));
    Runtime.getRuntime().addShutdownHook(new Thread(publisher::close, "pubsub-publisher-shutdown"));
    return publisher;
  }

  /** A publisher to {@code topic}, through the emulator at {@code emulatorHost} unless that is null. */
  public static ClosablePublisher create(TopicName topic, String emulatorHost) {
    Publisher.Builder builder = Publisher.newBuilder(topic).setBatchingSettings(BATCHING);
    ManagedChannel channel = null;
    if (emulatorHost != null) {
      channel = ManagedChannelBuilder.forTarget(emulatorHost).usePlaintext().build();
      builder.setChannelProvider(FixedTransportChannelProvider.create(GrpcTransportChannel.create(channel)))
          .setCredentialsProvider(NoCredentialsProvider.create());
    }
    try {
      return new ClosablePublisher(builder.build(), channel);
    } catch (IOException e) {
      if (channel != null) {
        channel.shutdownNow();
      }
      throw new UncheckedIOException("cannot create a Pub/Sub publisher for " + topic, e);
    }
  }

  /**
   * Sends at once what {@code publisher} holds in unsent batches, when it batches ({@link BatchingPublisher} or a
   * plain {@link Publisher}); does nothing for any other publisher. Call after publishing the messages whose
   * acknowledgements are about to be awaited: otherwise the last partial batch waits for the batching delay.
   */
  public static void publishAllOutstanding(PublisherInterface publisher) {
    if (publisher instanceof BatchingPublisher batching) {
      batching.publishAllOutstanding();
    } else if (publisher instanceof Publisher batching) {
      batching.publishAllOutstanding();
    }
  }

  /** A {@link Publisher} together with the emulator channel it owns; {@link #close} flushes and releases both. */
  public static final class ClosablePublisher implements BatchingPublisher, AutoCloseable {
    private final Publisher publisher;
    private final ManagedChannel channel;

    private ClosablePublisher(Publisher publisher, ManagedChannel channel) {
      this.publisher = publisher;
      this.channel = channel;
    }

    @Override
    public ApiFuture<String> publish(PubsubMessage message) {
      return publisher.publish(message);
    }

    @Override
    public void publishAllOutstanding() {
      publisher.publishAllOutstanding();
    }

    /**
     * Flushes what is pending and releases the publisher and its channel, waiting at most {@link #SHUTDOWN_TIMEOUT}.
     * {@code Publisher.shutdown()} itself waits, without bound, for every outstanding message's answer: against a
     * Pub/Sub that no longer answers (an emulator already stopped, a full backlog) it never returns, and a JVM
     * shutdown hook calling it kept the local stack from exiting on Ctrl-C. So it runs on a daemon thread that is
     * abandoned after the timeout; the unanswered publishes were never acknowledged to anyone (no 202 was sent).
     */
    @Override
    public void close() {
      Thread shutdown = new Thread(() -> {
        try {
          publisher.shutdown();
          publisher.awaitTermination(SHUTDOWN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }, "pubsub-publisher-flush");
      shutdown.setDaemon(true);
      shutdown.start();
      try {
        shutdown.join(SHUTDOWN_TIMEOUT.toMillis());
        if (shutdown.isAlive()) {
          LOG.warning("Pub/Sub publisher for " + publisher.getTopicNameString() + " did not flush within "
              + SHUTDOWN_TIMEOUT + "; its unacknowledged messages are abandoned");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        if (channel != null) {
          channel.shutdownNow();
        }
      }
    }
  }
}
