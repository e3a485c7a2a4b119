package dev.shopstream.functions.upload;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.AdditionalAnswers.delegatesTo;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.mock;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.api.core.ApiFuture;
import com.google.api.core.ApiFutures;
import com.google.cloud.ReadChannel;
import com.google.cloud.pubsub.v1.PublisherInterface;
import com.google.cloud.storage.BlobId;
import com.google.cloud.storage.BlobInfo;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.contrib.nio.testing.LocalStorageHelper;
import com.google.pubsub.v1.PubsubMessage;
import dev.shopstream.contract.EventCodec;
import dev.shopstream.contract.Json;
import dev.shopstream.contract.Rows;
import dev.shopstream.contract.TableSchemas;
import dev.shopstream.warehouse.duckdb.DuckDbWarehouse;
import io.cloudevents.CloudEvent;
import io.cloudevents.core.builder.CloudEventBuilder;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The upload function crashes half-way through a file (Pub/Sub stops acknowledging, or reading the object breaks)
 * and Eventarc redelivers the event: the union of what both attempts published covers every valid row, a row
 * published twice is the identical message (same deterministic id), and the downstream table, keyed by
 * {@code event_id} as in the pipeline's sink, holds each row exactly once.
 */
class UploadCrashRedeliveryTest {
  private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-20T12:00:00Z"), ZoneOffset.UTC);
  private static final int ROWS = 200;
  private static final long GENERATION = 7;

  @TempDir
  Path dir;

  private final Storage storage = LocalStorageHelper.getOptions().getService();

  /** Records every message by attempt; from the {@code failAfter}-th message on, publishing fails. */
  private static final class CrashingPublisher implements PublisherInterface {
    final List<PubsubMessage> published = new ArrayList<>();
    final AtomicLong failAfter = new AtomicLong(Long.MAX_VALUE);
    private final AtomicInteger calls = new AtomicInteger();

    @Override
    public synchronized ApiFuture<String> publish(PubsubMessage message) {
      if (calls.incrementAndGet() > failAfter.get()) {
        return ApiFutures.immediateFailedFuture(new IllegalStateException("the instance crashed"));
      }
      published.add(message);
      return ApiFutures.immediateFuture("m-" + calls.get());
    }
  }

  /** {@code ROWS} rows, every 10th invalid; returns the file's bytes. */
  private byte[] file() {
    StringBuilder s = new StringBuilder();
    for (int i = 1; i <= ROWS; i++) {
      if (i % 10 == 0) {
        s.append("{\"event_type\":\"teleport\",\"user_id\":\"u-").append(i).append("\"}\n");
      } else {
        s.append("{\"event_type\":\"view\",\"user_id\":\"u-").append(i)
            .append("\",\"event_time\":\"2026-11-20T10:00:00Z\",\"products\":[{\"product_id\":\"p-")
            .append(i % 17).append("\"}]}\n");
      }
    }
    return s.toString().getBytes(UTF_8);
  }

  private static CloudEvent finalized(String name, long size) {
    String data = Json.MAPPER.createObjectNode().put("bucket", "uploads").put("name", name)
        .put("generation", Long.toString(GENERATION)).put("size", Long.toString(size))
        .put("timeCreated", "2026-11-20T09:30:00Z").toString();
    return CloudEventBuilder.v1().withId("evt-crash").withType(UploadFunction.FINALIZED)
        .withSource(URI.create("//storage.googleapis.com/projects/_/buckets/uploads"))
        .withData("application/json", data.getBytes(UTF_8)).build();
  }

  private UploadFunction function(Storage storage, PublisherInterface events) {
    UploadConfig config = new UploadConfig(UploadConfig.DEFAULT_BACKFILL_THRESHOLD_BYTES,
        UploadConfig.DEFAULT_MAX_LINE_BYTES, 1024, UploadConfig.DEFAULT_PROGRESS_EVERY, 50, java.time.Duration.ofSeconds(5));
    return new UploadFunction(storage, events, mock(PublisherInterface.class), BackfillLauncher.notConfigured(),
        config, CLOCK);
  }

  /** The pipeline's idempotent sink: each message as an events row, the first row per event_id kept. */
  private long writeDownstream(List<PubsubMessage> messages) throws Exception {
    try (DuckDbWarehouse warehouse = DuckDbWarehouse.open(dir.resolve("warehouse.duckdb"))) {
      List<Map<String, Object>> rows = new ArrayList<>();
      EventCodec codec = new EventCodec(CLOCK);
      for (PubsubMessage m : messages) {
        EventCodec.Decoded d = codec.decode(m.getData().toStringUtf8());
        assertThat(d.errors()).isEmpty();
        rows.add(Rows.event(d.event(), CLOCK.instant()));
      }
      for (int i = 0; i < rows.size(); i += 100) { // in batches, as bundles arrive
        warehouse.insert(TableSchemas.events(), rows.subList(i, Math.min(rows.size(), i + 100)));
      }
      return warehouse.count("events");
    }
  }

  private static Set<String> ids(List<PubsubMessage> messages) {
    Set<String> ids = new LinkedHashSet<>();
    messages.forEach(m -> ids.add(m.getAttributesOrThrow("event_id")));
    return ids;
  }

