package dev.shopstream.functions.upload;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.api.core.ApiFutures;
import com.google.cloud.pubsub.v1.PublisherInterface;
import com.google.cloud.storage.BlobInfo;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.contrib.nio.testing.LocalStorageHelper;
import dev.shopstream.contract.Json;
import io.cloudevents.CloudEvent;
import io.cloudevents.core.builder.CloudEventBuilder;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * An upload logs its counters every {@code PROGRESS_EVERY} of its clock while it reads the object (a JSON line),
 * not only in the summary at the end.
 */
class UploadProgressTest {
  /** A clock the test moves: here each publish takes a second. */
  private static final class ManualClock extends Clock {
    private long millis = Instant.parse("2026-11-20T12:00:00Z").toEpochMilli();

    synchronized void advance(Duration d) {
      millis += d.toMillis();
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public synchronized Instant instant() {
      return Instant.ofEpochMilli(millis);
    }
  }

  private final Storage storage = LocalStorageHelper.getOptions().getService();

  private List<LogRecord> upload(ManualClock clock, Duration perPublish, Duration every, int rows) {
    PublisherInterface events = mock(PublisherInterface.class);
    AtomicInteger ids = new AtomicInteger();
    when(events.publish(any())).thenAnswer(call -> {
      clock.advance(perPublish);
      return ApiFutures.immediateFuture("m-" + ids.incrementAndGet());
    });
    String bucket = "uploads-progress";
    String name = "events/many-" + rows + "-" + perPublish.toMillis() + ".jsonl";
    StringBuilder text = new StringBuilder();
    IntStream.range(0, rows).forEach(i -> text.append("{\"event_id\":\"e-").append(i)
        .append("\",\"event_type\":\"view\",\"user_id\":\"u\",\"event_time\":\"2026-11-20T10:00:00Z\","
            + "\"products\":[{\"product_id\":\"p-1\",\"price\":9.5}]}\n"));
    byte[] content = text.toString().getBytes(UTF_8);
    storage.create(BlobInfo.newBuilder(bucket, name).build(), content);
    UploadConfig config = new UploadConfig(UploadConfig.DEFAULT_BACKFILL_THRESHOLD_BYTES,
        UploadConfig.DEFAULT_MAX_LINE_BYTES, 1024, every, 1000, Duration.ofSeconds(5));
    UploadFunction function = new UploadFunction(storage, events, mock(PublisherInterface.class),
        BackfillLauncher.notConfigured(), config, clock);

    List<LogRecord> progress = new ArrayList<>();
    Logger logger = Logger.getLogger(UploadFunction.class.getName());
    Handler h = new Handler() {
      @Override
      public synchronized void publish(LogRecord r) {
        if (r.getMessage() != null && r.getMessage().contains(": progress ")) {
          progress.add(r);
        }
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    logger.addHandler(h);
    try {
      function.accept(finalized(bucket, name, content.length));
    } catch (Exception e) {
      throw new AssertionError(e);
    } finally {
      logger.removeHandler(h);
    }
    return progress;
  }

  private static CloudEvent finalized(String bucket, String name, long size) {
    String data = Json.MAPPER.createObjectNode().put("bucket", bucket).put("name", name)
        .put("generation", "1763631000123456").put("size", Long.toString(size))
        .put("contentType", "application/octet-stream").put("timeCreated", "2026-11-20T09:30:00.123Z").toString();
    return CloudEventBuilder.v1().withId("evt-1")
        .withSource(URI.create("//storage.googleapis.com/projects/_/buckets/" + bucket))
        .withType(UploadFunction.FINALIZED).withSubject("objects/" + name)
        .withTime(OffsetDateTime.parse("2026-11-20T09:30:01Z"))
        .withData("application/json", data.getBytes(UTF_8)).build();
  }

  @Test
  void countersAreLoggedEveryIntervalWhileTheObjectIsRead() {
    List<LogRecord> progress = upload(new ManualClock(), Duration.ofSeconds(1), Duration.ofSeconds(5), 40);
    // a second per row: a line every 5 rows, long before the 40th
    assertThat(progress).hasSize(8);
    ObjectNode first = (ObjectNode) progress.get(0).getParameters()[0];
    assertThat(first.path("rows_read").asLong()).isEqualTo(5);
    assertThat(first.path("object").asText()).startsWith("gs://uploads-progress/events/many-40-");
    assertThat(first.has("published")).isTrue();
    assertThat(first.has("rejected")).isTrue();
    assertThat(first.path("elapsed_ms").asLong()).isGreaterThanOrEqualTo(5000);
    ObjectNode last = (ObjectNode) progress.get(progress.size() - 1).getParameters()[0];
    assertThat(last.path("rows_read").asLong()).isEqualTo(40);
    assertThat(((ObjectNode) progress.get(1).getParameters()[0]).path("rows_read").asLong()).isEqualTo(10);
  }

  @Test
  void aFastUploadLogsNoProgressOnlyItsSummary() {
    assertThat(upload(new ManualClock(), Duration.ofMillis(100), Duration.ofSeconds(5), 40)).isEmpty();
  }
}
