package dev.shopstream.emulator.gcs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.cloud.functions.invoker.runner.Invoker;
import com.google.cloud.storage.BlobInfo;
import com.google.cloud.storage.Storage;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpServer;
import dev.shopstream.contract.Json;
import io.cloudevents.CloudEvent;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Eventarc-style {@code google.cloud.storage.object.v1.finalized} deliveries. */
@Timeout(60)
class GcsEmulatorNotificationIT {
  private static final String BUCKET = "events-bucket";
  private static final Duration AWAIT = Duration.ofSeconds(30);

  @TempDir
  Path root;
  private GcsEmulator emulator;
  private Receiver receiver;

  /**
   * A push endpoint that keeps every request and answers each once {@code gate} is open: 500 to the first
   * {@code failures}, then 204.
   */
  private static final class Receiver implements AutoCloseable {
    record Request(Headers headers, byte[] body) {
      String header(String name) {
        return headers.getFirst(name);
      }

      JsonNode json() throws IOException {
        return Json.MAPPER.readTree(body);
      }
    }

    final List<Request> requests = new CopyOnWriteArrayList<>();
    private final HttpServer server;

    Receiver(int failures, CountDownLatch gate) throws IOException {
      AtomicInteger count = new AtomicInteger();
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
      server.createContext("/", exchange -> {
        requests.add(new Request(exchange.getRequestHeaders(), exchange.getRequestBody().readAllBytes()));
        try {
          gate.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        exchange.sendResponseHeaders(count.incrementAndGet() <= failures ? 500 : 204, -1);
        exchange.close();
      });
      server.start();
    }

    URI uri() {
      return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
    }

    @Override
    public void close() {
      server.stop(0);
    }
  }

  @AfterEach
  void stop() {
    if (emulator != null) {
      emulator.close();
    }
    if (receiver != null) {
      receiver.close();
    }
  }

  private void start(int maxAttempts, int receiverFailures) throws IOException {
    start(maxAttempts, receiverFailures, new CountDownLatch(0));
  }

  private void start(int maxAttempts, int receiverFailures, CountDownLatch receiverGate) throws IOException {
    emulator = GcsEmulator.start(GcsEmulator.Settings.of("127.0.0.1", 0, root)
        .withDeliveryRetries(maxAttempts, Duration.ofMillis(10), Duration.ofMillis(40)));
    emulator.createBucket(BUCKET);
    emulator.createBucket("quiet-bucket");
    receiver = new Receiver(receiverFailures, receiverGate);
    emulator.notifyOnFinalize(BUCKET, receiver.uri());
  }

  @Test
  void oneBinaryModeCloudEventPerFinalizedObject() throws Exception {
    start(5, 0);
    Storage storage = Loopback.storage(emulator);

    Loopback.mediaUpload(emulator, BUCKET, "events/a.jsonl", "{\"a\":1}\n".getBytes(StandardCharsets.UTF_8));
    storage.create(BlobInfo.newBuilder(BUCKET, "events/b.jsonl").setContentType("application/x-ndjson")
        .setMetadata(Map.of("origin", "client")).build(), "{\"b\":2}\n".getBytes(StandardCharsets.UTF_8));
    Loopback.mediaUpload(emulator, "quiet-bucket", "ignored.txt", new byte[] {1});

    assertThat(emulator.awaitIdle(AWAIT)).isTrue();
    assertThat(receiver.requests).hasSize(2);
    assertThat(receiver.requests).extracting(r -> r.header("ce-id")).doesNotHaveDuplicates();
    Receiver.Request event = receiver.requests.stream()
        .filter(r -> "objects/events/b.jsonl".equals(r.header("ce-subject"))).findFirst().orElseThrow();
    assertThat(event.header("ce-specversion")).isEqualTo("1.0");
    assertThat(event.header("ce-type")).isEqualTo("google.cloud.storage.object.v1.finalized");
    assertThat(event.header("ce-source")).isEqualTo("//storage.googleapis.com/projects/_/buckets/events-bucket");
    assertThat(event.header("ce-time")).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");
    assertThat(event.header("Content-Type")).isEqualTo("application/json");
    JsonNode data = event.json();
    assertThat(data.path("bucket").asText()).isEqualTo(BUCKET);
    assertThat(data.path("name").asText()).isEqualTo("events/b.jsonl");
    assertThat(data.path("contentType").asText()).isEqualTo("application/x-ndjson");
    assertThat(data.path("size").asText()).isEqualTo("8");
    assertThat(data.path("metageneration").asText()).isEqualTo("1");
    assertThat(data.path("metadata").path("origin").asText()).isEqualTo("client");
    assertThat(data.path("crc32c").asText())
        .isEqualTo(GcsEmulatorClientIT.crc32c("{\"b\":2}\n".getBytes(StandardCharsets.UTF_8)));
    for (String field : List.of("generation", "md5Hash", "timeCreated", "updated", "selfLink", "mediaLink")) {
      assertThat(data.path(field).asText()).as(field).isNotEmpty();
    }
    assertThat(emulator.deliveryStats()).isEqualTo(new GcsEmulator.DeliveryStats(2, 0, 2));
  }

  @Test
  void uploadsDoNotWaitForTheReceiver() throws Exception {
    CountDownLatch gate = new CountDownLatch(1);
    start(5, 0, gate);

    assertThat(Loopback.mediaUpload(emulator, BUCKET, "first.txt", new byte[] {1}).statusCode()).isEqualTo(200);
    assertThat(Loopback.mediaUpload(emulator, BUCKET, "second.txt", new byte[] {2}).statusCode()).isEqualTo(200);
    assertThat(emulator.deliveryStats().delivered()).isZero();

    gate.countDown();
    assertThat(emulator.awaitIdle(AWAIT)).isTrue();
    assertThat(emulator.deliveryStats().delivered()).isEqualTo(2);
  }

