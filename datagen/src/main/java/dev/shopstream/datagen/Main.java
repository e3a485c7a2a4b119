package dev.shopstream.datagen;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The datagen command line: {@code generate} (synthetic shop traffic, to the ingest URL or as upload files) and
 * {@code convert-online-retail} (the UCI Online Retail log as upload files). Exit status 0 on success, 1 when the
 * run failed (e.g. events the server never acknowledged), 2 on a usage error or a missing input file.
 */
@Command(name = "java -jar datagen/target/datagen.jar",
    description = "Data for humans: synthetic shop traffic and the Online Retail log as upload files.",
    footer = {"", "Run a command with --help for its options. Options take --name=value or --name value."})
public final class Main implements Runnable {
  @Spec CommandSpec spec;

  @Option(names = {"-h", "--help"}, usageHelp = true, description = "this text")
  boolean help;

  private Main() {}

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  /** Without a command: the usage, exit 2. */
  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "Missing command: generate or convert-online-retail");
  }

  /** Runs one command; returns the exit status. */
  static int run(String[] args, PrintStream out, PrintStream err) {
    return run(args, out, err, Duration.ofSeconds(5));
  }

  /** The same, with generate's progress lines every {@code progressEvery}. */
  static int run(String[] args, PrintStream out, PrintStream err, Duration progressEvery) {
    CommandLine cl = new CommandLine(new Main());
    cl.addSubcommand(new GenerateCommand(out, err, progressEvery));
    cl.addSubcommand(new ConvertCommand(out, err));
    cl.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
    cl.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
    return Cli.configure(cl).execute(args);
  }
}
