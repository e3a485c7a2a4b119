package dev.shopstream.emulator.pubsub;

import dev.shopstream.contract.cli.CommandLines;
import dev.shopstream.contract.logging.CloudLogging;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The emulator's command line ({@code java -jar shopstream-pubsub-emulator.jar}, {@link PubsubEmulator#main}), with
 * the convention of every command line here ({@link CommandLines}): {@code --help} exits 0, an unknown option or a
 * bad value exits 2 naming it. It runs the emulator until the process is stopped; logs are JSON lines on stderr.
 */
@Command(name = "PubsubEmulator", sortOptions = false,
    description = {"An embedded Google Cloud Pub/Sub emulator: gRPC (for PUBSUB_EMULATOR_HOST) and REST (for Beam's "
        + "--pubsubRootUrl), one broker. Runs until stopped (Ctrl-C, SIGTERM).", ""})
final class PubsubEmulatorCommand implements Callable<Integer> {
  @Option(names = "--host", paramLabel = "HOST", description = "the address to listen on (default 127.0.0.1)")
  String host = "127.0.0.1";

  @Option(names = "--grpc-port", paramLabel = "PORT", description = "the gRPC port (default 8085; 0 picks a free one)")
  int grpcPort = 8085;

  @Option(names = "--rest-port", paramLabel = "PORT", description = "the REST port (default 8086; 0 picks a free one)")
  int restPort = 8086;

  @Option(names = "--data-dir", paramLabel = "DIR",
      description = "keeps topics, subscriptions and unacked messages in a journal there (default: none, in memory)")
  Path dataDir;

  @Option(names = {"-h", "--help"}, usageHelp = true, description = "this text")
  boolean help;

  @Spec
  CommandSpec spec;

  /** The parser of the command line; {@code execute} returns the exit status. */
  static CommandLine commandLine() {
    return CommandLines.of(new PubsubEmulatorCommand());
  }

  /** The emulator the options describe (not started); a port out of range is a usage error naming the option. */
  PubsubEmulator.Builder builder() {
    PubsubEmulator.Builder builder = PubsubEmulator.builder().host(host)
        .grpcPort(CommandLines.port(spec, "--grpc-port", grpcPort))
        .restPort(CommandLines.port(spec, "--rest-port", restPort));
    return dataDir == null ? builder : builder.dataDirectory(dataDir);
  }

  @Override
  public Integer call() throws InterruptedException {
    PubsubEmulator.Builder builder = builder();
    CloudLogging.install();
    PubsubEmulator emulator = builder.start();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      emulator.close();
      stopped.countDown();
    }, "pubsub-emulator-shutdown"));
    System.out.println("Pub/Sub emulator running (Ctrl-C stops it)");
    System.out.println("  gRPC: " + emulator.grpcTarget() + "   export PUBSUB_EMULATOR_HOST=" + emulator.grpcTarget());
    System.out.println("  REST: " + emulator.restUrl() + "   Beam: --pubsubRootUrl=" + emulator.restUrl());
    stopped.await();
    return 0;
  }
}
