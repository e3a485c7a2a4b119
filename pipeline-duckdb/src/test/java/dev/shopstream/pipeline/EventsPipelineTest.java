package dev.shopstream.pipeline;

import static dev.shopstream.pipeline.testing.TestEvents.counter;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.api.client.util.Clock;
import com.google.protobuf.ByteString;
import dev.shopstream.contract.Event;
import dev.shopstream.contract.EventCodec;
import dev.shopstream.pipeline.testing.TestEvents;
import dev.shopstream.contract.EventType;
import dev.shopstream.contract.ProductLine;
import dev.shopstream.pipeline.transforms.DedupeEvents;
import dev.shopstream.pipeline.transforms.EnrichEvents;
import dev.shopstream.pipeline.transforms.ParseEvents;
import dev.shopstream.pipeline.sink.DuckDbSink;
import dev.shopstream.warehouse.duckdb.DuckDbWarehouse;
import java.io.Serializable;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.io.gcp.pubsub.PubsubClient;
import org.apache.beam.sdk.io.gcp.pubsub.PubsubClient.IncomingMessage;
import org.apache.beam.sdk.io.gcp.pubsub.PubsubTestClient;
import org.apache.beam.sdk.io.gcp.pubsub.PubsubTestClient.PubsubTestClientFactory;
import org.apache.beam.sdk.io.gcp.pubsub.PubsubTestReads;
import org.apache.beam.sdk.io.gcp.pubsub.PubsubMessageWithAttributesAndMessageIdCoder;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.TimestampedValue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The whole graph: Pub/Sub (Beam's PubsubIO on its test client) → ParseEvents → DuckDB. */
@ExtendWith(TestPipelineExtension.class)
public class EventsPipelineTest {
  private static final String SUBSCRIPTION = "projects/my-project/subscriptions/events-pipeline";
  /** PubsubTestClient answers only pulls made at its own clock's time: one fixed clock for it and the reader. */
  private static final Clock PUBSUB_CLOCK = (Clock & Serializable) () -> TestEvents.NOW.toEpochMilli();

  private transient TestPipeline pipeline;
  @TempDir transient Path folder;

  private final List<IncomingMessage> incoming = new ArrayList<>();
  private Path file;

  @BeforeEach
  public void pipeline(TestPipeline pipeline) {
    this.pipeline = pipeline;
  }

  @AfterEach
  public void closeWarehouse() {
    if (file != null) {
      DuckDbWarehouse.open(file).close();
    }
  }

  @Test
  public void everyMessageEndsUpOnceInEventsOrInDeadLetters() throws Exception {
    int valid = 6;
    for (int i = 0; i < valid; i++) {
      publish(TestEvents.view("e-" + i, "u-" + i));
    }
    publish(TestEvents.view("e-1", "u-1")); // duplicates: Pub/Sub redelivery or a client retry
    // the same event again, hours later: beyond the read's id window (so a new record id), caught by DedupeEvents
    publish(EventCodec.encode(TestEvents.view("e-2", "u-2")), TestEvents.attributes(TestEvents.view("e-2", "u-2")),
        "retry-of-e-2-hours-later");
    publish("{\"event_id\": \"e-bad-json\", ", Map.of("event_id", "e-bad-json"));
    publish("{\"event_id\":\"e-bad-type\",\"event_type\":\"teleport\",\"user_id\":\"\","
        + "\"event_time\":\"2026-11-22T10:00:00Z\"}", Map.of("event_id", "e-bad-type"));
    int malformed = 2;
    int duplicates = 1; // dropped by the read (same id attribute)
    int lateDuplicates = 1; // dropped by DedupeEvents
    int n = incoming.size();
    file = folder.resolve("warehouse.duckdb");

    PipelineResult result;
    try (PubsubTestClientFactory pubsub = PubsubTestClient.createFactoryForPull(PUBSUB_CLOCK,
        PubsubClient.subscriptionPathFromPath(SUBSCRIPTION), 60, incoming)) {
      EventsPipelineOptions options = pipeline.getOptions().as(EventsPipelineOptions.class);
      options.setInputSubscription(SUBSCRIPTION);
      EventsPipeline.build(pipeline,
          PubsubTestReads.withClock(EventsPipeline.readMessages(options).withClientFactory(pubsub), PUBSUB_CLOCK),
          DuckDbSink.at(file));
      result = pipeline.run();
      result.waitUntilFinish();
    } // closing the factory checks that every message was pulled and acknowledged

    assertThat(query("SELECT event_id FROM events ORDER BY event_id"))
        .hasSize(n - malformed - duplicates - lateDuplicates)
        .containsExactly("e-0", "e-1", "e-2", "e-3", "e-4", "e-5");
    assertThat(query("SELECT event_id || ' ' || step || ' ' || error FROM dead_letter ORDER BY event_id"))
        .hasSize(malformed)
        .satisfiesExactly(
            json -> assertThat(json).startsWith("e-bad-json parse $: is not valid JSON: "),
            type -> assertThat(type).startsWith("e-bad-type validate event_type: must be one of")
                .contains("; user_id: "));
    long in = counter(result, ParseEvents.class, "in");
    assertThat(in).as("in = valid + dead-lettered")
        .isEqualTo(counter(result, ParseEvents.class, "valid") + counter(result, ParseEvents.class, "dead_lettered"));
    assertThat(in).as("the read drops messages whose event_id attribute it has seen").isEqualTo(n - duplicates);
    assertThat(counter(result, ParseEvents.class, "dead_lettered")).isEqualTo(malformed);
    assertThat(counter(result, DedupeEvents.class, "duplicates")).isEqualTo(lateDuplicates);
    assertThat(counter(result, DedupeEvents.class, "out")).isEqualTo(n - malformed - duplicates - lateDuplicates);

    // sessions: one per user, its one view (the retry of e-2 is not counted twice)
    assertThat(query("SELECT user_id || ' ' || events || ' ' || array_to_string(products, ',') || ' ' || converted "
        + "FROM sessions ORDER BY user_id, session_start"))
        .containsExactly("u-0 1 sku-1,sku-2 false", "u-1 1 sku-1,sku-2 false", "u-2 1 sku-1,sku-2 false",
            "u-3 1 sku-1,sku-2 false", "u-4 1 sku-1,sku-2 false", "u-5 1 sku-1,sku-2 false");
    // product trends: each view is in 12 sliding windows (1 h every 5 min); the final pane counts all six views
    assertThat(query("SELECT product_id || ' ' || event_type || ' ' || count(*) || ' ' || min(events) || ' ' "
        + "|| max(units) FROM product_trends GROUP BY product_id, event_type ORDER BY 1"))
        .containsExactly("sku-1 view 12 6 12", "sku-2 view 12 6 6");
  }

  @Test
  public void theCatalogIsWrittenValidatedAndJoinedToTheDerivedTables() throws Exception {
    file = folder.resolve("warehouse.duckdb");
    Instant t = Instant.parse("2026-11-22T10:00:00Z");
    Event purchase = new Event("e-1", EventType.PURCHASE, "u-1", null, t,
        List.of(new ProductLine("mug-01", 2, null)), "EUR", null, Map.of()); // no price: the catalog's
    Event view = new Event("e-2", EventType.VIEW, "u-2", null, t, List.of(new ProductLine("ghost-9", 1, null)),
        null, null, Map.of());
    String mug = "{\"product_id\":\"mug-01\",\"category\":\"home/kitchen/mugs\",\"price\":12.5,"
        + "\"updated_at\":\"2026-11-22T09:00:00Z\"}";
    String bad = "{\"product_id\":\"pot-03\",\"price\":-1,\"updated_at\":\"2026-11-22T09:00:00Z\"}";
    org.joda.time.Instant ts = new org.joda.time.Instant(t.toEpochMilli());

    EventsPipeline.build(pipeline,
        Create.timestamped(
                TimestampedValue.of(TestEvents.message(purchase, "m-1"), ts),
                TimestampedValue.of(TestEvents.message(view, "m-2"), ts))
            .withCoder(PubsubMessageWithAttributesAndMessageIdCoder.of()),
        Create.timestamped(
                TimestampedValue.of(TestEvents.message(mug, Map.of(), "c-1"), ts),
                TimestampedValue.of(TestEvents.message(bad, Map.of(), "c-2"), ts))
            .withCoder(PubsubMessageWithAttributesAndMessageIdCoder.of()),
        DuckDbSink.at(file));
    PipelineResult result = pipeline.run();
    result.waitUntilFinish();

    assertThat(query("SELECT product_id || ' ' || category || ' ' || price FROM products"))
        .containsExactly("mug-01 home/kitchen/mugs 12.5");
    assertThat(query("SELECT event_id || ' ' || step FROM dead_letter")).containsExactly("pot-03 catalog");
    assertThat(query("SELECT event_id FROM events ORDER BY 1")).containsExactly("e-1", "e-2");
    // the catalog is a side input that refreshes while events flow: an event joined before the mug reached it
    // finds no price (revenue 0, mug counted unknown); EnrichEventsTest covers the join itself deterministically
    assertThat(query("SELECT user_id || ' ' || converted || ' ' || revenue FROM sessions ORDER BY 1"))
        .hasSize(2)
        .satisfiesExactly(
            u1 -> assertThat(u1).isIn("u-1 true 25.0", "u-1 true 0.0"),
            u2 -> assertThat(u2).isEqualTo("u-2 false 0.0"));
    assertThat(counter(result, EnrichEvents.class, "unknown_product")).isBetween(1L, 2L);
    assertThat(counter(result, EnrichEvents.class, "out")).isEqualTo(2);
  }

  private void publish(Event event) {
    publish(EventCodec.encode(event), TestEvents.attributes(event));
  }

  /**
   * Queues a message as Pub/Sub would deliver it: timestamp from the event_time attribute (else "now"), record id
   * from the event_id attribute (else the message id), as Beam's real clients do with those attributes configured.
   */
  private void publish(String payload, Map<String, String> attributes) {
    publish(payload, attributes, null);
  }

  private void publish(String payload, Map<String, String> attributes, String recordId) {
    String messageId = "m-" + incoming.size();
    String eventTime = attributes.get(EventsPipeline.EVENT_TIME_ATTRIBUTE);
    incoming.add(IncomingMessage.of(
        com.google.pubsub.v1.PubsubMessage.newBuilder()
            .setData(ByteString.copyFromUtf8(payload))
            .putAllAttributes(attributes)
            .setMessageId(messageId)
            .build(),
        eventTime == null ? TestEvents.NOW.toEpochMilli() : Instant.parse(eventTime).toEpochMilli(),
        0,
        "ack-" + messageId,
        recordId != null ? recordId : attributes.getOrDefault(EventsPipeline.EVENT_ID_ATTRIBUTE, messageId)));
  }

  private List<String> query(String sql) throws Exception {
    List<String> values = new ArrayList<>();
    try (Connection c = DuckDbWarehouse.open(file).connect(); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery(sql)) {
      while (rs.next()) {
        values.add(rs.getString(1));
      }
    }
    return values;
  }
}
