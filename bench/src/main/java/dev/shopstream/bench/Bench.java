package dev.shopstream.bench;

import dev.shopstream.contract.logging.CloudLogging;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code java -jar bench/target/shopstream-bench.jar <benchmark> [--option=value ...]}: runs one benchmark and prints
 * its figures as a Markdown table, each beside a baseline measured in the same process. {@code --help} after a
 * benchmark's name lists its options. Benchmarks only print: nothing here is asserted.
 */
public final class Bench {
  /** A benchmark: parses its own options, runs, prints. */
  @FunctionalInterface
  interface Command {
    void run(Options options) throws Exception;
  }

  private record Entry(String summary, Command command) {}

  private static final Map<String, Entry> COMMANDS = new LinkedHashMap<>();

  static {
    COMMANDS.put("ingest", new Entry("ingest function: events/s for single events and batches, latency at fixed "
        + "rates, beside a trivial function on the same invoker", IngestBench::run));
    COMMANDS.put("freshness", new Entry("local stack end to end: time from an event's 202 to its effect in "
        + "/recommendations, and the stack's peak RSS under load", FreshnessBench::run));
    COMMANDS.put("serving", new Entry("recommend function over generated DuckDB data: cold start, latency at fixed "
        + "rates and the most requests/s for an endpoint mix, beside a trivial function on the same invoker",
        ServingBench::run));
    COMMANDS.put("refresh-reads", new Entry("recommend's snapshot refresh: item_neighbors rows read per refresh, a "
        + "full read vs the changed rows only, on one DuckDB table", RefreshReadsBench::run));
    COMMANDS.put("upsert", new Entry("DuckDB upserts as the pipeline's sink writes them: rows/s of the former "
        + "multi-row statements and of the staging table, in the same process", UpsertBench::run));
    COMMANDS.put("pubsub-journal", new Entry("embedded Pub/Sub emulator: publish msgs/s and latency in memory vs "
        + "with its durable journal, alternating rounds in the same process", PubsubJournalBench::run));
  }

  private Bench() {}

  public static void main(String[] args) throws Exception {
    CloudLogging.install();
    if (args.length == 0 || args[0].equals("--help") || !COMMANDS.containsKey(args[0])) {
      System.out.println("usage: java -jar bench/target/shopstream-bench.jar <benchmark> [--name=value ...]\n");
      COMMANDS.forEach((name, e) -> System.out.printf("  %-12s %s%n", name, e.summary()));
      if (args.length > 0 && !args[0].equals("--help")) {
        System.out.println("\nunknown benchmark: " + args[0]);
        System.exit(2);
      }
      return;
    }
    try {
      Options options = Options.parse(Arrays.copyOfRange(args, 1, args.length));
      if (!options.help()) {
        System.out.println(Machine.describe());
      }
      COMMANDS.get(args[0]).command().run(options);
    } catch (Options.UsageException e) {
      System.err.println(args[0] + ": " + e.getMessage() + (e.getMessage().contains("\n") ? ""
          : "\n(java -jar bench/target/shopstream-bench.jar " + args[0] + " --help lists its options)"));
      System.exit(2);
    }
    System.exit(0); // the Pub/Sub and invoker threads of a benchmark need not be waited for
  }
}
