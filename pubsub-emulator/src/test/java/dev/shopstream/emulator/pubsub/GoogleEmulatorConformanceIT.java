package dev.shopstream.emulator.pubsub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The conformance tests against Google's Pub/Sub emulator (the reference), started as a child process; its location
 * can be overridden with {@code -Dgoogle.pubsub.emulator=...}. The same tests run against the project's emulator in
 * {@link EmbeddedPubsubEmulatorIT} on every machine. Google's emulator comes with the Google Cloud SDK, which a user's
 * machine need not have (nor can it be installed from the reachable registries), so this reference run is skipped
 * there, saying so; with {@code CI=true} a missing reference fails instead, so CI never loses the comparison to a skip.
 */
class GoogleEmulatorConformanceIT extends PubsubConformanceTest {

  private static final Path BINARY = Path.of(System.getProperty("google.pubsub.emulator",
      "/usr/lib/google-cloud-sdk/platform/pubsub-emulator/bin/cloud-pubsub-emulator"));
  private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(60);

  private static final String MISSING = "Google's Pub/Sub emulator is not installed at " + BINARY
      + " (-Dgoogle.pubsub.emulator=...)";

  private static Process process;
  private static String target;

  @BeforeAll
  static void startGoogleEmulator() throws IOException, InterruptedException {
    boolean installed = Files.isExecutable(BINARY);
    assertThat(installed || !"true".equalsIgnoreCase(System.getenv("CI")))
        .as("CI=true, so not skipped: %s", MISSING).isTrue();
    if (!installed) {
      return; // each test is then reported as skipped, with the reason (grpcTarget)
    }
    int port = freePort();
    Path log = Path.of("target", "google-pubsub-emulator.log");
    Files.createDirectories(log.getParent());
    process = new ProcessBuilder(BINARY.toString(), "--host=127.0.0.1", "--port=" + port)
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .start();
    target = "127.0.0.1:" + port;
    Instant deadline = Instant.now().plus(STARTUP_TIMEOUT);
    while (!accepts(port)) {
      if (!process.isAlive() || Instant.now().isAfter(deadline)) {
        stopGoogleEmulator();
        throw new IllegalStateException("Google's Pub/Sub emulator did not start; see " + log.toAbsolutePath());
      }
      Thread.sleep(100);
    }
  }

  @AfterAll
  static void stopGoogleEmulator() throws InterruptedException {
    if (process != null) {
      // the reference must have served the whole run: had it crashed midway, the results would mean nothing
      boolean servedTheWholeRun = process.isAlive();
      process.descendants().forEach(ProcessHandle::destroy);
      process.destroy();
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
      process = null;
      assertThat(servedTheWholeRun).as("Google's Pub/Sub emulator exited during the conformance run").isTrue();
    }
  }

  @Override
  String grpcTarget() {
    assumeTrue(target != null, MISSING + ": skipped against it (EmbeddedPubsubEmulatorIT runs the same tests against "
        + "the project's emulator)");
    return target;
  }

  @Override
  String restUrl() {
    return "http://" + target;
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private static boolean accepts(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
