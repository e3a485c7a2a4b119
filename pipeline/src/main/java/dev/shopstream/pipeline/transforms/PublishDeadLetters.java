package dev.shopstream.pipeline.transforms;

import dev.shopstream.contract.DeadLetter;
import dev.shopstream.contract.MessageEnvelope;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.apache.beam.sdk.io.gcp.pubsub.PubsubClient.PubsubClientFactory;
import org.apache.beam.sdk.io.gcp.pubsub.PubsubIO;
import org.apache.beam.sdk.io.gcp.pubsub.PubsubMessage;
import org.apache.beam.sdk.io.gcp.pubsub.PubsubMessageWithAttributesCoder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PDone;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Publishes dead letters to a Pub/Sub topic, so they can be inspected and replayed: the message data is the original
 * payload (UTF-8), the attributes are the original ones plus {@value #ERROR}, {@value #STEP} and
 * {@value #FAILED_AT} (RFC 3339). Pub/Sub caps an attribute value at 1024 bytes, so a longer error is cut there
 * (the {@code dead_letter} table keeps it whole).
 *
 * <p>Counter (namespace: this class): {@code published}.
 */
public final class PublishDeadLetters extends PTransform<PCollection<DeadLetter>, PDone> {
  public static final String ERROR = MessageEnvelope.DEAD_LETTER_ERROR;
  public static final String STEP = MessageEnvelope.DEAD_LETTER_STEP;
  public static final String FAILED_AT = MessageEnvelope.DEAD_LETTER_FAILED_AT;
  static final int MAX_ATTRIBUTE_BYTES = 1024;

  private final String topic;
  private final @Nullable PubsubClientFactory clientFactory;

  private PublishDeadLetters(String topic, @Nullable PubsubClientFactory clientFactory) {
    this.topic = Objects.requireNonNull(topic, "topic");
    this.clientFactory = clientFactory;
  }

  /** Publishes to {@code topic}, as {@code projects/<project>/topics/<name>}. */
  public static PublishDeadLetters to(String topic) {
    return new PublishDeadLetters(topic, null);
  }

  /** The same, through {@code factory} (Beam's {@code PubsubTestClient} in tests). */
  public PublishDeadLetters withClientFactory(PubsubClientFactory factory) {
    return new PublishDeadLetters(topic, factory);
  }

  @Override
  public PDone expand(PCollection<DeadLetter> deadLetters) {
    PubsubIO.Write<PubsubMessage> write = PubsubIO.writeMessages().to(topic);
    if (clientFactory != null) {
      write = write.withClientFactory(clientFactory);
    }
    return deadLetters
        .apply("ToMessage", ParDo.of(new ToMessageFn()))
        .setCoder(PubsubMessageWithAttributesCoder.of())
        .apply("Publish", write);
  }

  /** A dead letter as the message published for it. */
  public static PubsubMessage message(DeadLetter d) {
    Map<String, String> attributes = new LinkedHashMap<>(d.attributes());
    attributes.put(ERROR, truncate(d.error()));
    attributes.put(STEP, d.step());
    attributes.put(FAILED_AT, d.failedAt().toString());
    return new PubsubMessage(d.payload().getBytes(StandardCharsets.UTF_8), attributes);
  }

  /** At most {@value #MAX_ATTRIBUTE_BYTES} bytes of UTF-8, cut at a character boundary. */
  static String truncate(String s) {
    if (s.getBytes(StandardCharsets.UTF_8).length <= MAX_ATTRIBUTE_BYTES) {
      return s;
    }
    int bytes = 0;
    int end = 0;
    while (end < s.length()) {
      int cp = s.codePointAt(end);
      int size = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8).length;
      if (bytes + size > MAX_ATTRIBUTE_BYTES - 3) {
        break;
      }
      bytes += size;
      end += Character.charCount(cp);
    }
    return s.substring(0, end) + "...";
  }

  static final class ToMessageFn extends DoFn<DeadLetter, PubsubMessage> {
    private final Counter published = Metrics.counter(PublishDeadLetters.class, "published");

    @ProcessElement
    public void process(@Element DeadLetter d, OutputReceiver<PubsubMessage> out) {
      out.output(message(d));
      published.inc();
    }
  }
}
