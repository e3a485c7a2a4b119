package dev.shopstream.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.cloud.storage.BlobInfo;
import com.google.cloud.storage.Storage;
import com.sun.net.httpserver.HttpServer;
import dev.shopstream.contract.Json;
import dev.shopstream.emulator.gcs.GcsEmulator;
import dev.shopstream.emulator.gcs.Loopback;
import dev.shopstream.functions.upload.UploadFunction;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Finalize events pending when the emulator stops (a crash, or a receiver that was down) are lost with it; at the
 * next start {@link GcsEmulator#renotify} delivers again the objects the upload function has not finished (no
 * summary), through the same path as at upload, and no others.
 */
@Timeout(60)
class GcsEmulatorRenotifyIT {
  private static final String BUCKET = "uploads-bucket";
  private static final Duration AWAIT = Duration.ofSeconds(30);
  private static final byte[] ROWS = "{\"event_type\":\"view\"}\n".getBytes(StandardCharsets.UTF_8);

  @TempDir
  Path root;
  private GcsEmulator emulator;
  private HttpServer receiver;
  private final List<Map<String, String>> received = new CopyOnWriteArrayList<>();

  @AfterEach
  void stop() {
    if (emulator != null) {
      emulator.close();
    }
    if (receiver != null) {
      receiver.stop(0);
    }
  }

  private GcsEmulator start() throws IOException {
    return GcsEmulator.start(GcsEmulator.Settings.of("127.0.0.1", 0, root)
        .withDeliveryRetries(2, Duration.ofMillis(10), Duration.ofMillis(20)));
  }

  /** Counts CloudEvents: the ce- headers of each and the object's name and generation from the body; 204. */
  private URI startReceiver() throws IOException {
    receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    receiver.createContext("/", exchange -> {
      JsonNode data = Json.MAPPER.readTree(exchange.getRequestBody().readAllBytes());
      received.add(Map.of("ce-type", exchange.getRequestHeaders().getFirst("ce-type"),
          "ce-subject", exchange.getRequestHeaders().getFirst("ce-subject"),
          "name", data.path("name").asText(), "generation", data.path("generation").asText()));
      exchange.sendResponseHeaders(204, -1);
      exchange.close();
    });
    receiver.start();
    return URI.create("http://127.0.0.1:" + receiver.getAddress().getPort() + "/");
  }

  /** What the local stack passes at start: the upload function's rule, existence answered by the emulator. */
  private static Predicate<String> needsProcessing(GcsEmulator emulator) {
    return name -> UploadFunction.needsProcessing(name, other -> emulator.exists(BUCKET, other));
  }

  /**
   * With the function down (no delivery succeeds), uploads an object that was never processed, one with a summary
   * and one whose summary records publish_failed, then stops the emulator with those events given up. Returns the
   * generation of each routed object by name.
   */
  private Map<String, Long> stopWithUndeliveredEvents() throws Exception {
    Map<String, Long> generations = new HashMap<>();
    emulator = start();
    emulator.createBucket(BUCKET);
    emulator.notifyOnFinalize(BUCKET, URI.create("http://127.0.0.1:" + Loopback.freePort() + "/"));
    try (Storage storage = Loopback.storage(emulator)) {
      for (String name : List.of("events/pending.jsonl", "catalog/done.csv", "events/publish-failed.jsonl")) {
        generations.put(name, storage.create(BlobInfo.newBuilder(BUCKET, name).build(), ROWS).getGeneration());
      }
      storage.create(BlobInfo.newBuilder(BUCKET, UploadFunction.summaryObjectName("catalog/done.csv")).build(),
          "{\"status\":\"succeeded\"}\n".getBytes(StandardCharsets.UTF_8));
      storage.create(BlobInfo.newBuilder(BUCKET, UploadFunction.summaryObjectName("events/publish-failed.jsonl"))
          .build(), "{\"status\":\"publish_failed\"}\n".getBytes(StandardCharsets.UTF_8));
      storage.create(BlobInfo.newBuilder(BUCKET, "elsewhere/ignored.jsonl").build(), ROWS);
    }
    assertThat(emulator.awaitIdle(AWAIT)).isTrue();
    assertThat(emulator.deliveryStats().delivered()).isZero();
    emulator.close();
    return generations;
  }

  private Map<String, String> event(String name, long generation) {
    return Map.of("ce-type", UploadFunction.FINALIZED, "ce-subject", "objects/" + name, "name", name,
        "generation", Long.toString(generation));
  }

  @Test
  void afterARestartOnlyTheObjectWithoutSummaryIsDeliveredAgain() throws Exception {
    Map<String, Long> generations = stopWithUndeliveredEvents();

    emulator = start(); // same directory
    emulator.notifyOnFinalize(BUCKET, startReceiver());
    int queued = emulator.renotify(BUCKET, needsProcessing(emulator));

    assertThat(queued).isEqualTo(1);
    assertThat(emulator.awaitIdle(AWAIT)).isTrue();
    assertThat(received).containsExactly(event("events/pending.jsonl", generations.get("events/pending.jsonl")));
    assertThat(emulator.deliveryStats()).isEqualTo(new GcsEmulator.DeliveryStats(1, 0, 1));
  }

  @Test
  void readingSummariesAlsoDeliversTheObjectWhoseRedeliveryWasLost() throws Exception {
    Map<String, Long> generations = stopWithUndeliveredEvents();

    emulator = start();
    emulator.notifyOnFinalize(BUCKET, startReceiver());
    int queued = emulator.renotify(BUCKET,
        name -> UploadFunction.isUnfinished(name, other -> emulator.read(BUCKET, other)));

    assertThat(queued).isEqualTo(2);
    assertThat(emulator.awaitIdle(AWAIT)).isTrue();
    assertThat(received).containsExactlyInAnyOrder(
        event("events/pending.jsonl", generations.get("events/pending.jsonl")),
        event("events/publish-failed.jsonl", generations.get("events/publish-failed.jsonl")));
  }

  @Test
  void withoutARegisteredTargetNothingIsQueued() throws Exception {
    emulator = start();
    emulator.createBucket(BUCKET);
    Loopback.mediaUpload(emulator, BUCKET, "events/a.jsonl", ROWS);

    assertThat(emulator.renotify(BUCKET, name -> true)).isZero();
    assertThat(emulator.deliveryStats()).isEqualTo(new GcsEmulator.DeliveryStats(0, 0, 0));
    assertThatThrownBy(() -> emulator.renotify("no-such-bucket", name -> true))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void existsAndReadAnswerForObjectsAndMissingBuckets() throws Exception {
    emulator = start();
    emulator.createBucket(BUCKET);
    Loopback.mediaUpload(emulator, BUCKET, "events/a.jsonl", ROWS);

    assertThat(emulator.exists(BUCKET, "events/a.jsonl")).isTrue();
    assertThat(emulator.exists(BUCKET, "events/b.jsonl")).isFalse();
    assertThat(emulator.exists("no-such-bucket", "events/a.jsonl")).isFalse();
    assertThat(emulator.read(BUCKET, "events/a.jsonl")).hasValueSatisfying(b -> assertThat(b).isEqualTo(ROWS));
    assertThat(emulator.read(BUCKET, "events/b.jsonl")).isEmpty();
    assertThat(emulator.read("no-such-bucket", "events/a.jsonl")).isEmpty();
  }
}
