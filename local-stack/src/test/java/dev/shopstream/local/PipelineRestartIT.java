package dev.shopstream.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.api.gax.core.NoCredentialsProvider;
import com.google.api.gax.grpc.GrpcTransportChannel;
import com.google.api.gax.rpc.FixedTransportChannelProvider;
import com.google.api.gax.rpc.TransportChannelProvider;
import com.google.cloud.pubsub.v1.SubscriptionAdminClient;
import com.google.cloud.pubsub.v1.SubscriptionAdminSettings;
import com.google.cloud.pubsub.v1.TopicAdminClient;
import com.google.cloud.pubsub.v1.TopicAdminSettings;
import com.google.pubsub.v1.PushConfig;
import com.google.pubsub.v1.TopicName;
import dev.shopstream.contract.EventCodec;
import dev.shopstream.emulator.pubsub.PubsubEmulator;
import dev.shopstream.functions.EventMessages;
import dev.shopstream.functions.PubsubPublishers;
import dev.shopstream.pipeline.EventsPipeline;
import dev.shopstream.pipeline.EventsPipelineOptions;
import dev.shopstream.warehouse.duckdb.DuckDbWarehouse;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.joda.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pipeline (DirectRunner, reading the embedded Pub/Sub emulator, writing DuckDB) is stopped mid-stream and
 * started again: what it had read but not acknowledged comes back once the subscription's ack deadline (10 s
 * here, the shortest Pub/Sub allows) passes, what was published while it was down waits in the subscription, and
 * in the end the warehouse holds every event exactly once ({@code count(*) = count(distinct event_id) = sent}):
 * the new pipeline's dedupe state is empty, so the exactly-once comes from the sink's insert-once key.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class PipelineRestartIT {
  private static final String PROJECT = "local-project";
  private static final TopicName TOPIC = TopicName.of(PROJECT, "events");
  private static final String SUBSCRIPTION = "projects/" + PROJECT + "/subscriptions/events-pipeline";
  private static final int ACK_DEADLINE_SECONDS = 10;
  private static final int BEFORE_STOP = 120;
  private static final int WHILE_STOPPED = 30;

  @TempDir
  Path dir;

  private int sent;

  private void publish(PubsubPublishers.ClosablePublisher publisher, int n) throws Exception {
    EventCodec codec = new EventCodec(Clock.systemUTC());
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    List<com.google.api.core.ApiFuture<String>> acks = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int k = sent++;
      EventCodec.Decoded d = codec.decode("{\"event_id\":\"restart-" + k + "\",\"event_type\":\"view\","
          + "\"user_id\":\"user-" + (k % 13) + "\",\"event_time\":\"" + now.minusSeconds(k) + "\","
          + "\"products\":[{\"product_id\":\"p-" + (k % 7) + "\"}]}");
      acks.add(publisher.publish(EventMessages.of(d.event())));
    }
    for (var ack : acks) {
      ack.get(30, TimeUnit.SECONDS);
    }
  }

  private static void createTopicAndSubscription(String target) throws Exception {
    ManagedChannel channel = ManagedChannelBuilder.forTarget(target).usePlaintext().build();
    try {
      TransportChannelProvider channels = FixedTransportChannelProvider.create(GrpcTransportChannel.create(channel));
      try (TopicAdminClient topics = TopicAdminClient.create(TopicAdminSettings.newBuilder()
               .setTransportChannelProvider(channels).setCredentialsProvider(NoCredentialsProvider.create()).build());
           SubscriptionAdminClient subscriptions = SubscriptionAdminClient.create(SubscriptionAdminSettings
               .newBuilder().setTransportChannelProvider(channels)
               .setCredentialsProvider(NoCredentialsProvider.create()).build())) {
        topics.createTopic(TOPIC);
        subscriptions.createSubscription(SUBSCRIPTION, TOPIC.toString(), PushConfig.getDefaultInstance(),
            ACK_DEADLINE_SECONDS);
      }
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private PipelineResult startPipeline(PubsubEmulator pubsub, Path warehouse) {
    return EventsPipeline.run(PipelineOptionsFactory.fromArgs(
            "--runner=DirectRunner", "--streaming=true", "--blockOnRun=false",
            "--enforceImmutability=false", "--enforceEncodability=false",
            "--project=" + PROJECT, "--pubsubRootUrl=" + pubsub.restUrl(), "--inputSubscription=" + SUBSCRIPTION,
            "--warehouse=DUCKDB", "--duckdbPath=" + warehouse.toAbsolutePath())
        .withValidation().as(EventsPipelineOptions.class));
  }

  private static long[] counts(DuckDbWarehouse warehouse) throws Exception {
    try (Connection c = warehouse.connect(); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT count(*), count(DISTINCT event_id) FROM events")) {
      rs.next();
      return new long[] {rs.getLong(1), rs.getLong(2)};
    }
  }

  private static long awaitRows(DuckDbWarehouse warehouse, long atLeast, long seconds) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    long n;
    while ((n = counts(warehouse)[1]) < atLeast && System.nanoTime() < deadline) {
      Thread.sleep(200);
    }
    return n;
  }

  @Test
  void stoppedMidStreamAndRestartedTheWarehouseHoldsEachEventExactlyOnce() throws Exception {
    Path file = dir.resolve("warehouse.duckdb");
    try (PubsubEmulator pubsub = PubsubEmulator.start("127.0.0.1", 0, 0);
         DuckDbWarehouse warehouse = DuckDbWarehouse.open(file)) {
      createTopicAndSubscription(pubsub.grpcTarget());
      try (PubsubPublishers.ClosablePublisher publisher = PubsubPublishers.create(TOPIC, pubsub.grpcTarget())) {
        publish(publisher, BEFORE_STOP);
        PipelineResult first = startPipeline(pubsub, file);
        assertThat(awaitRows(warehouse, 10, 120)).as("the first pipeline wrote some rows").isGreaterThanOrEqualTo(10);
        first.cancel(); // stopped mid-stream
        first.waitUntilFinish(Duration.standardSeconds(30));
        long atStop = counts(warehouse)[1];

        publish(publisher, WHILE_STOPPED); // traffic goes on while the pipeline is down
        assertThat(pubsub.backlog(SUBSCRIPTION)).as("unacknowledged messages waiting for the restart")
            .isGreaterThanOrEqualTo(WHILE_STOPPED);

        PipelineResult second = startPipeline(pubsub, file);
        try {
          long total = BEFORE_STOP + WHILE_STOPPED;
          assertThat(awaitRows(warehouse, total, 150)).as("rows after the restart (%d at the stop)", atStop)
              .isEqualTo(total);
          Thread.sleep(TimeUnit.SECONDS.toMillis(ACK_DEADLINE_SECONDS + 2)); // late redeliveries add nothing
          assertThat(counts(warehouse)).containsExactly(total, total);
          assertThat(warehouse.count("dead_letter")).isZero();
        } finally {
          second.cancel();
          second.waitUntilFinish(Duration.standardSeconds(30));
        }
      }
    }
  }
}
