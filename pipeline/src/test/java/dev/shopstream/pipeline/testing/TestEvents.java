package dev.shopstream.pipeline.testing;

import dev.shopstream.contract.Event;
import dev.shopstream.contract.EventCodec;
import dev.shopstream.contract.EventType;
import dev.shopstream.contract.ProductLine;
import dev.shopstream.pipeline.EventsPipeline;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.io.gcp.pubsub.PubsubMessage;
import org.apache.beam.sdk.metrics.MetricNameFilter;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricsFilter;

/** Events, messages and metric look-ups shared by the pipeline tests. */
public final class TestEvents {
  /** "Now" for every test: events happen before it, dead letters are stamped with it. */
  public static final Instant NOW = Instant.parse("2026-11-22T12:00:00Z");
  public static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

  private TestEvents() {}

  /** A valid view event with every optional field set. */
  public static Event view(String eventId, String userId) {
    return new Event(eventId, EventType.VIEW, userId, "s-" + userId, Instant.parse("2026-11-22T10:15:30.123Z"),
        List.of(new ProductLine("sku-1", 2, 9.5), new ProductLine("sku-2", 1, null)), "EUR", null,
        Map.of("page", "/p/sku-1", "device", "mobile"));
  }

  /** A valid search event with only the required fields (and the query a search needs). */
  public static Event search(String eventId, String userId) {
    return new Event(eventId, EventType.SEARCH, userId, null, Instant.parse("2026-11-21T08:00:00Z"), List.of(),
        null, "red shoes", Map.of());
  }

  /** The message the ingest function publishes for an event: contract JSON, id and time as attributes. */
  public static PubsubMessage message(Event event, String messageId) {
    return message(EventCodec.encode(event), attributes(event), messageId);
  }

  public static PubsubMessage message(String payload, Map<String, String> attributes, String messageId) {
    return message(payload.getBytes(StandardCharsets.UTF_8), attributes, messageId);
  }

  public static PubsubMessage message(byte[] payload, Map<String, String> attributes, String messageId) {
    return new PubsubMessage(payload, attributes, messageId);
  }

  public static Map<String, String> attributes(Event event) {
    return Map.of(EventsPipeline.EVENT_ID_ATTRIBUTE, event.eventId(),
        EventsPipeline.EVENT_TIME_ATTRIBUTE, event.eventTime().toString());
  }

  /** The attempted value of a counter, summed over steps; 0 when it was never incremented. */
  /**
   * A counter's attempted value, once the result's metrics have settled. The DirectRunner commits a finished bundle's
   * metrics on a background executor, so a read right after {@code waitUntilFinish} can miss bundles (it never
   * over-counts); on a loaded machine that lag exceeded a second. So the first read of a result waits until the sum
   * of all its counters has not changed for {@value #SETTLED_READS} reads 100 ms apart (at most 20 s), then every
   * counter of that result is read as it is.
   */
  public static long counter(PipelineResult result, String namespace, String name) {
    settle(result);
    long total = 0;
    for (MetricResult<Long> c : result.metrics().queryMetrics(MetricsFilter.builder()
        .addNameFilter(MetricNameFilter.named(namespace, name)).build()).getCounters()) {
      total += value(c);
    }
    return total;
  }

  /**
   * A counter's committed value (the DirectRunner commits a completed bundle's counters with the bundle, in the same
   * step), or its attempted value where the runner has no committed ones; the attempted values of the DirectRunner
   * were seen to miss a bundle's update now and then.
   */
  private static long value(MetricResult<Long> c) {
    try {
      Long committed = c.getCommitted();
      return committed == null ? c.getAttempted() : committed;
    } catch (UnsupportedOperationException e) {
      return c.getAttempted();
    }
  }

  private static final int SETTLED_READS = 15;
  private static final java.util.Map<PipelineResult, Boolean> SETTLED =
      java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());

  private static void settle(PipelineResult result) {
    if (SETTLED.containsKey(result)) {
      return;
    }
    long last = -1;
    int unchanged = 0;
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(20);
    while (unchanged < SETTLED_READS && System.nanoTime() < deadline) {
      long sum = 0;
      for (MetricResult<Long> c : result.metrics().queryMetrics(MetricsFilter.builder().build()).getCounters()) {
        sum += value(c);
      }
      unchanged = sum == last ? unchanged + 1 : 0;
      last = sum;
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    SETTLED.put(result, true);
  }

  public static long counter(PipelineResult result, Class<?> namespace, String name) {
    return counter(result, namespace.getName(), name);
  }
}
