package dev.shopstream.emulator.gcs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shopstream.contract.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The emulator as curl sees it: plain HTTP requests, JSON answers and errors in the JSON API's shape. */
@Timeout(60)
class GcsEmulatorHttpIT {
  private static final String BUCKET = "raw-bucket";

  @TempDir
  Path root;
  private GcsEmulator emulator;

  @BeforeEach
  void start() throws IOException {
    emulator = GcsEmulator.start("127.0.0.1", 0, root.resolve("data"));
    emulator.createBucket(BUCKET);
  }

  @AfterEach
  void stop() {
    emulator.close();
  }

  @Test
  void mediaUploadThenDownload() throws Exception {
    byte[] content = "{\"event\":\"view\"}\n{\"event\":\"buy\"}\n".getBytes(StandardCharsets.UTF_8);

    HttpResponse<String> upload = Loopback.mediaUpload(emulator, BUCKET, "events/a.jsonl", content);

    assertThat(upload.statusCode()).isEqualTo(200);
    JsonNode object = Json.MAPPER.readTree(upload.body());
    assertThat(object.path("kind").asText()).isEqualTo("storage#object");
    assertThat(object.path("name").asText()).isEqualTo("events/a.jsonl");
    assertThat(object.path("bucket").asText()).isEqualTo(BUCKET);
    assertThat(object.path("size").asText()).isEqualTo(Integer.toString(content.length));
    assertThat(object.path("contentType").asText()).isEqualTo("application/x-ndjson");
    assertThat(object.path("crc32c").asText()).isEqualTo(GcsEmulatorClientIT.crc32c(content));
    assertThat(object.path("generation").isTextual()).isTrue();
    assertThat(object.path("selfLink").asText())
        .isEqualTo(emulator.url() + "/storage/v1/b/raw-bucket/o/events%2Fa.jsonl");

    HttpResponse<String> download = get("/storage/v1/b/raw-bucket/o/events%2Fa.jsonl?alt=media", null);
    assertThat(download.statusCode()).isEqualTo(200);
    assertThat(download.body()).isEqualTo(new String(content, StandardCharsets.UTF_8));
    assertThat(download.headers().firstValue("x-goog-generation")).hasValue(object.path("generation").asText());
    assertThat(download.headers().firstValue("x-goog-hash")).hasValueSatisfying(hash -> assertThat(hash)
        .contains("crc32c=" + object.path("crc32c").asText()).contains("md5=" + object.path("md5Hash").asText()));
    assertThat(get("/download/storage/v1/b/raw-bucket/o/events/a.jsonl?alt=media", null).body())
        .isEqualTo(download.body());
    assertThat(Json.MAPPER.readTree(get("/storage/v1/b/raw-bucket/o/events%2Fa.jsonl", null).body())
        .path("md5Hash").asText()).isEqualTo(object.path("md5Hash").asText());
  }

  @Test
  void rangedDownloads() throws Exception {
    Loopback.mediaUpload(emulator, BUCKET, "digits.txt", "0123456789".getBytes(StandardCharsets.UTF_8));
    String path = "/storage/v1/b/raw-bucket/o/digits.txt?alt=media";

    HttpResponse<String> middle = get(path, "bytes=2-4");
    assertThat(middle.statusCode()).isEqualTo(206);
    assertThat(middle.body()).isEqualTo("234");
    assertThat(middle.headers().firstValue("Content-Range")).hasValue("bytes 2-4/10");
    assertThat(get(path, "bytes=7-").body()).isEqualTo("789");
    assertThat(get(path, "bytes=-2").body()).isEqualTo("89");
    assertThat(get(path, "bytes=8-100").body()).isEqualTo("89");
    assertError(get(path, "bytes=10-"), 416, "requestedRangeNotSatisfiable");
  }

