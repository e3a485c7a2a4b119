package dev.shopstream.bench;

import dev.shopstream.contract.api.RecommendationApi;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import com.fasterxml.jackson.databind.JsonNode;
import dev.shopstream.contract.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.HdrHistogram.Histogram;

/**
 * End to end on the local stack as a user runs it ({@code java -jar local-stack/target/shopstream-local.jar} in a
 * child process, free ports): how long from an event's 202 until its effect shows in {@code /recommendations}, and
 * the stack's resident memory under load.
 *
 * <p>A probe: a new user asks for recommendations and gets the top product X (trending, for a user without
 * history); the user buys X (ingest answers 202 at t0); the benchmark then asks again every {@code --poll-ms}
 * until X is gone from the user's answer (purchased products are never offered), at t1. {@code t1 - t0} is the
 * freshness a shopper feels: ingest, Pub/Sub, the pipeline, the warehouse write and serving's caches. Probes run one
 * after another while a background load posts view events at {@code --rate} per second (open loop). Peak RSS is the
 * child's VmHWM; the RSS series is sampled every second.
 */
@Command(name = "freshness", sortOptions = false, description = "local stack end to end: time from an event's 202 to its effect in /recommendations, and the stack's peak RSS under load")
final class FreshnessBench implements Callable<Integer> {
  @Option(names = "--probes", description = "purchases whose effect is timed, one after another (default ${DEFAULT-VALUE})")
  int probes = 30;
  @Option(names = "--rate", description = "background view events/s posted during the probes (0: none; default ${DEFAULT-VALUE})")
  int rate = 50;
  @Option(names = "--seed-events", description = "view and purchase events posted first, so there is something to recommend (default ${DEFAULT-VALUE})")
  int seedEvents = 2000;
  @Option(names = "--poll-ms", description = "how often a probe asks /recommendations, in ms (default ${DEFAULT-VALUE})")
  int pollMs = 50;
  @Option(names = "--probe-timeout", paramLabel = "DURATION", description = "how long a probe waits before it counts as timed out (default 60s; a plain number is seconds)")
  Duration probeTimeout = Duration.ofSeconds(60);
  @Option(names = "--stack-jar", description = "the local stack jar (build: ./mvnw -B -ntp -q -DskipTests package; default ${DEFAULT-VALUE})")
  Path jar = Path.of("local-stack/target/shopstream-local.jar");
  @Option(names = "--stack-heap", description = "the stack's -Xmx (default ${DEFAULT-VALUE})")
  String heap = "2g";
  @Option(names = {"-h", "--help"}, usageHelp = true, description = "this text")
  boolean help;


  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  FreshnessBench() {}

  @Override
  public Integer call() throws Exception {
    System.out.println(Machine.describe());
    run();
    return 0;
  }

  private void run() throws Exception {
    if (!Files.isRegularFile(jar)) {
      throw new IllegalArgumentException(jar + " does not exist: build it with ./mvnw -B -ntp -q -DskipTests package");
    }
    Path dataDir = Files.createTempDirectory("shopstream-freshness");
    long t0 = System.nanoTime();
    Process stack = new ProcessBuilder("java", "-Xmx" + heap, "-jar", jar.toString(), "--data-dir=" + dataDir,
        "--ingest-port=0", "--recommend-port=0", "--upload-port=0", "--pubsub-grpc-port=0", "--pubsub-rest-port=0",
        "--gcs-port=0")
        .redirectErrorStream(true).redirectOutput(dataDir.resolve("stack.log").toFile()).start();
    ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
    List<long[]> rss = new ArrayList<>(); // {seconds since start, KiB}
    try {
      JsonNode endpoints = awaitEndpoints(dataDir.resolve("endpoints.json"), stack, Duration.ofMinutes(2));
      double startSeconds = (System.nanoTime() - t0) / 1e9;
      sampler.scheduleAtFixedRate(() -> Machine.rssKib(stack.pid()).ifPresent(kib -> {
        synchronized (rss) {
          rss.add(new long[] {(System.nanoTime() - t0) / 1_000_000_000L, kib});
        }
      }), 0, 1, TimeUnit.SECONDS);
      URI ingest = URI.create(endpoints.get("ingest").asText());
      URI recommend = URI.create(endpoints.get("recommend").asText());
      long run = System.currentTimeMillis() % 100_000;

      seed(ingest, seedEvents, run);
      List<String> first = awaitItems(recommend, "nobody-" + run, Duration.ofMinutes(5));
      System.out.printf("%nstack up in %.1f s; seeded %d events; first recommendations after %.1f s: %s%n",
          startSeconds, seedEvents, (System.nanoTime() - t0) / 1e9, first);

      LoadGenerator load = new LoadGenerator(16, Duration.ofSeconds(30));
      AtomicBoolean probesDone = new AtomicBoolean();
      Instant time = Instant.now();
      CompletableFuture<LoadGenerator.Result> background = rate <= 0 ? null : CompletableFuture.supplyAsync(
          () -> load.fixedRate("background views @ " + rate + "/s", seq -> post(ingest,
              viewJson("bg-" + run + "-" + seq, "bg-user-" + (seq % 500), "p" + (seq % 200), time)), rate,
              probeTimeout.multipliedBy(probes), probesDone::get));
      Histogram freshness = new Histogram(TimeUnit.MINUTES.toMillis(10), 3);
      int timeouts = 0;
      for (int i = 0; i < probes; i++) {
        String user = "probe-" + run + "-" + i;
        List<String> before = awaitItems(recommend, user, Duration.ofSeconds(30));
        String top = before.get(0);
        HttpResponse<String> r = HTTP.send(post(ingest, purchase("probe-" + run + "-" + i, user, top)),
            HttpResponse.BodyHandlers.ofString());
        long accepted = System.nanoTime();
        if (r.statusCode() != 202) {
          throw new IllegalStateException("ingest answered " + r.statusCode() + ": " + r.body());
        }
        long deadline = accepted + probeTimeout.toNanos();
        boolean seen = false;
        while (System.nanoTime() < deadline) {
          if (!items(recommend, user).contains(top)) {
            seen = true;
            break;
          }
          Thread.sleep(pollMs);
        }
        if (seen) {
          freshness.recordValue(Math.max(0, (System.nanoTime() - accepted) / 1_000_000));
        } else {
          timeouts++;
        }
        System.err.printf("{\"severity\":\"INFO\",\"message\":\"freshness probe %d/%d: %s\"}%n", i + 1, probes,
            seen ? (System.nanoTime() - accepted) / 1_000_000 + " ms" : "timed out");
      }
      probesDone.set(true);
      LoadGenerator.Result bgResult = background == null ? null : background.get();
      long peak = Machine.peakRssKib(stack.pid()).orElse(-1L);
      print(probes, pollMs, rate, freshness, timeouts, peak, rss);
      if (bgResult != null) {
        new Report("Background load during the probes").add(bgResult, null, 1).print();
      }
    } finally {
      sampler.shutdownNow();
      stack.destroy(); // SIGTERM: the stack stops every part and exits
      if (!stack.waitFor(30, TimeUnit.SECONDS)) {
        stack.destroyForcibly();
      }
    }
  }

