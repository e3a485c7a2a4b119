package dev.shopstream.local;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shopstream.contract.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The local stack in a JVM of its own ({@link Main}, every port 0, on a given data folder), so that a test can kill
 * it with SIGKILL ({@link #kill}) or stop it with SIGTERM ({@link #stop}) as a user's Ctrl-C would. Its output goes
 * to {@code <log>}; its URLs come from the {@code endpoints.json} it writes.
 */
final class ForkedStack implements AutoCloseable {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private final Process process;
  private final JsonNode endpoints;

  private ForkedStack(Process process, JsonNode endpoints) {
    this.process = process;
    this.endpoints = endpoints;
  }

  /** Starts a stack on {@code dataDir} and waits (up to 3 minutes) until it has written its endpoints. */
  static ForkedStack start(Path dataDir, Path log, String... extraArgs) throws Exception {
    Files.createDirectories(dataDir);
    Path endpointsFile = dataDir.resolve("endpoints.json");
    Files.deleteIfExists(endpointsFile); // a killed stack leaves its own behind
    String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx2g", "-cp", classPath,
        Main.class.getName(), "--data-dir=" + dataDir, "--ingest-port=0", "--recommend-port=0", "--upload-port=0",
        "--pubsub-grpc-port=0", "--pubsub-rest-port=0", "--gcs-port=0", "--status-port=0", "--metrics-every=PT0S"));
    command.addAll(List.of(extraArgs));
    Process process = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    while (!Files.exists(endpointsFile)) {
      if (!process.isAlive()) {
        throw new IllegalStateException("the forked stack exited with " + process.exitValue() + "; see " + log);
      }
      if (System.nanoTime() > deadline) {
        process.destroyForcibly();
        throw new IllegalStateException("the forked stack did not start within 3 minutes; see " + log);
      }
      Thread.sleep(100);
    }
    return new ForkedStack(process, Json.MAPPER.readTree(Files.readString(endpointsFile)));
  }

  String endpoint(String name) {
    return endpoints.path(name).asText();
  }

  /** The stack's {@code /status} JSON. */
  JsonNode status() throws IOException, InterruptedException {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(endpoint("status")))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    return Json.MAPPER.readTree(r.body());
  }

  /** SIGKILL: no shutdown hook runs, nothing is flushed. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  /** SIGTERM (Ctrl-C): the stack's shutdown hook stops every part; waits for the JVM to exit. */
  void stop() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(90, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IllegalStateException("the stack did not stop within 90 s of SIGTERM");
    }
  }

  boolean alive() {
    return process.isAlive();
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      kill();
    }
  }
}
