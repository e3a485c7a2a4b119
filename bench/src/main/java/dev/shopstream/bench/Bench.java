package dev.shopstream.bench;

import dev.shopstream.bench.soak.Soak;
import dev.shopstream.contract.logging.CloudLogging;
import dev.shopstream.local.Cli;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code java -jar bench/target/shopstream-bench.jar <benchmark> [--option=value ...]}: runs one benchmark and prints
 * its figures as a Markdown table, each beside a baseline measured in the same process; {@code soak} runs the soak
 * run against the whole local stack ({@link Soak}). {@code --help} after a benchmark's name lists its options. The
 * command line follows the local stack's convention ({@link Cli}): {@code --help} exits 0, a usage error 2.
 * Benchmarks only print: nothing here is asserted.
 */
@Command(name = "java -jar bench/target/shopstream-bench.jar",
    description = "Benchmarks that print figures beside a baseline measured in the same run, and the soak run.",
    subcommands = {IngestBench.class, FreshnessBench.class, ServingBench.class, RefreshReadsBench.class, UpsertBench.class,
        PubsubJournalBench.class, Soak.SoakCommand.class},
    footer = {"", "Options take --name=value or --name value; durations as 30s, 5m, a number of seconds or PT30S."})
public final class Bench implements Runnable {
  @Option(names = {"-h", "--help"}, usageHelp = true, description = "this text")
  boolean help;

  @Spec CommandSpec spec;

  private Bench() {}

  /** The command line (for tests: {@code execute} returns the exit status). */
  static CommandLine commandLine() {
    return Cli.of(new Bench());
  }

  /** Without a benchmark: the usage, exit 2. */
  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "Missing benchmark: name one");
  }

  public static void main(String[] args) {
    CloudLogging.install();
    // exits when done: the Pub/Sub and invoker threads of a benchmark need not be waited for
    System.exit(commandLine().execute(args));
  }
}
