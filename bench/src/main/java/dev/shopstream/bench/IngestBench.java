package dev.shopstream.bench;

import dev.shopstream.emulator.pubsub.PubsubEmulator;
import dev.shopstream.functions.PubsubPublishers;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import dev.shopstream.functions.ingest.IngestFunction;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;

/**
 * The ingest function on the Functions Framework invoker, publishing to the embedded Pub/Sub emulator (every 202
 * waits for the emulator's acknowledgement, as in the cloud), beside {@link TrivialFunction.Accepting} on the same
 * invoker receiving the very same requests:
 *
 * <ol>
 *   <li>closed loop, single events and {@code --batch}-event NDJSON batches: the most events/s each sustains;
 *   <li>open loop, single events at each of {@code --rates}: p50/p99 latency from when each request was due.
 * </ol>
 *
 * Every event has its own {@code event_id}, so none is a duplicate. At the end the emulator's published count is
 * compared with the events the function accepted.
 */
@Command(name = "ingest", sortOptions = false, description = "ingest function: events/s for single events and batches, latency at fixed rates, beside a trivial function on the same invoker")
final class IngestBench implements Callable<Integer> {
  @Option(names = "--duration", paramLabel = "DURATION", description = "per run (default 10s; a plain number is seconds)")
  Duration duration = Duration.ofSeconds(10);
  @Option(names = "--concurrency", description = "workers of the closed-loop runs (default ${DEFAULT-VALUE})")
  int concurrency = 8;
  @Option(names = "--batch", description = "events per request of the batch runs (default ${DEFAULT-VALUE})")
  int batch = 500;
  @Option(names = "--rates", split = ",", paramLabel = "N,N,...", description = "requests/s of the open-loop runs (single events; default 100,250,500,1000)")
  List<Integer> rates = List.of(100, 250, 500, 1000);
  @Option(names = "--warmup", description = "requests sent to each function before measuring (default ${DEFAULT-VALUE})")
  int warmup = 2000;
  @Option(names = "--journal", arity = "1", paramLabel = "true|false", description = "the emulator journals every publish to disk before acknowledging it, as the local stack's does (false: in memory only; default ${DEFAULT-VALUE})")
  boolean journal = true;
  @Option(names = {"-h", "--help"}, usageHelp = true, description = "this text")
  boolean help;


  IngestBench() {}

  @Override
  public Integer call() throws Exception {
    System.out.println(Machine.describe());
    run();
    return 0;
  }

  private void run() throws Exception {
    String project = "bench-project";
    java.nio.file.Path journalDir = journal ? java.nio.file.Files.createTempDirectory("ingest-bench-pubsub") : null;
    System.out.println("Pub/Sub emulator: " + (journal ? "journaled under " + journalDir : "in memory"));
    try (PubsubEmulator pubsub = PubsubEmulator.builder().maxBacklog(10_000_000, 8L << 30)
        .dataDirectory(journalDir).start()) {
      createTopic(pubsub, project, PubsubPublishers.DEFAULT_EVENTS_TOPIC);
      Map.of("PROJECT_ID", project, "EVENTS_TOPIC", PubsubPublishers.DEFAULT_EVENTS_TOPIC,
          "PUBSUB_EMULATOR_HOST", pubsub.grpcTarget())
          .forEach(System::setProperty);
      String time = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
      try (FunctionServer ingest = FunctionServer.http(IngestFunction.class);
           FunctionServer trivial = FunctionServer.http(TrivialFunction.Accepting.class);
           LoadGenerator load = new LoadGenerator()) {
        Requests ingestRequests = new Requests(ingest.uri("/"), time, batch);
        Requests trivialRequests = new Requests(trivial.uri("/"), time, batch);
        load.warmUp(ingestRequests.single("w-"), warmup);
        load.warmUp(trivialRequests.single("w-"), warmup);
        load.warmUp(ingestRequests.batch("wb-"), Math.max(10, warmup / 100));
        load.warmUp(trivialRequests.batch("wb-"), Math.max(10, warmup / 100));

        Report max = new Report("Ingest, closed loop (" + concurrency + " workers, " + duration.toSeconds()
            + " s each): the most events/s");
        LoadGenerator.Result baseSingle = load.closedLoop("trivial function, 1 event/request",
            trivialRequests.single("ts-"), concurrency, duration);
        LoadGenerator.Result single = load.closedLoop("ingest, 1 event/request",
            ingestRequests.single("s-"), concurrency, duration);
        LoadGenerator.Result baseBatch = load.closedLoop("trivial function, " + batch + " events/request",
            trivialRequests.batch("tb-"), concurrency, duration);
        LoadGenerator.Result batched = load.closedLoop("ingest, " + batch + " events/request",
            ingestRequests.batch("b-"), concurrency, duration);
        max.add(baseSingle, null, 1).add(single, baseSingle, 1).add(baseBatch, null, batch)
            .add(batched, baseBatch, batch).print();

        Report fixed = new Report("Ingest, open loop (single events, " + duration.toSeconds()
            + " s per rate): latency from when each request was due");
        long acceptedFixed = 0;
        for (int rate : rates) {
          LoadGenerator.Result base = load.fixedRate("trivial function @ " + rate + "/s",
              trivialRequests.single("tr" + rate + "-"), rate, duration);
          LoadGenerator.Result real = load.fixedRate("ingest @ " + rate + "/s",
              ingestRequests.single("r" + rate + "-"), rate, duration);
          fixed.add(base, null, 1).add(real, base, 1);
          acceptedFixed += real.ok();
        }
        long accepted = warmup + Math.max(10, warmup / 100) * (long) batch + single.ok() + batched.ok() * batch
            + acceptedFixed;
        fixed.note("Pub/Sub emulator published " + pubsub.stats().get("published") + " messages; the ingest "
            + "function answered 202 for " + accepted + " events (warm-up included): they must be equal.");
        fixed.print();
      }
    }
  }

  /** Requests to one function: each event with its own id ({@code prefix} + sequence), a view of one product. */
  private record Requests(URI uri, String time, int batch) {
    String event(String id, long seq) {
      return "{\"event_id\":\"" + id + "\",\"event_type\":\"view\",\"user_id\":\"u" + (seq % 10_000)
          + "\",\"event_time\":\"" + time + "\",\"products\":[{\"product_id\":\"p" + (seq % 5_000) + "\"}]}";
    }

    LoadGenerator.Requests single(String prefix) {
      return seq -> HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(event(prefix + seq, seq))).build();
    }

    LoadGenerator.Requests batch(String prefix) {
      return seq -> {
        StringBuilder body = new StringBuilder(batch * 160);
        for (int i = 0; i < batch; i++) {
          long n = seq * batch + i;
          body.append(event(prefix + n, n)).append('\n');
        }
        return HttpRequest.newBuilder(uri).header("Content-Type", "application/x-ndjson")
            .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build();
      };
    }
  }

  /** Creates the topic over the emulator's REST API (what {@code gcloud} and Beam use). */
  private static void createTopic(PubsubEmulator pubsub, String project, String topic) throws Exception {
    HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create(pubsub.restUrl() + "/v1/projects/" + project + "/topics/" + topic))
        .PUT(HttpRequest.BodyPublishers.ofString("{}")).header("Content-Type", "application/json").build(),
        HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IllegalStateException("creating topic " + topic + ": HTTP " + r.statusCode() + " " + r.body());
    }
  }
}
