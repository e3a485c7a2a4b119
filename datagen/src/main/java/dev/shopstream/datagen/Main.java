package dev.shopstream.datagen;

import java.io.PrintStream;
import java.util.Arrays;

/**
 * The datagen command line: {@code generate} (synthetic shop traffic, to the ingest URL or as upload files) and
 * {@code convert-online-retail} (the UCI Online Retail log as upload files). Exit status 0 on success, 1 when the
 * run failed (e.g. events the server never acknowledged), 2 on a usage error or a missing input file.
 */
public final class Main {
  static final String USAGE = """
      Usage: java -jar datagen/target/datagen.jar <command> [options]

      Commands:
        generate               synthetic shop traffic: to the ingest URL (--to-url) or as upload files (--out)
        convert-online-retail  the UCI Online Retail purchase log as upload files (events + catalog)

      Run a command with --help for its options.
      """;

  private Main() {}

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  /** Runs one command; returns the exit status. */
  static int run(String[] args, PrintStream out, PrintStream err) {
    if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
      (args.length == 0 ? err : out).print(USAGE);
      return args.length == 0 ? 2 : 0;
    }
    String command = args[0];
    String[] rest = Arrays.copyOfRange(args, 1, args.length);
    boolean help = Arrays.asList(rest).contains("--help") || Arrays.asList(rest).contains("-h");
    try {
      switch (command) {
        case "generate" -> {
          if (help) {
            out.print(GenerateCommand.HELP);
            return 0;
          }
          return GenerateCommand.run(rest, out, err);
        }
        case "convert-online-retail" -> {
          if (help) {
            out.print(ConvertCommand.HELP);
            return 0;
          }
          return ConvertCommand.run(rest, out, err);
        }
        default -> {
          err.println("unknown command: " + command);
          err.print(USAGE);
          return 2;
        }
      }
    } catch (Options.UsageException e) {
      err.println(command + ": " + e.getMessage() + " (see: " + command + " --help)");
      return 2;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      err.println(command + ": interrupted");
      return 1;
    } catch (Exception e) {
      err.println(command + ": failed: " + e);
      return 1;
    }
  }
}