  private void assertExactlyOnceAfterRedelivery(List<PubsubMessage> first, List<PubsubMessage> second)
      throws Exception {
    int valid = ROWS - ROWS / 10;
    assertThat(ids(second)).hasSize(valid); // the redelivery republishes the whole file
    Set<String> union = new LinkedHashSet<>(ids(first));
    union.addAll(ids(second));
    assertThat(union).hasSize(valid); // nothing missing, and no row got a second id
    Map<String, PubsubMessage> byId = new HashMap<>();
    second.forEach(m -> byId.put(m.getAttributesOrThrow("event_id"), m));
    for (PubsubMessage m : first) { // a row published twice is the identical message
      assertThat(byId.get(m.getAttributesOrThrow("event_id"))).isEqualTo(m);
    }
    List<PubsubMessage> all = new ArrayList<>(first);
    all.addAll(second);
    assertThat(all.size()).isGreaterThan(valid); // duplicates did reach "Pub/Sub"...
    assertThat(writeDownstream(all)).isEqualTo(valid); // ...and the sink holds each row once
    JsonNode summary = Json.MAPPER.readTree(storage.readAllBytes(
        BlobId.of("uploads", "errors/events/crash.jsonl.summary.json")));
    assertThat(summary.get("status").asText()).isEqualTo("succeeded_with_rejections");
    assertThat(summary.get("published").asLong()).isEqualTo(valid);
    assertThat(summary.get("rejected").asLong()).isEqualTo(ROWS / 10);
  }

  @Test
  void pubsubFailingHalfWayThroughAFileThenARedeliveryPublishesEveryRowOnceDownstream() throws Exception {
    byte[] content = file();
    storage.create(BlobInfo.newBuilder("uploads", "events/crash.jsonl").build(), content);
    CloudEvent event = finalized("events/crash.jsonl", content.length);
    CrashingPublisher events = new CrashingPublisher();
    events.failAfter.set(ROWS / 2);

    assertThatThrownBy(() -> function(storage, events).accept(event))
        .isInstanceOf(PublishFailedException.class).hasMessageContaining("redelivered");
    JsonNode failed = Json.MAPPER.readTree(storage.readAllBytes(
        BlobId.of("uploads", "errors/events/crash.jsonl.summary.json")));
    assertThat(failed.get("status").asText()).isEqualTo("publish_failed");
    List<PubsubMessage> first = List.copyOf(events.published);
    assertThat(first).hasSize(ROWS / 2);

    events.published.clear();
    events.failAfter.set(Long.MAX_VALUE);
    function(storage, events).accept(event); // the redelivery

    assertExactlyOnceAfterRedelivery(first, events.published);
  }

  @Test
  void readingTheObjectBreakingHalfWayThenARedeliveryPublishesEveryRowOnceDownstream() throws Exception {
    byte[] content = file();
    storage.create(BlobInfo.newBuilder("uploads", "events/crash.jsonl").build(), content);
    CloudEvent event = finalized("events/crash.jsonl", content.length);
    Storage breaking = mock(Storage.class, delegatesTo(storage));
    doAnswer(call -> new BreakingChannel(storage.reader((BlobId) call.getArgument(0)), content.length / 2))
        .when(breaking).reader(any(BlobId.class), any(Storage.BlobSourceOption[].class));
    CrashingPublisher events = new CrashingPublisher();

    assertThatThrownBy(() -> function(breaking, events).accept(event))
        .hasMessageContaining("will be redelivered");
    List<PubsubMessage> first = List.copyOf(events.published);
    assertThat(first.size()).isBetween(1, ROWS - 1);

    events.published.clear();
    function(storage, events).accept(event); // the redelivery, on a healthy connection

    assertExactlyOnceAfterRedelivery(first, events.published);
  }

  @Test
  void aReadRefusedForGoodEndsTheObjectWithAFailedSummaryInsteadOfRedeliveringForever() throws Exception {
    byte[] content = file();
    storage.create(BlobInfo.newBuilder("uploads", "events/denied.jsonl").build(), content);
    CloudEvent event = finalized("events/denied.jsonl", content.length);
    Storage denying = mock(Storage.class, delegatesTo(storage));
    // as the client reports it: the read fails with the service's 403 inside
    doAnswer(call -> new BreakingChannel(storage.reader((BlobId) call.getArgument(0)), 0,
        new IOException(new com.google.cloud.storage.StorageException(403,
            "caller does not have storage.objects.get access"))))
        .when(denying).reader(any(BlobId.class), any(Storage.BlobSourceOption[].class));
    CrashingPublisher events = new CrashingPublisher();

    function(denying, events).accept(event); // no exception: nothing to redeliver

    JsonNode summary = Json.MAPPER.readTree(storage.readAllBytes(
        BlobId.of("uploads", "errors/events/denied.jsonl.summary.json")));
    assertThat(summary.get("status").asText()).isEqualTo("failed");
    assertThat(summary.toString()).contains("403").contains("storage.objects.get");
  }

  /** A read channel whose connection drops after {@code failAt} bytes. */
  private static final class BreakingChannel implements ReadChannel {
    private final ReadChannel delegate;
    private final long failAt;
    private final IOException failure;
    private long read;

    BreakingChannel(ReadChannel delegate, long failAt) {
      this(delegate, failAt, new IOException("connection reset"));
    }

    BreakingChannel(ReadChannel delegate, long failAt, IOException failure) {
      this.delegate = delegate;
      this.failAt = failAt;
      this.failure = failure;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
      if (read >= failAt) {
        throw failure;
      }
      ByteBuffer slice = dst.slice();
      slice.limit((int) Math.min(slice.remaining(), failAt - read));
      int n = delegate.read(slice);
      if (n > 0) {
        dst.position(dst.position() + n);
        read += n;
      }
      return n;
    }

    @Override
    public boolean isOpen() {
      return delegate.isOpen();
    }

    @Override
    public void close() {
      delegate.close();
    }

    @Override
    public void seek(long position) throws IOException {
      delegate.seek(position);
    }

    @Override
    public void setChunkSize(int chunkSize) {
      delegate.setChunkSize(chunkSize);
    }

    @Override
    public com.google.cloud.RestorableState<ReadChannel> capture() {
      return delegate.capture();
    }
  }
}