  @Test
  void errorsHaveTheJsonApiShape() throws Exception {
    HttpResponse<String> missingObject = get("/storage/v1/b/raw-bucket/o/nope.txt", null);
    assertError(missingObject, 404, "notFound");
    assertThat(Json.MAPPER.readTree(missingObject.body()).path("error").path("message").asText())
        .isEqualTo("No such object: raw-bucket/nope.txt");
    assertError(get("/storage/v1/b/no-such-bucket", null), 404, "notFound");
    assertError(get("/storage/v1/b/no-such-bucket/o", null), 404, "notFound");
    assertError(get("/storage/v1/b/raw-bucket/o/nope.txt?alt=media", null), 404, "notFound");
    assertError(post("/storage/v1/b?project=p", "{\"name\":\"raw-bucket\"}"), 409, "conflict");
    assertError(post("/storage/v1/b?project=p", "{\"name\":\"Bad_Name!\"}"), 400, "invalid");
    assertError(post("/storage/v1/b", "{\"name\":\"no-project\"}"), 400, "required");
    assertError(post("/upload/storage/v1/b/raw-bucket/o?name=x", "x"), 400, "invalid");
    assertError(post("/upload/storage/v1/b/raw-bucket/o?uploadType=media", "x"), 400, "required");
    assertError(get("/storage/v1/b/raw-bucket/o?maxResults=x", null), 400, "invalid");
    assertError(get("/storage/v1/b/raw-bucket/o?pageToken=bm9wZQ", null), 400, "invalid");
    assertError(get("/storage/v1/b/raw-bucket/iam", null), 404, "notFound");
    assertError(send(request("/storage/v1/b/raw-bucket").method("PATCH", HttpRequest.BodyPublishers.noBody())),
        501, "notImplemented");

    Loopback.mediaUpload(emulator, BUCKET, "kept.txt", new byte[] {1});
    assertError(post("/upload/storage/v1/b/raw-bucket/o?uploadType=media&name=kept.txt&ifGenerationMatch=0", "x"),
        412, "conditionNotMet");
    assertError(send(request("/storage/v1/b/raw-bucket").DELETE()), 409, "conflict");
  }

