package dev.shopstream.bench;

import dev.shopstream.contract.MessageEnvelope;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import com.google.protobuf.ByteString;
import com.google.pubsub.v1.PublishRequest;
import com.google.pubsub.v1.PublisherGrpc;
import com.google.pubsub.v1.PubsubMessage;
import com.google.pubsub.v1.Subscription;
import com.google.pubsub.v1.SubscriberGrpc;
import com.google.pubsub.v1.Topic;
import dev.shopstream.emulator.pubsub.PubsubEmulator;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * The embedded Pub/Sub emulator's publish in memory versus with its journal (every answer waits for a forced
 * write, shared by concurrent publishers: group commit), in the same process, in alternating rounds. Each publish
 * is one message of {@code --bytes} in its own request, over gRPC with the blocking stub (no client-side batching
 * delay), to a topic with one subscription, as the ingest function's events.
 */
@Command(name = "pubsub-journal", sortOptions = false, description = "embedded Pub/Sub emulator: publish msgs/s and latency in memory vs with its durable journal, alternating rounds in the same process")
final class PubsubJournalBench implements Callable<Integer> {
  @Option(names = "--rounds", description = "alternating rounds of in-memory and journaled publishes per concurrency (default ${DEFAULT-VALUE})")
  int rounds = 4;
  @Option(names = "--seconds", paramLabel = "DURATION", description = "per round (default 3s; a plain number is seconds)")
  Duration duration = Duration.ofSeconds(3);
  @Option(names = "--concurrency", split = ",", paramLabel = "N,N,...", description = "publishers (default 1,8)")
  List<Integer> concurrencies = List.of(1, 8);
  @Option(names = "--bytes", description = "message size (default ${DEFAULT-VALUE})")
  int bytes = 300;
  @Option(names = "--dir", description = "where the journal goes (default: a temp dir)")
  String dirOption;
  @Option(names = {"-h", "--help"}, usageHelp = true, description = "this text")
  boolean help;


  private static final String TOPIC = "projects/bench-project/topics/events";

  PubsubJournalBench() {}

  @Override
  public Integer call() throws Exception {
    System.out.println(Machine.describe());
    run();
    return 0;
  }

  private void run() throws Exception {
    Path dir = dirOption == null ? Files.createTempDirectory("pubsub-journal-bench") : Path.of(dirOption);
    PubsubMessage message = PubsubMessage.newBuilder().setData(ByteString.copyFrom(new byte[bytes]))
        .putAttributes(MessageEnvelope.EVENT_ID, "e").build();
    System.out.println("| run | publishes | msgs/s | p50 ms | p99 ms |");
    System.out.println("|---|---|---|---|---|");
    try (PubsubEmulator memory = PubsubEmulator.builder().maxBacklog(100_000_000, 64L << 30).start();
         PubsubEmulator journaled = PubsubEmulator.builder().maxBacklog(100_000_000, 64L << 30)
             .dataDirectory(dir.resolve("pubsub")).start()) {
      for (int concurrency : concurrencies) {
        Samples memorySamples = new Samples();
        Samples journalSamples = new Samples();
        for (PubsubEmulator emulator : List.of(memory, journaled)) {
          prepare(emulator);
          measure(emulator, message, concurrency, Duration.ofSeconds(1), new Samples()); // warm-up
        }
        for (int round = 0; round < rounds; round++) {
          measure(memory, message, concurrency, duration, memorySamples);
          measure(journaled, message, concurrency, duration, journalSamples);
        }
        memorySamples.print("in memory, " + concurrency + " publisher(s)");
        journalSamples.print("journal (fsync per ack, group commit), " + concurrency + " publisher(s)");
      }
    }
    System.out.println("\njournal directory: " + dir.resolve("pubsub"));
  }

  private static void prepare(PubsubEmulator emulator) {
    ManagedChannel channel = ManagedChannelBuilder.forTarget(emulator.grpcTarget()).usePlaintext().build();
    try {
      try {
        PublisherGrpc.newBlockingStub(channel).createTopic(Topic.newBuilder().setName(TOPIC).build());
        SubscriberGrpc.newBlockingStub(channel).createSubscription(Subscription.newBuilder()
            .setName("projects/bench-project/subscriptions/pipeline").setTopic(TOPIC).build());
      } catch (io.grpc.StatusRuntimeException e) {
        // already there (second concurrency level)
      }
    } finally {
      channel.shutdownNow();
    }
  }

  private static void measure(PubsubEmulator emulator, PubsubMessage message, int concurrency, Duration duration,
      Samples samples) throws Exception {
    ManagedChannel channel = ManagedChannelBuilder.forTarget(emulator.grpcTarget()).usePlaintext().build();
    ExecutorService pool = Executors.newFixedThreadPool(concurrency);
    try {
      PublisherGrpc.PublisherBlockingStub stub = PublisherGrpc.newBlockingStub(channel);
      PublishRequest request = PublishRequest.newBuilder().setTopic(TOPIC).addMessages(message).build();
      long end = System.nanoTime() + duration.toNanos();
      List<Future<long[]>> workers = new ArrayList<>();
      for (int i = 0; i < concurrency; i++) {
        workers.add(pool.submit(() -> {
          long[] latencies = new long[1024];
          int count = 0;
          while (System.nanoTime() < end) {
            long started = System.nanoTime();
            stub.publish(request);
            if (count == latencies.length) {
              latencies = Arrays.copyOf(latencies, count * 2);
            }
            latencies[count++] = System.nanoTime() - started;
          }
          return Arrays.copyOf(latencies, count);
        }));
      }
      for (Future<long[]> worker : workers) {
        samples.add(worker.get());
      }
      samples.seconds += duration.toNanos() / 1e9;
    } finally {
      pool.shutdownNow();
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  /** Latencies of all rounds of one configuration. */
  private static final class Samples {
    private final List<long[]> parts = new ArrayList<>();
    private double seconds;

    void add(long[] latencies) {
      parts.add(latencies);
    }

    void print(String name) {
      long[] all = parts.stream().flatMapToLong(Arrays::stream).sorted().toArray();
      System.out.printf("| %s | %d | %.0f | %.2f | %.2f |%n", name, all.length, all.length / seconds,
          percentile(all, 0.50), percentile(all, 0.99));
    }

    private static double percentile(long[] sorted, double p) {
      return sorted.length == 0 ? 0 : sorted[(int) Math.min(sorted.length - 1, p * sorted.length)] / 1e6;
    }
  }
}
