package dev.shopstream.pipeline.testing;

import dev.shopstream.contract.Event;
import dev.shopstream.contract.EventCodec;
import dev.shopstream.contract.EventType;
import dev.shopstream.contract.Json;
import dev.shopstream.contract.ProductLine;
import dev.shopstream.pipeline.EventsPipeline;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.beam.sdk.io.gcp.pubsub.PubsubMessage;

/**
 * Deterministic shop traffic for the pipeline's tests and bench: message {@code i} of {@code n} is a function of
 * {@code i} and the seed only, so any reader can regenerate any range and the expected outcome is known exactly.
 *
 * <p>Each index is one of three kinds: a {@link Kind#NEW} event (id {@code e-<i>}), a {@link Kind#DUPLICATE} (the
 * same event as an earlier new index, {@code duplicateLag} or more positions back, so usually read in another
 * bundle; a new message id, as a client retry beyond Pub/Sub's id window would have), or a {@link Kind#MALFORMED}
 * payload (not JSON). Events: views, cart additions and purchases of {@code products} products with a skewed
 * popularity, by {@code users} users, event times one millisecond apart ending at {@code end}. Products
 * {@code p-0 .. p-<catalogSize - 1>} are in {@link #catalog}; the rest are unknown to it.
 */
public record GeneratedTraffic(long n, int users, int products, int catalogSize, int duplicateEvery,
    int malformedEvery, int duplicateLag, Instant end, long seed) implements Serializable {

  /** What message {@code i} is. */
  public enum Kind { NEW, DUPLICATE, MALFORMED }

  public GeneratedTraffic {
    if (n < 0 || users < 1 || products < 1 || catalogSize < 0 || catalogSize > products || duplicateEvery < 0
        || malformedEvery < 0 || duplicateLag < 1) {
      throw new IllegalArgumentException("bad traffic parameters");
    }
  }

  /** {@code n} messages: one in 20 a duplicate, one in 50 malformed; 1,000 users, 300 products, 270 in the catalog. */
  public static GeneratedTraffic of(long n, Instant end) {
    return new GeneratedTraffic(n, 1_000, 300, 270, 20, 50, 25, end, 42);
  }

  public Kind kind(long i) {
    if (malformedEvery > 0 && i % malformedEvery == malformedEvery - 1) {
      return Kind.MALFORMED;
    }
    if (duplicateEvery > 0 && i % duplicateEvery == duplicateEvery - 1 && original(i) >= 0) {
      return Kind.DUPLICATE;
    }
    return Kind.NEW;
  }

  /** The new index a duplicate repeats: the latest new index at least {@code duplicateLag} back; -1 when none. */
  private long original(long i) {
    for (long j = i - duplicateLag; j >= 0; j--) {
      if ((malformedEvery == 0 || j % malformedEvery != malformedEvery - 1)
          && (duplicateEvery == 0 || j % duplicateEvery != duplicateEvery - 1)) {
        return j;
      }
    }
    return -1;
  }

  /** How many of the {@code n} messages are of {@code kind}. */
  public long count(Kind kind) {
    long c = 0;
    for (long i = 0; i < n; i++) {
      if (kind(i) == kind) {
        c++;
      }
    }
    return c;
  }

  /** The event of new index {@code i}. */
  public Event event(long i) {
    SplittableRandom random = new SplittableRandom(seed * 1_000_003L + i);
    double r = random.nextDouble();
    EventType type = r < 0.75 ? EventType.VIEW : r < 0.93 ? EventType.ADD_TO_CART : EventType.PURCHASE;
    int lines = type == EventType.PURCHASE ? 1 + random.nextInt(3) : 1;
    List<ProductLine> basket = new ArrayList<>();
    for (int l = 0; l < lines; l++) {
      // skewed popularity: the square of a uniform number favours low product numbers
      double u = random.nextDouble();
      String product = "p-" + (int) (u * u * products);
      basket.add(new ProductLine(product, 1 + random.nextInt(2), type == EventType.VIEW ? null : 9.5));
    }
    String user = "u-" + random.nextInt(users);
    return new Event("e-" + i, type, user, "s-" + user, end.minusMillis(n - i), basket,
        type == EventType.VIEW ? null : "EUR", null, Map.of());
  }

  /** Message {@code i}, as the ingest function publishes it (attributes event_id and event_time). */
  public PubsubMessage message(long i) {
    return switch (kind(i)) {
      case MALFORMED -> new PubsubMessage(("{\"event_id\": \"bad-" + i + "\", ").getBytes(StandardCharsets.UTF_8),
          Map.of(EventsPipeline.EVENT_ID_ATTRIBUTE, "bad-" + i), "m-" + i);
      case DUPLICATE -> message(event(original(i)), "m-" + i);
      case NEW -> message(event(i), "m-" + i);
    };
  }

  /** The element timestamp of message {@code i}: its event time (the read's timestamp attribute). */
  public org.joda.time.Instant timestamp(long i) {
    long at = kind(i) == Kind.DUPLICATE ? original(i) : i;
    return new org.joda.time.Instant(end.minusMillis(n - at).toEpochMilli());
  }

  private static PubsubMessage message(Event e, String messageId) {
    return new PubsubMessage(EventCodec.encode(e).getBytes(StandardCharsets.UTF_8), TestEvents.attributes(e),
        messageId);
  }

  /** The catalog: products {@code p-0 .. p-<catalogSize - 1>} as product-v1 JSON messages. */
  public List<PubsubMessage> catalog() {
    List<PubsubMessage> messages = new ArrayList<>();
    for (int p = 0; p < catalogSize; p++) {
      var json = Json.MAPPER.createObjectNode()
          .put("product_id", "p-" + p)
          .put("category", "cat-" + (p % 7))
          .put("price", 1.0 + p % 50)
          .put("available", p % 10 != 3)
          .put("updated_at", end.minusSeconds(3_600).toString());
      messages.add(new PubsubMessage(json.toString().getBytes(StandardCharsets.UTF_8), Map.of(), "c-" + p));
    }
    return messages;
  }
}
