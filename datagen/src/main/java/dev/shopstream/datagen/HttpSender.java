package dev.shopstream.datagen;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shopstream.contract.Json;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/**
 * Posts events to the ingest function as NDJSON batches at a target rate. A 503 (or 429, 502, 504, or a connection
 * failure) is retried, the whole batch, after the server's {@code Retry-After} (or an exponential backoff), at most
 * {@code maxRetries} times; the ingest function deduplicates by event_id, so resending acknowledged events is safe.
 * A 401, 403, 404, 405, 413 or 415 stops the run: every further batch would fail the same way.
 */
final class HttpSender {
  /** Counts of a run: every event sent is accepted, rejected (invalid) or failed (never acknowledged). */
  record Summary(long sent, long accepted, long rejected, long failed, long retried, long batches, double seconds) {
    ObjectNode toJson() {
      ObjectNode o = Json.MAPPER.createObjectNode();
      o.put("sent", sent);
      o.put("accepted", accepted);
      o.put("rejected", rejected);
      o.put("failed", failed);
      o.put("retried", retried);
      o.put("batches", batches);
      o.put("seconds", Math.round(seconds * 10) / 10.0);
      o.put("events_per_second", seconds > 0 ? Math.round(sent / seconds) : 0);
      return o;
    }
  }

  /** A response that makes every further batch pointless (bad URL, key, size or format). */
  static final class FatalResponseException extends IOException {
    FatalResponseException(String message) {
      super(message);
    }
  }

  private static final Duration MAX_WAIT = Duration.ofSeconds(60);

  private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private final URI url;
  private final int batchSize;
  private final double rate;
  private final int maxRetries;
  private final String apiKey;
  private final PrintStream progress;
  private final Duration progressEvery;
  private final List<String> batch = new ArrayList<>();
  private long started;
  private long lastProgress;
  private long sent;
  private long accepted;
  private long rejected;
  private long failed;
  private long retried;
  private long batches;

  /**
   * @param rate events per second; 0 sends as fast as the server answers
   * @param apiKey sent as {@code X-Api-Key} when not null
   */
  HttpSender(URI url, int batchSize, double rate, int maxRetries, String apiKey, PrintStream progress,
      Duration progressEvery) {
    this.url = url;
    this.batchSize = batchSize;
    this.rate = rate;
    this.maxRetries = maxRetries;
    this.apiKey = apiKey;
    this.progress = progress;
    this.progressEvery = progressEvery;
  }

  /** Queues one NDJSON line; sends a batch when it is full. */
  void add(String line) throws IOException, InterruptedException {
    if (started == 0) {
      started = System.nanoTime();
      lastProgress = started;
    }
    batch.add(line);
    if (batch.size() >= batchSize) {
      flush();
    }
  }

  /** Sends what is queued and returns the counts. */
  Summary finish() throws IOException, InterruptedException {
    if (started == 0) {
      started = System.nanoTime();
    }
    flush();
    return summary();
  }

  Summary summary() {
    return new Summary(sent, accepted, rejected, failed, retried, batches, (System.nanoTime() - started) / 1e9);
  }

  private void flush() throws IOException, InterruptedException {
    if (batch.isEmpty()) {
      return;
    }
    if (rate > 0) { // pace: the events before this batch should have taken sent / rate seconds
      long due = started + (long) (sent / rate * 1e9);
      long wait = due - System.nanoTime();
      if (wait > 0) {
        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
      }
    }
    String body = String.join("\n", batch) + "\n";
    int n = batch.size();
    batch.clear();
    sent += n;
    batches++;
    send(body, n);
    long now = System.nanoTime();
    if (progress != null && now - lastProgress >= progressEvery.toNanos()) {
      lastProgress = now;
      Summary s = summary();
      progress.printf("sent=%d accepted=%d rejected=%d failed=%d retried=%d (%.0f events/s)%n", s.sent(),
          s.accepted(), s.rejected(), s.failed(), s.retried(), s.sent() / Math.max(1e-9, s.seconds()));
    }
  }

  private void send(String body, int n) throws IOException, InterruptedException {
    HttpRequest.Builder request = HttpRequest.newBuilder(url)
        .timeout(Duration.ofSeconds(60))
        .header("Content-Type", "application/x-ndjson")
        .POST(HttpRequest.BodyPublishers.ofString(body));
    if (apiKey != null) {
      request.header("X-Api-Key", apiKey);
    }
    for (int attempt = 0; ; attempt++) {
      HttpResponse<String> response;
      try {
        response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
      } catch (IOException e) {
        if (attempt < maxRetries) {
          retried++;
          Thread.sleep(backoff(attempt).toMillis());
          continue;
        }
        failed += n;
        warn("giving up on a batch of " + n + " after " + attempt + " retries: " + e);
        return;
      }
      int status = response.statusCode();
      JsonNode reply = parse(response.body());
      if (status == 200 || status == 202) {
        long bad = reply.path("rejected").size();
        rejected += bad;
        accepted += reply.has("accepted") ? reply.get("accepted").asLong() : n - bad;
        return;
      }
      if (status == 400 && reply.has("rejected")) { // every event of the batch was invalid
        rejected += reply.get("rejected").size();
        accepted += reply.path("accepted").asLong(0);
        return;
      }
      if (status == 503 || status == 429 || status == 502 || status == 504) {
        if (attempt < maxRetries) {
          retried++;
          Thread.sleep(retryAfter(response, attempt).toMillis());
          continue;
        }
        failed += n;
        warn("giving up on a batch of " + n + " after " + attempt + " retries: HTTP " + status);
        return;
      }
      String message = "HTTP " + status + " from " + url + ": " + abbreviate(response.body());
      if (List.of(401, 403, 404, 405, 413, 415).contains(status)) {
        failed += n;
        throw new FatalResponseException(message);
      }
      failed += n;
      warn(message);
      return;
    }
  }

  private static JsonNode parse(String body) {
    try {
      JsonNode node = Json.MAPPER.readTree(body); // trusted JSON: our ingest answer
      return node == null ? Json.MAPPER.createObjectNode() : node;
    } catch (IOException e) {
      return Json.MAPPER.createObjectNode();
    }
  }

  /** The server's Retry-After (seconds or an HTTP date), else the backoff; never more than a minute. */
  static Duration retryAfter(HttpResponse<?> response, int attempt) {
    String value = response.headers().firstValue("Retry-After").orElse(null);
    if (value != null) {
      try {
        return min(Duration.ofSeconds(Math.max(0, Long.parseLong(value.trim()))));
      } catch (NumberFormatException e) {
        try {
          Duration d = Duration.between(java.time.Instant.now(),
              ZonedDateTime.parse(value.trim(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
          return min(d.isNegative() ? Duration.ZERO : d);
        } catch (RuntimeException ignored) {
          // fall through to the backoff
        }
      }
    }
    return backoff(attempt);
  }

  private static Duration backoff(int attempt) {
    return min(Duration.ofMillis(500L << Math.min(attempt, 10)));
  }

  private static Duration min(Duration d) {
    return d.compareTo(MAX_WAIT) > 0 ? MAX_WAIT : d;
  }

  private void warn(String message) {
    if (progress != null) {
      progress.println("warning: " + message);
    }
  }

  private static String abbreviate(String s) {
    return s.length() <= 300 ? s : s.substring(0, 300) + "...";
  }
}