  @Test
  void eventsOfOneObjectArriveInOrder() throws Exception {
    start(5, 0);

    for (int i = 0; i < 5; i++) {
      Loopback.mediaUpload(emulator, BUCKET, "same.txt", new byte[i]);
    }

    assertThat(emulator.awaitIdle(AWAIT)).isTrue();
    List<Long> generations = receiver.requests.stream().map(r -> {
      try {
        return r.json().path("generation").asLong();
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }).toList();
    assertThat(generations).hasSize(5).isSorted().doesNotHaveDuplicates();
  }

  @Test
  void aFailingReceiverGetsTheSameEventAgainUntilItSucceeds() throws Exception {
    start(5, 2);

    Loopback.mediaUpload(emulator, BUCKET, "retried.txt", new byte[] {1});

    assertThat(emulator.awaitIdle(AWAIT)).isTrue();
    assertThat(receiver.requests).hasSize(3);
    assertThat(receiver.requests).extracting(r -> r.header("ce-id")).containsOnly(
        receiver.requests.get(0).header("ce-id"));
    assertThat(emulator.deliveryStats()).isEqualTo(new GcsEmulator.DeliveryStats(1, 0, 3));
  }

  @Test
  void deliveryStopsAfterMaxAttempts() throws Exception {
    start(3, Integer.MAX_VALUE);
    URI closedPort = URI.create("http://127.0.0.1:" + Loopback.freePort() + "/");
    emulator.notifyOnFinalize(BUCKET, closedPort);

    Loopback.mediaUpload(emulator, BUCKET, "never-accepted.txt", new byte[] {1});

    assertThat(emulator.awaitIdle(AWAIT)).isTrue();
    assertThat(receiver.requests).hasSize(3);
    assertThat(emulator.deliveryStats()).isEqualTo(new GcsEmulator.DeliveryStats(0, 2, 6));
  }

  /**
   * Names with control characters, spaces, '%' and non-ASCII letters (Cloud Storage allows all but CR and LF) reach
   * the function through the real invoker: the subject header is percent-encoded, the data carries the name as is.
   * Before, the raw control character made the header invalid and the object was never delivered.
   */
  @Test
  void namesWithControlCharactersAreDeliveredToTheFunction() throws Exception {
    start(2, 0);
    int port = Loopback.freePort();
    Invoker invoker = new Invoker(port, RecordingFunction.class.getName(), "cloudevent",
        Thread.currentThread().getContextClassLoader());
    invoker.startTestServer();
    try {
      RecordingFunction.RECEIVED.clear();
      emulator.notifyOnFinalize(BUCKET, URI.create("http://127.0.0.1:" + port + "/"));
      List<String> names = List.of("events/tab\there.jsonl", "events/bell\u0007.jsonl", "events/del\u007f.jsonl",
          "events/esc\u001b[31m.jsonl", "events/c1\u0085.jsonl", "events/100% caf\u00e9.jsonl");
      for (String name : names) {
        assertThat(Loopback.mediaUpload(emulator, BUCKET, name, "{}\n".getBytes(StandardCharsets.UTF_8)).statusCode())
            .as(name).isEqualTo(200);
      }
      List<String> delivered = new java.util.ArrayList<>();
      for (int i = 0; i < names.size(); i++) {
        CloudEvent event = RecordingFunction.RECEIVED.poll(30, TimeUnit.SECONDS);
        assertThat(event).as("delivered " + delivered).isNotNull();
        String name = Json.MAPPER.readTree(event.getData().toBytes()).path("name").asText();
        assertThat(event.getSubject()).isEqualTo("objects/" + FinalizeNotifier.headerSafe(name));
        assertThat(event.getSubject()).matches("[\\x21-\\x7e]+");
        delivered.add(name);
      }
      assertThat(delivered).containsExactlyInAnyOrderElementsOf(names);
      assertThat(emulator.awaitIdle(AWAIT)).isTrue();
      assertThat(emulator.deliveryStats().failed()).isZero();
    } finally {
      invoker.stopServer();
    }
  }

  @Test
  void theFunctionsFrameworkParsesTheEvent() throws Exception {
    start(5, 0);
    int port = Loopback.freePort();
    Invoker invoker = new Invoker(port, RecordingFunction.class.getName(), "cloudevent",
        Thread.currentThread().getContextClassLoader());
    invoker.startTestServer();
    try {
      RecordingFunction.RECEIVED.clear();
      emulator.notifyOnFinalize(BUCKET, URI.create("http://127.0.0.1:" + port + "/"));

      Loopback.mediaUpload(emulator, BUCKET, "events/for-function.jsonl", "{}\n".getBytes(StandardCharsets.UTF_8));

      CloudEvent event = RecordingFunction.RECEIVED.poll(30, TimeUnit.SECONDS);
      assertThat(event).isNotNull();
      assertThat(event.getType()).isEqualTo("google.cloud.storage.object.v1.finalized");
      assertThat(event.getSubject()).isEqualTo("objects/events/for-function.jsonl");
      assertThat(event.getSource()).isEqualTo(URI.create("//storage.googleapis.com/projects/_/buckets/" + BUCKET));
      JsonNode data = Json.MAPPER.readTree(event.getData().toBytes());
      assertThat(data.path("bucket").asText()).isEqualTo(BUCKET);
      assertThat(data.path("name").asText()).isEqualTo("events/for-function.jsonl");
      assertThat(data.path("size").asText()).isEqualTo("3");
      assertThat(emulator.awaitIdle(AWAIT)).isTrue();
      assertThat(emulator.deliveryStats().failed()).isZero();
    } finally {
      invoker.stopServer();
    }
  }
}
