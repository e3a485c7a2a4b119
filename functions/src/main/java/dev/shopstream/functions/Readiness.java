package dev.shopstream.functions;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shopstream.contract.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * Whether what lies behind a function (the pipeline that turns published events into the warehouse) is working.
 * {@link #problem()} is empty while it is, else says why. Functions consult it: ingest answers 503 with
 * {@code Retry-After} instead of accepting events into a dead end, serving marks its answers stale.
 *
 * <p>{@code READINESS_URL} (the local stack sets its {@code /health}) gives {@link #overHttp}: 200 is ready, 503
 * is not (the JSON body's {@code reason} says why); the answer is kept for a second. When the URL cannot be reached
 * or answers anything else the function keeps working (fail-open) and logs it once: a monitoring outage must not stop
 * ingestion. Unset (the cloud), the function is always ready.
 */
public interface Readiness {
  /** Empty when ready; else the reason. */
  Optional<String> problem();

  static Readiness always() {
    return Optional::empty;
  }

  static Readiness from(Settings settings) {
    return settings.optional("READINESS_URL").<Readiness>map(url -> overHttp(URI.create(url),
        HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build(), Clock.systemUTC()))
        .orElseGet(Readiness::always);
  }

  /** Asks {@code url} at most once a second (the answer is cached), with a one-second timeout. */
  static Readiness overHttp(URI url, HttpClient client, Clock clock) {
    return new HttpReadiness(url, client, clock);
  }

  /** {@link Readiness#overHttp}. */
  final class HttpReadiness implements Readiness {
    private static final Logger LOG = Logger.getLogger(Readiness.class.getName());
    static final Duration KEEP = Duration.ofSeconds(1);

    private final URI url;
    private final HttpClient client;
    private final Clock clock;
    private Instant checkedAt;
    private Optional<String> last = Optional.empty();
    private boolean unreachable;

    HttpReadiness(URI url, HttpClient client, Clock clock) {
      this.url = Objects.requireNonNull(url, "url");
      this.client = Objects.requireNonNull(client, "client");
      this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public synchronized Optional<String> problem() {
      Instant now = clock.instant();
      if (checkedAt != null && now.isBefore(checkedAt.plus(KEEP))) {
        return last;
      }
      checkedAt = now;
      last = ask();
      return last;
    }

    private Optional<String> ask() {
      try {
        HttpResponse<byte[]> answer = client.send(HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(1)).GET()
            .build(), HttpResponse.BodyHandlers.ofByteArray());
        unreachable = false;
        if (answer.statusCode() == 200) {
          return Optional.empty();
        }
        if (answer.statusCode() == 503) {
          String reason = "not ready";
          try {
            JsonNode body = Json.MAPPER.readTree(answer.body());
            reason = body == null ? reason : body.path("reason").asText(reason);
          } catch (IOException e) {
            // the status alone says it
          }
          return Optional.of(reason);
        }
        LOG.warning("readiness " + url + " answered " + answer.statusCode() + "; serving as ready");
        return Optional.empty();
      } catch (IOException e) {
        if (!unreachable) {
          LOG.warning("readiness " + url + " cannot be reached (" + e + "); serving as ready until it can");
        }
        unreachable = true;
        return Optional.empty();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return Optional.empty();
      }
    }
  }
}
