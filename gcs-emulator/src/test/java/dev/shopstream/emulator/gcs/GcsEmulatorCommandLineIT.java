package dev.shopstream.emulator.gcs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
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
 * The emulator alone, as a process of its own ({@code java ... GcsEmulator}): {@code --help} exits 0, an unknown
 * option or a bad value exits 2 naming it, and it serves on the port and data folder given, keeping a bucket and
 * its object across a stop (SIGTERM) and a start on the same folder.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class GcsEmulatorCommandLineIT {

  @TempDir
  Path temp;

  private record Exit(int code, String out, String err) {}

  private static ProcessBuilder emulator(String... args) {
    String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", classPath, GcsEmulator.class.getName()));
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
    assertThat(help.out()).contains("Usage: GcsEmulator", "--host", "--port", "--data-dir", "--help");
    assertThat(help.err()).isEmpty();
  }

  @Test
  void anUnknownOptionOrABadValueExitsTwoNamingIt() throws Exception {
    assertUsageError(run("--nope=1"), "Unknown option: '--nope=1'");
    assertUsageError(run("--port", "many"), "--port", "'many'");
    assertUsageError(run("--port=65536"), "--port", "'65536'", "0..65535");
    assertUsageError(run("--data-dir"), "--data-dir", "Missing required parameter");
    assertUsageError(run("4443"), "Unmatched argument", "'4443'");
  }

  /** The convention of every command line here: exit 2, the message naming the option or argument, the usage. */
  private static void assertUsageError(Exit exit, String... mentions) {
    assertThat(exit.code()).as(exit.err()).isEqualTo(2);
    assertThat(exit.err()).contains(mentions).contains("Usage: GcsEmulator");
    assertThat(exit.out()).isEmpty();
  }

  /** Starts the emulator and returns it with its URL, read from what it prints once it serves. */
  private static Process start(Path dataDir, List<String> url) throws IOException {
    Process process = emulator("--port=0", "--data-dir", dataDir.toString())
        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    for (String line = out.readLine(); line != null; line = out.readLine()) {
      if (line.startsWith("GCS emulator running")) {
        url.add(line.substring(line.indexOf("http://")).split(" ")[0]);
        return process;
      }
    }
    throw new AssertionError("the emulator ended without printing its URL: exit " + process.exitValue());
  }

  private static void stop(Process process) throws InterruptedException {
    process.destroy(); // SIGTERM: the shutdown hook closes the emulator
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("stopped by SIGTERM").isTrue();
  }

  @Test
  void servesAloneOnItsPortAndKeepsObjectsInTheDataFolder() throws Exception {
    Path data = temp.resolve("gcs-data");
    List<String> url = new ArrayList<>();
    Process first = start(data, url);
    try {
      HttpResponse<String> bucket = Loopback.send(HttpRequest.newBuilder(
              URI.create(url.get(0) + "/storage/v1/b?project=" + Loopback.PROJECT))
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"standalone\"}")));
      assertThat(bucket.statusCode()).as(bucket.body()).isEqualTo(200);
      HttpResponse<String> upload = Loopback.send(HttpRequest.newBuilder(URI.create(url.get(0)
              + "/upload/storage/v1/b/standalone/o?uploadType=media&name=kept.txt"))
          .POST(HttpRequest.BodyPublishers.ofString("kept across a restart")));
      assertThat(upload.statusCode()).as(upload.body()).isEqualTo(200);
    } finally {
      stop(first);
    }

    url.clear();
    Process second = start(data, url);
    try {
      HttpResponse<String> download = Loopback.send(HttpRequest.newBuilder(
          URI.create(url.get(0) + "/storage/v1/b/standalone/o/kept.txt?alt=media")).GET());
      assertThat(download.statusCode()).isEqualTo(200);
      assertThat(download.body()).isEqualTo("kept across a restart");
    } finally {
      stop(second);
    }
  }
}
