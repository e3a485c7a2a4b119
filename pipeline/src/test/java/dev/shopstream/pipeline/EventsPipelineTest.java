package dev.shopstream.pipeline;

import static dev.shopstream.pipeline.testing.TestEvents.counter;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.api.client.util.Clock;
import com.google.protobuf.ByteString;
import dev.shopstream.contract.Event;
import dev.shopstream.contract.EventCodec;
import dev.shopstream.pipeline.testing.TestEvents;
import dev.shopstream.pipeline.transforms.ParseEvents;
import dev.shopstream.pipeline.warehouse.DuckDbSink;
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
import org.apache.beam.sdk.testing.TestPipeline;
import org.junit.After;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** The whole graph: Pub/Sub (Beam's PubsubIO on its test client) → ParseEvents → DuckDB. */
public class EventsPipelineTest {
  private static final String SUBSCRIPTION = "projects/my-project/subscriptions/events-pipeline";
  /** PubsubTestClient answers only pulls made at its own clock's time: one fixed clock for it and the reader. */
  private static final Clock PUBSUB_CLOCK = (Clock & Serializable) () -> TestEvents.NOW.toEpochMilli();

  @Rule public final transient TestPipeline pipeline = TestPipeline.create();
  @Rule public final transient TemporaryFolder folder = new TemporaryFolder();

  private final List<IncomingMessage> incoming = new ArrayList<>();
  private Path file;

  @After
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
    publish(TestEvents.search("e-2", "u-2"));
    publish("{\"event_id\": \"e-bad-json\", ", Map.of("event_id", "e-bad-json"));
    publish("{\"event_id\":\"e-bad-type\",\"event_type\":\"teleport\",\"user_id\":\"\","
        + "\"event_time\":\"2026-11-22T10:00:00Z\"}", Map.of("event_id", "e-bad-type"));
    int malformed = 2;
    int duplicates = 2;
    int n = incoming.size();
    file = folder.getRoot().toPath().resolve("warehouse.duckdb");

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
        .hasSize(n - malformed - duplicates)
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
  }

  private void publish(Event event) {
    publish(EventCodec.encode(event), TestEvents.attributes(event));
  }

  /**
   * Queues a message as Pub/Sub would deliver it: timestamp from the event_time attribute (else "now"), record id
   * from the event_id attribute (else the message id), as Beam's real clients do with those attributes configured.
   */
  private void publish(String payload, Map<String, String> attributes) {
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
        attributes.getOrDefault(EventsPipeline.EVENT_ID_ATTRIBUTE, messageId)));
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