  @Test
  void resumableUploadByHand() throws Exception {
    HttpResponse<String> begin = send(request("/upload/storage/v1/b/raw-bucket/o?uploadType=resumable")
        .header("Content-Type", "application/json")
        .header("X-Upload-Content-Type", "text/plain")
        .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"resumed.txt\",\"metadata\":{\"k\":\"v\"}}")));
    assertThat(begin.statusCode()).isEqualTo(200);
    URI session = URI.create(begin.headers().firstValue("Location").orElseThrow());

    HttpResponse<String> first = put(session, "bytes 0-4/*", "hello");
    assertThat(first.statusCode()).isEqualTo(308);
    assertThat(first.headers().firstValue("Range")).hasValue("bytes=0-4");
    HttpResponse<String> status = put(session, "bytes */*", "");
    assertThat(status.statusCode()).isEqualTo(308);
    assertThat(status.headers().firstValue("Range")).hasValue("bytes=0-4");
    HttpResponse<String> overlapping = put(session, "bytes 3-7/*", "lo, w"); // a resent chunk, partly persisted
    assertThat(overlapping.headers().firstValue("Range")).hasValue("bytes=0-7");
    assertError(put(session, "bytes 9-10/*", "xx"), 400, "invalid"); // a gap
    HttpResponse<String> last = put(session, "bytes 8-11/12", "orld");

    assertThat(last.statusCode()).isEqualTo(200);
    JsonNode object = Json.MAPPER.readTree(last.body());
    assertThat(object.path("size").asText()).isEqualTo("12");
    assertThat(object.path("contentType").asText()).isEqualTo("text/plain");
    assertThat(object.path("metadata").path("k").asText()).isEqualTo("v");
    assertThat(get("/storage/v1/b/raw-bucket/o/resumed.txt?alt=media", null).body()).isEqualTo("hello, world");
    assertError(put(session, "bytes */12", ""), 404, "notFound"); // the session ended
  }

  @Test
  void objectsLargerThanTheLimitAreRefused() throws Exception {
    emulator.close();
    emulator = GcsEmulator.start(GcsEmulator.Settings.of("127.0.0.1", 0, root.resolve("data")).withMaxObjectSize(10));

    assertError(Loopback.mediaUpload(emulator, BUCKET, "big.bin", new byte[11]), 413, "uploadTooLarge");
    assertError(send(request("/upload/storage/v1/b/raw-bucket/o?uploadType=resumable&name=big.bin")
        .header("X-Upload-Content-Length", "11").POST(HttpRequest.BodyPublishers.noBody())), 413, "uploadTooLarge");
    assertThat(Loopback.mediaUpload(emulator, BUCKET, "small.bin", new byte[10]).statusCode()).isEqualTo(200);
    try (Stream<Path> staged = Files.list(root.resolve("data/.staging"))) {
      assertThat(staged).isEmpty();
    }
  }

  @Test
  void objectNamesCannotEscapeTheRoot() throws Exception {
    String name = "../../../escape.txt";

    assertThat(Loopback.mediaUpload(emulator, BUCKET, name, new byte[] {42}).statusCode()).isEqualTo(200);

    assertThat(get("/storage/v1/b/raw-bucket/o/" + StoredObject.urlEncode(name) + "?alt=media", null).body())
        .isEqualTo("*");
    try (Stream<Path> all = Files.walk(root)) {
      List<Path> files = all.filter(Files::isRegularFile).toList();
      assertThat(files).allSatisfy(file -> assertThat(file).startsWith(root.resolve("data")));
      assertThat(files).noneMatch(file -> file.getFileName().toString().contains("escape"));
    }
    assertError(Loopback.mediaUpload(emulator, BUCKET, "..", new byte[] {1}), 400, "invalid");
  }

  @Test
  void objectsSurviveARestartOnTheSameRoot() throws Exception {
    JsonNode written = Json.MAPPER.readTree(
        Loopback.mediaUpload(emulator, BUCKET, "kept/across/restarts.txt", "still here".getBytes()).body());
    emulator.close();

    emulator = GcsEmulator.start("127.0.0.1", 0, root.resolve("data"));
    emulator.createBucket(BUCKET); // already there: a no-op

    assertThat(get("/storage/v1/b/raw-bucket/o/kept%2Facross%2Frestarts.txt?alt=media", null).body())
        .isEqualTo("still here");
    JsonNode read = Json.MAPPER.readTree(get("/storage/v1/b/raw-bucket/o/kept%2Facross%2Frestarts.txt", null).body());
    assertThat(read.path("generation")).isEqualTo(written.path("generation"));
    assertThat(read.path("crc32c")).isEqualTo(written.path("crc32c"));
    JsonNode rewritten = Json.MAPPER.readTree(
        Loopback.mediaUpload(emulator, BUCKET, "kept/across/restarts.txt", "new".getBytes()).body());
    assertThat(rewritten.path("generation").asLong()).isGreaterThan(written.path("generation").asLong());
  }

  @Test
  void closeStopsEveryThread() throws Exception {
    emulator.close();
    long serverThreadsBefore = liveNonDaemonServerThreads();
    emulator = GcsEmulator.start("127.0.0.1", 0, root.resolve("data"));
    Loopback.mediaUpload(emulator, BUCKET, "x.txt", new byte[] {1});

    emulator.close();

    assertThat(Thread.getAllStackTraces().keySet())
        .noneMatch(thread -> thread.getName().startsWith("gcs-emulator") && thread.isAlive());
    assertThat(liveNonDaemonServerThreads()).isEqualTo(serverThreadsBefore);
  }

  /** The JDK HTTP server's dispatcher is the one thread of the emulator that is not a daemon. */
  private static long liveNonDaemonServerThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(thread -> thread.isAlive() && !thread.isDaemon() && thread.getName().startsWith("HTTP-Dispatcher"))
        .count();
  }

  private HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create(emulator.url() + path));
  }

  private HttpResponse<String> get(String path, String range) throws Exception {
    HttpRequest.Builder request = request(path).GET();
    if (range != null) {
      request.header("Range", range);
    }
    return send(request);
  }

  private HttpResponse<String> post(String path, String body) throws Exception {
    return send(request(path).POST(HttpRequest.BodyPublishers.ofString(body)));
  }

  private static HttpResponse<String> put(URI session, String contentRange, String body) throws Exception {
    return send(HttpRequest.newBuilder(session).header("Content-Range", contentRange)
        .PUT(HttpRequest.BodyPublishers.ofString(body)));
  }

  private static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return Loopback.send(request);
  }

  private static void assertError(HttpResponse<String> response, int code, String reason) throws IOException {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(code);
    assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
        type -> assertThat(type).startsWith("application/json"));
    JsonNode error = Json.MAPPER.readTree(response.body()).path("error");
    assertThat(error.path("code").asInt()).isEqualTo(code);
    assertThat(error.path("message").asText()).isNotEmpty();
    assertThat(error.path("errors").get(0).path("reason").asText()).isEqualTo(reason);
    assertThat(error.path("errors").get(0).path("message").asText()).isEqualTo(error.path("message").asText());
  }
}