  private static void print(int probes, int pollMs, int rate, Histogram h, int timeouts, long peakKib,
      List<long[]> rss) {
    System.out.println();
    System.out.println("### End to end: 202 -> effect visible in /recommendations (local stack, " + probes
        + " probes, background " + rate + " views/s, polled every " + pollMs + " ms)");
    System.out.println();
    System.out.println("| probes | timed out | p50 ms | p95 ms | max ms | peak RSS MiB |");
    System.out.println("|---|---|---|---|---|---|");
    System.out.printf("| %d | %d | %d | %d | %d | %d |%n", h.getTotalCount(), timeouts, h.getValueAtPercentile(50),
        h.getValueAtPercentile(95), h.getMaxValue(), peakKib / 1024);
    synchronized (rss) {
      if (!rss.isEmpty()) {
        StringBuilder series = new StringBuilder("RSS MiB over time (s:MiB): ");
        int step = Math.max(1, rss.size() / 12);
        for (int i = 0; i < rss.size(); i += step) {
          series.append(rss.get(i)[0]).append(':').append(rss.get(i)[1] / 1024).append(' ');
        }
        long[] last = rss.get(rss.size() - 1);
        System.out.println("\n" + series.append(last[0]).append(':').append(last[1] / 1024));
      }
    }
  }

  private static void seed(URI ingest, int events, long run) throws Exception {
    Instant now = Instant.now();
    StringBuilder batch = new StringBuilder();
    for (int i = 0; i < events; i++) {
      // Zipf-ish: product p0 most popular; one in ten events a purchase
      int product = (int) Math.floor(Math.pow(i % 97 + 1, 1.3)) % 200;
      String user = "seed-" + (i % 300);
      String id = "seed-" + run + "-" + i;
      batch.append(i % 10 == 0 ? purchase(id, user, "p" + product) : viewJson(id, user, "p" + product, now))
          .append('\n');
      if ((i + 1) % 500 == 0 || i == events - 1) {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(ingest)
            .header("Content-Type", "application/x-ndjson")
            .POST(HttpRequest.BodyPublishers.ofString(batch.toString())).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 202) {
          throw new IllegalStateException("seeding: ingest answered " + r.statusCode() + ": " + r.body());
        }
        batch.setLength(0);
      }
    }
  }

  private static JsonNode awaitEndpoints(Path file, Process stack, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!stack.isAlive()) {
        throw new IllegalStateException("the local stack exited with " + stack.exitValue() + "; see its log beside "
            + file);
      }
      if (Files.exists(file)) {
        return Json.MAPPER.readTree(Files.readString(file)); // trusted JSON: the stack's endpoints file
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException("the local stack did not start within " + timeout);
  }

  private static List<String> awaitItems(URI recommend, String user, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      List<String> items = items(recommend, user);
      if (!items.isEmpty()) {
        return items;
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException("no recommendations for " + user + " within " + timeout);
  }

  private static List<String> items(URI recommend, String user) throws IOException, InterruptedException {
    URI uri = URI.create(recommend + "?" + RecommendationApi.USER_ID + "=" + user + "&" + RecommendationApi.K + "=5");
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(uri)
        .GET().build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      return List.of();
    }
    List<String> ids = new ArrayList<>();
    Json.MAPPER.readTree(r.body()).path(RecommendationApi.ITEMS) // trusted JSON: our function's answer
        .forEach(item -> ids.add(item.path(RecommendationApi.PRODUCT_ID).asText()));
    return ids;
  }

  private static HttpRequest post(URI ingest, String json) {
    return HttpRequest.newBuilder(ingest).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(json)).build();
  }

  private static String viewJson(String id, String user, String product, Instant time) {
    return "{\"event_id\":\"" + id + "\",\"event_type\":\"view\",\"user_id\":\"" + user + "\",\"event_time\":\""
        + time + "\",\"products\":[{\"product_id\":\"" + product + "\"}]}";
  }

  private static String purchase(String id, String user, String product) {
    return "{\"event_id\":\"" + id + "\",\"event_type\":\"purchase\",\"user_id\":\"" + user + "\",\"event_time\":\""
        + Instant.now() + "\",\"products\":[{\"product_id\":\"" + product + "\",\"quantity\":1,\"price\":9.5}]}";
  }
}
