package dev.shopstream.emulator.pubsub;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The emulator alone, as a process of its own ({@code java ... PubsubEmulator}): {@code --help} exits 0, an unknown
 * option or a bad value exits 2 naming it, and it serves on the ports and data folder given, keeping a topic
 * across a stop (SIGTERM) and a start on the same folder.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class PubsubEmulatorCommandLineIT {
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @TempDir
  Path temp;

  private record Exit(int code, String out, String err) {}

  private static ProcessBuilder emulator(String... args) {
    String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", classPath, PubsubEmulator.class.getName()));
    command.addAll(List.of(args));
    return new ProcessBuilder(command);
  }

  private Exit run(String... args) throws Exception {
    Path out = Files.createTempFile(temp, "out", ".txt");
    Path err = Files.createTempFile(temp, "err", ".txt");
    Process process = emulator(args).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("the command ended").isTrue();
    return new Exit(process.exitValue(), Files.readString(out), Files.readString(err));
  }

  @Test
  void helpExitsZeroWithTheUsage() throws Exception {
    Exit help = run("--help");
    assertThat(help.code()).as(help.err()).isZero();
    assertThat(help.out()).contains("Usage: PubsubEmulator", "--host", "--grpc-port", "--rest-port", "--data-dir",
        "--help");
    assertThat(help.err()).isEmpty();
  }

  @Test
  void anUnknownOptionOrABadValueExitsTwoNamingIt() throws Exception {
    assertUsageError(run("--nope=1"), "Unknown option: '--nope=1'");
    assertUsageError(run("--grpc-port", "many"), "--grpc-port", "'many'");
    assertUsageError(run("--rest-port=70000"), "--rest-port", "'70000'", "0..65535");
    assertUsageError(run("--data-dir"), "--data-dir", "Missing required parameter");
    assertUsageError(run("8085"), "Unmatched argument", "'8085'");
  }

  /** The convention of every command line here: exit 2, the message naming the option or argument, the usage. */
  private static void assertUsageError(Exit exit, String... mentions) {
    assertThat(exit.code()).as(exit.err()).isEqualTo(2);
    assertThat(exit.err()).contains(mentions).contains("Usage: PubsubEmulator");
    assertThat(exit.out()).isEmpty();
  }

  /** Starts the emulator and returns it with its REST URL, read from what it prints once it serves. */
  private static Process start(Path dataDir, List<String> restUrl) throws IOException {
    Process process = emulator("--grpc-port", "0", "--rest-port=0", "--data-dir", dataDir.toString())
        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    for (String line = out.readLine(); line != null; line = out.readLine()) {
      if (line.trim().startsWith("REST: ")) {
        restUrl.add(line.trim().substring("REST: ".length()).split(" ")[0]);
        return process;
      }
    }
    throw new AssertionError("the emulator ended without printing its REST URL: exit " + process.exitValue());
  }

  private static HttpResponse<String> send(String method, String url) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(url)).method(method, HttpRequest.BodyPublishers.ofString("{}"))
        .header("Content-Type", "application/json").build(), HttpResponse.BodyHandlers.ofString());
  }

  private static void stop(Process process) throws InterruptedException {
    process.destroy(); // SIGTERM: the shutdown hook closes the emulator
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("stopped by SIGTERM").isTrue();
  }

  @Test
  void servesAloneOnItsPortsAndKeepsItsStateInTheDataFolder() throws Exception {
    Path data = temp.resolve("pubsub-data");
    String topic = "/v1/projects/local-project/topics/standalone";
    List<String> url = new ArrayList<>();
    Process first = start(data, url);
    try {
      HttpResponse<String> created = send("PUT", url.get(0) + topic);
      assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
    } finally {
      stop(first);
    }
    assertThat(data).isDirectoryContaining(p -> p.getFileName().toString().startsWith("journal."));

    url.clear();
    Process second = start(data, url);
    try {
      HttpResponse<String> got = send("GET", url.get(0) + topic);
      assertThat(got.statusCode()).as(got.body()).isEqualTo(200);
      assertThat(got.body()).contains("projects/local-project/topics/standalone");
    } finally {
      stop(second);
    }
  }
}
