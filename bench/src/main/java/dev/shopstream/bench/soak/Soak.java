package dev.shopstream.bench.soak;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.cloud.NoCredentials;
import com.google.cloud.storage.BlobId;
import com.google.cloud.storage.BlobInfo;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.StorageOptions;
import dev.shopstream.contract.Json;
import dev.shopstream.contract.logging.CloudLogging;
import dev.shopstream.local.Cli;
import dev.shopstream.local.LocalStack;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
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
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * A soak run against the whole local stack (a benchmark, not a test): sustained traffic through the ingest function
 * and through uploads to the bucket for {@code --duration}, then a drain and a reconciliation by event id.
 *
 * <ul>
 *   <li>accepted = ids in 202 answers + rows the upload summaries count as published;</li>
 *   <li>written = distinct of those ids in the warehouse's {@code events}; duplicates = rows beyond one per id;</li>
 *   <li>dead-lettered = rows in {@code dead_letter} (the pipeline's refusals).</li>
 * </ul>
 *
 * It passes (exit 0) when accepted = written + dead-lettered exactly, no id is written twice, no unknown id is
 * written, every invalid event sent was refused at the edge (a {@code rejected} item or an error-report row), and
 * memory is flat ({@link MemoryCheck}): the heap after a full GC, sampled every {@code --sample-every} while the load
 * runs, its median over the second half of the samples at most 25% + 32 MiB above the median over the first half,
 * after a warm-up (the first 60 s or fifth of the run, whichever is longer: JIT, pools, the pipeline's first
 * windows) that is excluded. RSS ({@code /proc/self/status} VmRSS), the backlog (accepted, not yet written or
 * dead-lettered) and a sample after the drain are printed beside it but do not decide. Every figure is printed.
 *
 * <pre>java -jar bench/target/shopstream-bench.jar soak --duration 3m [--rate 8]
 *     [--upload-every 20s] [--upload-rows 40] [--invalid-every 20] [--drain-timeout 5m] [--sample-every 10s]</pre>
 *
 * The default rate (8 events/s through ingest, 2 rows/s through uploads) was chosen for the DirectRunner pipeline
 * the local stack used to run (about 20-25 events/s on a 2-core machine); the stack now runs embedded Flink, which
 * sustains more (docs/BENCHMARKS.md), so {@code --rate} may go higher.
 */
public final class Soak {
  private static final Logger LOG = Logger.getLogger(Soak.class.getName());
  private static final String BUCKET = "uploads";

  private final Options options;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final Set<String> accepted = new HashSet<>();
  private final List<MemoryCheck.Sample> samples = new ArrayList<>(); // while the load runs
  private final Random random = new Random(42);
  private long sequence;
  private long invalidSent;
  private long refusedAtIngest;
  private long refusedInUploads;
  private long ingestRequests;
  private long ingest503;
  private long uploads;
  private long uploadPublished;

  /** The run's settings, from the command line. */
  record Options(Duration duration, int rate, Duration uploadEvery, int uploadRows, int invalidEvery,
      Duration drainTimeout, Duration sampleEvery, Path dataDir) {}

  /** The command line: {@code --name value} or {@code --name=value}; durations as {@code 90s}, {@code 3m} or PT3M. */
  @Command(name = "soak", sortOptions = false,
      description = {"Soak run against the whole local stack: sustained traffic through ingest and uploads for "
          + "--duration, then a drain and a reconciliation by event id. Exit 0 when it passes, 1 when not."})
  public static final class SoakCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--duration", paramLabel = "DURATION", description = "the load's length, at most 2h (default 3m)")
    Duration duration = Duration.ofMinutes(3);

    @Option(names = "--rate", paramLabel = "N", description = "ingest events/s (default ${DEFAULT-VALUE})")
    int rate = 8;

    @Option(names = "--upload-every", paramLabel = "DURATION", description = "an upload every (default 20s)")
    Duration uploadEvery = Duration.ofSeconds(20);

    @Option(names = "--upload-rows", paramLabel = "N", description = "rows per upload (default ${DEFAULT-VALUE})")
    int uploadRows = 40;

    @Option(names = "--invalid-every", paramLabel = "N",
        description = "every Nth event sent is invalid (default ${DEFAULT-VALUE})")
    int invalidEvery = 20;

    @Option(names = "--drain-timeout", paramLabel = "DURATION",
        description = "how long the drain may take (default 5m)")
    Duration drainTimeout = Duration.ofMinutes(5);

    @Option(names = "--sample-every", paramLabel = "DURATION", description = "memory sample interval (default 10s)")
    Duration sampleEvery = Duration.ofSeconds(10);

    @Option(names = "--data-dir", paramLabel = "DIR", description = "the stack's data folder (default: a temp dir)")
    Path dataDir;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "this text")
    boolean help;

    /** The settings; a bad value is a usage error naming the option and the value. */
    Options options() {
      for (var e : java.util.Map.of("--rate", rate, "--upload-rows", uploadRows, "--invalid-every", invalidEvery)
          .entrySet()) {
        if (e.getValue() < 1) {
          throw Cli.badValue(spec, e.getKey(), e.getValue(), "an integer of at least 1");
        }
      }
      if (duration.compareTo(Duration.ofHours(2)) > 0 || duration.isZero()) {
        throw Cli.badValue(spec, "--duration", duration, "more than 0 and at most 2h (a bounded run)");
      }
      for (var e : java.util.Map.of("--upload-every", uploadEvery, "--sample-every", sampleEvery).entrySet()) {
        if (e.getValue().toSeconds() < 1) {
          throw Cli.badValue(spec, e.getKey(), e.getValue(), "at least 1s");
        }
      }
      return new Options(duration, rate, uploadEvery, uploadRows, invalidEvery, drainTimeout, sampleEvery, dataDir);
    }

    @Override
    public Integer call() throws Exception {
      Options options = options();
      Logger.getLogger("").setLevel(Level.WARNING); // one line per request would drown the figures
      LOG.setLevel(Level.INFO);
      return new Soak(options).run() ? 0 : 1;
    }
  }

  Soak(Options options) {
    this.options = options;
  }

  /** {@code java -cp bench/target/shopstream-bench.jar dev.shopstream.bench.soak.Soak} = {@code bench soak}. */
  public static void main(String[] args) {
    CloudLogging.install();
    System.exit(Cli.of(new SoakCommand()).execute(args));
  }

  boolean run() throws Exception {
    Path dataDir = options.dataDir() != null ? options.dataDir() : Files.createTempDirectory("shopstream-soak");
    LOG.info("soak: " + options + ", data in " + dataDir);
    try (LocalStack stack = LocalStack.start(LocalStack.Config.ephemeral(dataDir))) {
      Storage storage = StorageOptions.newBuilder().setHost(stack.endpoints().get("gcs"))
          .setProjectId("local-project").setCredentials(NoCredentials.getInstance()).build().getService();
      URI ingest = URI.create(stack.endpoints().get("ingest"));
      long start = System.nanoTime();
      long end = start + options.duration().toNanos();
      long nextUpload = start + options.uploadEvery().toNanos();
      long nextSample = start;
      List<String> unacknowledged = List.of();
      for (long tick = start; tick < end; tick += TimeUnit.SECONDS.toNanos(1)) {
        sleepUntil(tick);
        unacknowledged = unacknowledged.isEmpty() ? postBatch(ingest, batch()) : postBatch(ingest, unacknowledged);
        if (System.nanoTime() >= nextUpload) {
          upload(stack, storage);
          nextUpload += options.uploadEvery().toNanos();
        }
        if (System.nanoTime() >= nextSample) {
          long written = written(stack)[0];
          samples.add(sample(start, accepted.size() - written - deadLettered(stack)));
          nextSample += options.sampleEvery().toNanos();
          LOG.info(String.format(Locale.ROOT, "progress: %ds, accepted %d, written %d, requests %d (503: %d), "
              + "uploads %d", TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start), accepted.size(),
              written, ingestRequests, ingest503, uploads));
        }
      }
      while (!unacknowledged.isEmpty()) { // a client resends what was not acknowledged
        unacknowledged = postBatch(ingest, unacknowledged);
      }
      long loadSeconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
      long drainStart = System.nanoTime();
      long drainDeadline = drainStart + options.drainTimeout().toNanos();
      long[] w;
      while ((w = written(stack))[0] + deadLettered(stack) < accepted.size() && System.nanoTime() < drainDeadline) {
        Thread.sleep(1000);
      }
      Thread.sleep(5000); // a late duplicate would show now
      w = written(stack);
      MemoryCheck.Sample drained = sample(start, accepted.size() - w[0] - deadLettered(stack));
      return report(stack, w, drained, loadSeconds, TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - drainStart));
    }
  }

  private static void sleepUntil(long nanoTime) throws InterruptedException {
    long wait = nanoTime - System.nanoTime();
    if (wait > 0) {
      TimeUnit.NANOSECONDS.sleep(wait);
    }
  }

  /** One second of ingest traffic: {@code rate} events, every {@code invalidEvery}-th one invalid. */
  private List<String> batch() {
    List<String> lines = new ArrayList<>();
    Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    for (int i = 0; i < options.rate(); i++) {
      lines.add(event("soak-i-" + (++sequence), now));
    }
    return lines;
  }

  private String event(String id, Instant time) {
    if (sequence % options.invalidEvery() == 0) {
      invalidSent++;
      return "{\"event_id\":\"" + id + "\",\"event_type\":\"teleport\",\"user_id\":\"soak\",\"event_time\":\""
          + time + "\"}";
    }
    String[] types = {"view", "view", "view", "add_to_cart", "purchase"};
    return "{\"event_id\":\"" + id + "\",\"event_type\":\"" + types[random.nextInt(types.length)]
        + "\",\"user_id\":\"soak-user-" + random.nextInt(500) + "\",\"event_time\":\"" + time
        + "\",\"products\":[{\"product_id\":\"soak-p-" + random.nextInt(200) + "\",\"quantity\":1,\"price\":3.5}]}";
  }

  /** Posts NDJSON; returns the lines to resend (those not acknowledged: a 503, or no answer). */
  private List<String> postBatch(URI ingest, List<String> lines) throws InterruptedException {
    ingestRequests++;
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(ingest).timeout(Duration.ofSeconds(30))
              .header("Content-Type", "application/x-ndjson")
              .POST(HttpRequest.BodyPublishers.ofString(String.join("\n", lines))).build(),
          HttpResponse.BodyHandlers.ofString());
      JsonNode body = Json.MAPPER.readTree(r.body()); // trusted JSON: our function's answer
      if (r.statusCode() == 202 || r.statusCode() == 400) {
        body.path("event_ids").forEach(id -> accepted.add(id.asText()));
        refusedAtIngest += body.path("rejected").size();
        return List.of();
      }
      if (r.statusCode() == 503) {
        ingest503++;
        return lines;
      }
      throw new IllegalStateException("ingest answered " + r.statusCode() + ": " + r.body());
    } catch (java.io.IOException e) {
      LOG.warning("ingest did not answer (" + e + "); resending");
      return lines;
    }
  }

  /** Uploads one JSONL object, waits for the upload function, and counts its summary. */
  private void upload(LocalStack stack, Storage storage) throws Exception {
    String name = "events/soak-" + (++uploads) + ".jsonl";
    StringBuilder content = new StringBuilder();
    List<String> valid = new ArrayList<>();
    long invalid = 0;
    Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    for (int i = 0; i < options.uploadRows(); i++) {
      sequence++;
      String id = "soak-u-" + uploads + "-" + i;
      long before = invalidSent;
      content.append(event(id, now)).append('\n');
      if (invalidSent > before) {
        invalid++;
      } else {
        valid.add(id);
      }
    }
    storage.create(BlobInfo.newBuilder(BUCKET, name).build(), content.toString().getBytes(StandardCharsets.UTF_8));
    if (!stack.gcs().awaitIdle(Duration.ofSeconds(60))) {
      throw new IllegalStateException("the upload function did not finish " + name + " within 60 s");
    }
    JsonNode summary = Json.MAPPER.readTree(storage.readAllBytes(BlobId.of(BUCKET, "errors/" + name + ".summary.json"))); // trusted JSON: our upload summary
    long published = summary.path("published").asLong();
    long rejected = summary.path("rejected").asLong();
    if (published != valid.size() || rejected != invalid) {
      throw new IllegalStateException("upload summary " + summary + " does not match " + valid.size() + " valid and "
          + invalid + " invalid rows sent");
    }
    uploadPublished += published;
    refusedInUploads += rejected;
    accepted.addAll(valid);
  }

  /** {distinct soak ids in events, rows beyond one per id, soak ids in events that were never accepted}. */
  private long[] written(LocalStack stack) throws Exception {
    try (Connection c = stack.warehouse().connect(); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT count(DISTINCT event_id), count(*) - count(DISTINCT event_id) "
             + "FROM events WHERE event_id LIKE 'soak-%'")) {
      rs.next();
      return new long[] {rs.getLong(1), rs.getLong(2)};
    }
  }

  private long deadLettered(LocalStack stack) throws Exception {
    return stack.warehouse().count("dead_letter");
  }

  private long unknownWritten(LocalStack stack) throws Exception {
    long unknown = 0;
    try (Connection c = stack.warehouse().connect(); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT DISTINCT event_id FROM events WHERE event_id LIKE 'soak-%'")) {
      while (rs.next()) {
        if (!accepted.contains(rs.getString(1))) {
          unknown++;
        }
      }
    }
    return unknown;
  }

  /** Heap after a full GC and RSS now, with the backlog given. */
  private static MemoryCheck.Sample sample(long start, long backlog) {
    System.gc();
    long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    return new MemoryCheck.Sample(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start), heap, rssBytes(),
        backlog);
  }

  /** VmRSS from /proc/self/status, or -1 where there is none (not Linux). */
  static long rssBytes() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (java.io.IOException | NumberFormatException e) {
      LOG.fine("no /proc/self/status: " + e);
    }
    return -1;
  }

  private boolean report(LocalStack stack, long[] w, MemoryCheck.Sample drained, long loadSeconds,
      long drainSeconds) throws Exception {
    long deadLettered = deadLettered(stack);
    long unknown = unknownWritten(stack);
    long warmUpSeconds = Math.max(60, options.duration().toSeconds() / 5);
    MemoryCheck.Verdict memory = MemoryCheck.judge(samples, warmUpSeconds);
    boolean balanced = accepted.size() == w[0] + deadLettered;
    boolean refused = invalidSent == refusedAtIngest + refusedInUploads;
    boolean passed = balanced && w[1] == 0 && unknown == 0 && refused && memory.heapFlat();

    ObjectNode r = Json.MAPPER.createObjectNode();
    r.put("duration_s", loadSeconds).put("drain_s", drainSeconds);
    r.put("rate_ingest_events_per_s", options.rate())
        .put("rate_upload_rows_per_s", (double) options.uploadRows() / options.uploadEvery().toSeconds());
    r.put("ingest_requests", ingestRequests).put("ingest_503", ingest503).put("uploads", uploads);
    r.put("accepted", accepted.size()).put("accepted_by_uploads", uploadPublished);
    r.put("written", w[0]).put("duplicates", w[1]).put("unknown_written", unknown).put("dead_lettered", deadLettered);
    r.put("invalid_sent", invalidSent).put("refused_at_ingest", refusedAtIngest)
        .put("refused_in_uploads", refusedInUploads);
    r.put("balanced", balanced);
    r.put("warm_up_s_excluded", warmUpSeconds).put("samples_judged", memory.judged());
    r.put("heap_after_gc_mib_first_half", memory.heapFirstHalf() >> 20)
        .put("heap_after_gc_mib_second_half", memory.heapSecondHalf() >> 20);
    r.put("rss_mib_first_half", memory.rssFirstHalf() >> 20).put("rss_mib_second_half", memory.rssSecondHalf() >> 20);
    r.put("backlog_first_half", memory.backlogFirstHalf()).put("backlog_second_half", memory.backlogSecondHalf());
    r.put("heap_after_gc_mib_after_drain", drained.heapAfterGcBytes() >> 20)
        .put("rss_mib_after_drain", drained.rssBytes() >> 20);
    r.put("memory_flat", memory.heapFlat()).put("memory", memory.reason()).put("passed", passed);
    StringBuilder table = new StringBuilder("\nelapsed_s  heap_after_gc_mib  rss_mib  backlog\n");
    for (MemoryCheck.Sample s : samples) {
      table.append(row(s));
    }
    table.append("after the drain:\n").append(row(drained));
    System.out.println(table);
    System.out.println(String.format(Locale.ROOT, "accepted %d = written %d + dead-lettered %d: %s; duplicates %d;"
            + " invalid sent %d = refused at ingest %d + in uploads %d: %s; memory flat: %s",
        accepted.size(), w[0], deadLettered, balanced ? "balanced" : "NOT BALANCED", w[1], invalidSent,
        refusedAtIngest, refusedInUploads, refused ? "yes" : "NO", memory.heapFlat() ? "yes" : "NO ("
            + memory.reason() + ")"));
    System.out.println(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(r));
    return passed;
  }

  private static String row(MemoryCheck.Sample s) {
    return String.format(Locale.ROOT, "%9d  %17d  %7d  %7d%n", s.elapsedSeconds(), s.heapAfterGcBytes() >> 20,
        s.rssBytes() >> 20, s.backlog());
  }
}
