package dev.shopstream.emulator.gcs;

import dev.shopstream.contract.cli.CommandLines;
import dev.shopstream.contract.logging.CloudLogging;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The emulator's command line ({@code java -jar shopstream-gcs-emulator.jar}, {@link GcsEmulator#main}), with the
 * convention of every command line here ({@link CommandLines}): {@code --help} exits 0, an unknown option, a stray
 * argument or a bad value exits 2 naming it. It runs the emulator until the process is stopped; logs are JSON lines
 * on stderr.
 */
@Command(name = "GcsEmulator", sortOptions = false,
    description = {"An embedded Google Cloud Storage emulator (the JSON API the Java client and curl use), objects on "
        + "disk. Runs until stopped (Ctrl-C, SIGTERM).", ""})
final class GcsEmulatorCommand implements Callable<Integer> {
  @Option(names = "--host", paramLabel = "HOST", description = "the address to listen on (default 127.0.0.1)")
  String host = "127.0.0.1";

  @Option(names = "--port", paramLabel = "PORT", description = "the HTTP port (default 4443; 0 picks a free one)")
  int port = 4443;

  @Option(names = "--data-dir", paramLabel = "DIR", description = "the folder the objects are kept in (default gcs-data)")
  Path dataDir = Path.of("gcs-data");

  @Option(names = {"-h", "--help"}, usageHelp = true, description = "this text")
  boolean help;

  @Spec
  CommandSpec spec;

  /** The parser of the command line; {@code execute} returns the exit status. */
  static CommandLine commandLine() {
    return CommandLines.of(new GcsEmulatorCommand());
  }

  /** Where the options say to run; a port out of range is a usage error naming the option. */
  GcsEmulator.Settings settings() {
    return GcsEmulator.Settings.of(host, CommandLines.port(spec, "--port", port), dataDir);
  }

  @Override
  public Integer call() throws IOException, InterruptedException {
    GcsEmulator.Settings settings = settings();
    CloudLogging.install();
    GcsEmulator emulator = GcsEmulator.start(settings);
    Runtime.getRuntime().addShutdownHook(new Thread(emulator::close, "gcs-emulator-shutdown"));
    System.out.println("GCS emulator running (Ctrl-C stops it): " + emulator.url() + "   export STORAGE_EMULATOR_HOST="
        + emulator.url() + "   (objects under " + settings.root().toAbsolutePath() + ")");
    Thread.currentThread().join();
    return 0;
  }
}
