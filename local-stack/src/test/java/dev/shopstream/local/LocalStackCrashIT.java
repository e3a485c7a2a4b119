package dev.shopstream.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shopstream.contract.Json;
import dev.shopstream.warehouse.duckdb.DuckDbWarehouse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the stack answered 202 for (or an upload summary counts as published) survives a crash. A forked stack, on
 * its default runner (embedded Flink, checkpoints retained in the data folder), takes a 20,000-event gzip upload and
 * a stream of HTTP events; it is killed with SIGKILL during both, restarted on the same data folder, later stopped
 * with SIGTERM in the middle of the stream and started again. The HTTP client retries what got no answer, as a
 * shop's client would. Afterwards:
 *
 * <ul>
 *   <li>the warehouse's {@code events} hold exactly one row per accepted event id and nothing else:
 *       {@code count(*) = count(distinct event_id) = accepted}, no dead letters (every event sent was valid);</li>
 *   <li>the item-to-item model's neighbour lists equal those of an uninterrupted run over the same events: its
 *       state came back from the checkpoint (without it, the lists after a restart hold only what came after).</li>
 * </ul>
 *
 * The traffic is built so that the model's result does not depend on arrival order: every user looks at distinct
 * products, fewer than the model's bounds, so the uninterrupted run is a fair reference.
 */
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class LocalStackCrashIT {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
  private static final int FILE_EVENTS = 20_000;
  private static final int HTTP_EVENTS = 3_000;
  private static final int PRODUCTS = 20;
  private static final int ITEMS_PER_USER = 8;
  private static final String OBJECT = "events/crash-test.jsonl.gz";

  @TempDir
  Path tmp;

  @Test
  void nothingAcceptedIsLostAndTheModelStateSurvivesKillAndStop() throws Exception {
    Instant base = Instant.now().truncatedTo(ChronoUnit.SECONDS).minusSeconds(120);
    List<String> httpEvents = events("h", HTTP_EVENTS, base, true);
    byte[] upload = gzip(events("f", FILE_EVENTS, base, false));

    Outcome reference = run(tmp.resolve("reference"), httpEvents, upload, false);
    Outcome crashed = run(tmp.resolve("crashed"), httpEvents, upload, true);

    assertThat(crashed.failedRequests()).as("requests that got no answer: the kill and the stop hit the stream")
        .isPositive();
    for (Outcome o : List.of(reference, crashed)) {
      assertThat(o.published()).isEqualTo(FILE_EVENTS);
      assertThat(o.acceptedHttp()).hasSize(HTTP_EVENTS);
      long accepted = o.acceptedHttp().size() + o.published();
      assertThat(o.rows()).as("events rows").isEqualTo(accepted);
      assertThat(o.distinctIds()).as("distinct event ids").isEqualTo(accepted);
      assertThat(o.httpIdsWritten()).as("the accepted HTTP ids").isEqualTo(o.acceptedHttp());
      assertThat(o.deadLetters()).as("dead letters").isZero();
    }
    assertThat(crashed.neighbors().keySet()).isEqualTo(reference.neighbors().keySet());
    // The co-occurrence lists are compared by their co-counts, which no processing order changes: each pair is
    // counted once, when the later of its two events is processed, with a weight of the two events alone. A replayed
    // or lost event moves them; a restart without the retained state rebuilds them from the events after the restart
    // only, far off. Their *scores* are not compared: a score divides by the neighbour's occurrence count as last
    // reported to the list, and when that report arrives depends on bundle boundaries and redelivery timing (two
    // uninterrupted runs differed by 0.1 %, a crashed run by 1.9 % under load). The `next` signal (issue 16) is
    // learned in processing order: the events redelivered after the kill are processed after later ones, so its
    // transitions differ from the uninterrupted run's (one score by 15 % in CI). Its lists are compared by keys only.
    // Redelivered events are also processed out of their first order, so a user's bounded history and an item's
    // bounded candidate list (eviction) can keep slightly different pairs: one co-count was 1.84 % off in a crashed
    // run on a loaded machine. Each list stays within 5 % and their sum within 1 %; a restart without the retained
    // state rebuilds the lists from the events after the restart alone, and misses by far more than that.
    double crashedTotal = 0;
    double referenceTotal = 0;
    for (Map.Entry<String, Double> e : crashed.neighbors().entrySet()) {
      if (!e.getKey().contains("/next/")) {
        assertThat(e.getValue()).as(e.getKey())
            .isCloseTo(reference.neighbors().get(e.getKey()), org.assertj.core.data.Percentage.withPercentage(5));
        crashedTotal += e.getValue();
        referenceTotal += reference.neighbors().get(e.getKey());
      }
    }
    assertThat(crashedTotal).as("sum of the co-occurrence lists' co-counts")
        .isCloseTo(referenceTotal, org.assertj.core.data.Percentage.withPercentage(1));
    assertThat(crashed.neighbors().keySet()).as("co-occurrence lists compared by co-count")
        .anyMatch(key -> !key.contains("/next/"));
    assertThat(reference.neighbors()).isNotEmpty();
  }

  private record Outcome(Set<String> acceptedHttp, long published, long rows, long distinctIds,
      Set<String> httpIdsWritten, long deadLetters, Map<String, Double> neighbors, int failedRequests) {}

  /**
   * One run: start, stream the HTTP events, upload the file; when {@code interrupt}, wait for a first checkpoint
   * before the upload, SIGKILL shortly after the upload's answer (the upload function is publishing, the pipeline
   * processing) and restart, then SIGTERM once two thirds of the stream is accepted and start again. Waits until
   * the warehouse holds every accepted event and the model has emitted, stops cleanly, and reads the warehouse.
   */
  private Outcome run(Path dataDir, List<String> httpEvents, byte[] upload, boolean interrupt) throws Exception {
    Path log = dataDir.resolveSibling(dataDir.getFileName() + ".log");
    AtomicReference<ForkedStack> stack = new AtomicReference<>(ForkedStack.start(dataDir, log));
    Sender sender = new Sender(httpEvents, interrupt ? 150 : 1000, () -> stack.get().endpoint("ingest"));
    try {
      sender.start();
      if (interrupt) {
        awaitCheckpoint(dataDir); // so that the kill below has state to restore
      }
      HttpResponse<String> uploaded = HTTP.send(HttpRequest.newBuilder(URI.create(stack.get().endpoint("upload_url")
          + URLEncoder.encode(OBJECT, StandardCharsets.UTF_8))).header("Content-Type", "application/gzip")
          .POST(HttpRequest.BodyPublishers.ofByteArray(upload)).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(uploaded.statusCode()).as(uploaded.body()).isEqualTo(200);
      if (interrupt) {
        Thread.sleep(700);
        stack.get().kill();
        stack.set(ForkedStack.start(dataDir, log));
        assertThat(stack.get().status().path("pipeline").path("restored_from").isTextual())
            .as("the pipeline's state restored from a checkpoint after the kill").isTrue();
        while (sender.accepted.size() < HTTP_EVENTS * 2 / 3 && sender.isAlive()) {
          Thread.sleep(50);
        }
        stack.get().stop();
        stack.set(ForkedStack.start(dataDir, log));
      }
      sender.join(TimeUnit.MINUTES.toMillis(5));
      assertThat(sender.isAlive()).as("the sender finished").isFalse();
      long published = summary(stack.get()).path("published").asLong();
      long expected = sender.accepted.size() + published;
      awaitWarehouse(stack.get(), expected);
      awaitModelSettled(stack.get());
      stack.get().stop();
      return read(dataDir, sender, published);
    } finally {
      sender.interrupt();
      stack.get().close();
    }
  }

  /** Waits (bounded) until the pipeline has completed a checkpoint in {@code dataDir}. */
  private static void awaitCheckpoint(Path dataDir) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    while (dev.shopstream.pipeline.flink.EmbeddedFlink.in(dataDir.resolve("flink")).newestCheckpoint().isEmpty()) {
      assertThat(System.nanoTime()).as("a first checkpoint within 2 minutes").isLessThan(deadline);
      Thread.sleep(200);
    }
  }

  private static JsonNode summary(ForkedStack stack) throws Exception {
    String url = stack.endpoint("gcs") + "/storage/v1/b/uploads/o/"
        + URLEncoder.encode("errors/" + OBJECT + ".summary.json", StandardCharsets.UTF_8) + "?alt=media";
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    while (true) {
      HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(),
          HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() == 200) {
        return Json.MAPPER.readTree(r.body());
      }
      assertThat(System.nanoTime()).as("the upload's summary within 3 minutes").isLessThan(deadline);
      Thread.sleep(250);
    }
  }

  private static void awaitWarehouse(ForkedStack stack, long expected) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    JsonNode status = stack.status();
    while (status.path("warehouse").path("events").asLong() < expected
        || status.path("subscriptions").path("events-pipeline").path("backlog").asLong() > 0) {
      assertThat(System.nanoTime()).as("the warehouse holds %d events and the backlog is empty within 3 minutes: %s",
          expected, status).isLessThan(deadline);
      Thread.sleep(500);
      status = stack.status();
    }
    assertThat(status.path("pipeline").path("state").asText()).as("the pipeline's state").isEqualTo("RUNNING");
  }

  /**
   * Waits (bounded) until no neighbour row has been written for longer than the model's emission interval (10 s):
   * a changed list is emitted at most that long after its change, so the lists are then final. The events table can
   * be complete while the model's messages are still on their way through its steps.
   */
  private static void awaitModelSettled(ForkedStack stack) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    long last = -1;
    long since = System.nanoTime();
    while (System.nanoTime() - since < TimeUnit.SECONDS.toNanos(15)) {
      assertThat(System.nanoTime()).as("the model settles within 3 minutes").isLessThan(deadline);
      long written = stack.status().path("pipeline").path("counters").path("duckdb.item_neighbors.rows_written")
          .asLong();
      if (written != last) {
        last = written;
        since = System.nanoTime();
      }
      Thread.sleep(1000);
    }
  }

  private static Outcome read(Path dataDir, Sender sender, long published) throws Exception {
    try (DuckDbWarehouse warehouse = DuckDbWarehouse.open(dataDir.resolve("warehouse.duckdb"));
         Connection c = warehouse.connect(); Statement s = c.createStatement()) {
      long rows;
      long distinct;
      try (ResultSet rs = s.executeQuery("SELECT count(*), count(DISTINCT event_id) FROM events")) {
        rs.next();
        rows = rs.getLong(1);
        distinct = rs.getLong(2);
      }
      Set<String> httpIds = new HashSet<>();
      try (ResultSet rs = s.executeQuery("SELECT event_id FROM events WHERE event_id LIKE 'h-%'")) {
        while (rs.next()) {
          httpIds.add(rs.getString(1));
        }
      }
      long deadLetters;
      try (ResultSet rs = s.executeQuery("SELECT count(*) FROM dead_letter")) {
        rs.next();
        deadLetters = rs.getLong(1);
      }
      Map<String, Double> neighbors = new TreeMap<>();
      try (ResultSet rs = s.executeQuery("""
          SELECT product_id, signal, neighbor_id, co_count FROM item_neighbors
          QUALIFY updated_at = max(updated_at) OVER (PARTITION BY product_id, signal)""")) {
        while (rs.next()) {
          neighbors.put(rs.getString(1) + "/" + rs.getString(2) + "/" + rs.getString(3), rs.getDouble(4));
        }
      }
      return new Outcome(Set.copyOf(sender.accepted), published, rows, distinct, httpIds, deadLetters, neighbors,
          sender.failures.get());
    }
  }

  /**
   * {@code n} valid view events of users {@code <prefix>u<k>}, each looking at {@value #ITEMS_PER_USER} distinct
   * products of {@value #PRODUCTS}, a second apart; with an {@code event_id} ({@code <prefix>-<i>}) when
   * {@code withIds} (an upload's rows get theirs derived from the object).
   */
  private static List<String> events(String prefix, int n, Instant base, boolean withIds) {
    Random random = new Random(prefix.hashCode());
    List<String> lines = new ArrayList<>(n);
    List<Integer> products = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      if (i % ITEMS_PER_USER == 0) {
        products.clear();
        for (int p = 0; p < PRODUCTS; p++) {
          products.add(p);
        }
        java.util.Collections.shuffle(products, random);
      }
      String user = prefix + "u" + (i / ITEMS_PER_USER);
      String product = String.format("p-%02d", products.get(i % ITEMS_PER_USER));
      String time = base.plusSeconds(i % ITEMS_PER_USER).toString();
      lines.add("{" + (withIds ? "\"event_id\":\"" + prefix + "-" + i + "\"," : "")
          + "\"event_type\":\"view\",\"user_id\":\"" + user + "\",\"event_time\":\"" + time
          + "\",\"products\":[{\"product_id\":\"" + product + "\"}]}");
    }
    return lines;
  }

  private static byte[] gzip(List<String> lines) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
      gz.write((String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
    }
    return bytes.toByteArray();
  }

  /**
   * Posts the events in NDJSON batches of 15 ({@code perSecond} events a second at most) to whatever ingest URL the
   * running stack has; a batch without a 202 (no answer, a refused connection, a 5xx) is sent again, unchanged,
   * until one comes.
   */
  private static final class Sender extends Thread {
    private static final int BATCH = 15;
    final Set<String> accepted = ConcurrentHashMap.newKeySet();
    final AtomicInteger failures = new AtomicInteger();
    private final List<String> events;
    private final int perSecond;
    private final java.util.function.Supplier<String> ingest;

    Sender(List<String> events, int perSecond, java.util.function.Supplier<String> ingest) {
      super("crash-test-sender");
      this.events = events;
      this.perSecond = perSecond;
      this.ingest = ingest;
      setDaemon(true);
    }

    @Override
    public void run() {
      try {
        for (int from = 0; from < events.size(); from += BATCH) {
          List<String> batch = events.subList(from, Math.min(events.size(), from + BATCH));
          while (!send(batch)) {
            failures.incrementAndGet();
            Thread.sleep(300);
          }
          Thread.sleep(1000L * BATCH / perSecond);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    private boolean send(List<String> batch) throws InterruptedException {
      try {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(ingest.get()))
            .timeout(Duration.ofSeconds(10)).header("Content-Type", "application/x-ndjson")
            .POST(HttpRequest.BodyPublishers.ofString(String.join("\n", batch))).build(),
            HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 202) {
          return false;
        }
        JsonNode body = Json.MAPPER.readTree(r.body());
        assertThat(body.path("rejected").size()).as(r.body()).isZero();
        body.path("event_ids").forEach(id -> accepted.add(id.asText()));
        return true;
      } catch (IOException e) {
        return false;
      }
    }
  }
}
