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
 * is not (the JSON body's {@code reason} says why); the answer is renewed every second in the background, so no request
 * waits for it. Until the URL first answers the function keeps working (fail-open); when it later
 * cannot be reached or answers anything else, the last verdict stands and it is logged once. Unset (the cloud), the
 * function is always ready.
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

  /**
   * {@link Readiness#overHttp}. A request never waits for the check (except the very first one, at most the
   * one-second timeout): {@link #problem} returns the last verdict, which a background thread renews every
   * {@link #KEEP}. A check that fails (unreachable, timed out, an unexpected status) keeps the last verdict, so a
   * stack that was not ready stays refused rather than flapping to ready; before any answer the function is ready
   * (fail-open).
   */
  final class HttpReadiness implements Readiness {
    private static final Logger LOG = Logger.getLogger(Readiness.class.getName());
    static final Duration KEEP = Duration.ofSeconds(1);
    private static final Duration TIMEOUT = Duration.ofSeconds(1);

    private record Verdict(Optional<String> problem, Instant at) {}

    private final URI url;
    private final HttpClient client;
    private final Clock clock;
    private final Object firstCheck = new Object();
    private volatile Verdict verdict;
    private volatile boolean unreachable;

    HttpReadiness(URI url, HttpClient client, Clock clock) {
      this.url = Objects.requireNonNull(url, "url");
      this.client = Objects.requireNonNull(client, "client");
      this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public Optional<String> problem() {
      Verdict v = verdict;
      if (v != null) {
        return v.problem();
      }
      synchronized (firstCheck) { // the first requests wait for one answer (bounded by the timeout), once
        if (verdict == null) {
          verdict = new Verdict(judge(send().join(), Optional.empty()), clock.instant());
          java.util.concurrent.ScheduledExecutorService renew =
              java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "readiness");
                t.setDaemon(true);
                return t;
              });
          renew.scheduleWithFixedDelay(this::renew, KEEP.toMillis(), KEEP.toMillis(),
              java.util.concurrent.TimeUnit.MILLISECONDS);
        }
        return verdict.problem();
      }
    }

    private void renew() {
      try {
        verdict = new Verdict(judge(send().join(), verdict.problem()), clock.instant());
      } catch (RuntimeException e) { // never let the renewal die
        LOG.warning("readiness check failed: " + e + "; keeping the last verdict");
      }
    }

    /** The answer, or null when there is none (unreachable, timed out, interrupted). */
    private java.util.concurrent.CompletableFuture<HttpResponse<byte[]>> send() {
      try {
        return client.sendAsync(HttpRequest.newBuilder(url).timeout(TIMEOUT).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray())
            .exceptionally(e -> {
              if (!unreachable) {
                LOG.warning("readiness " + url + " cannot be reached (" + e + "); keeping the last verdict");
              }
              unreachable = true;
              return null;
            });
      } catch (RuntimeException e) {
        return java.util.concurrent.CompletableFuture.completedFuture(null);
      }
    }

    /** The verdict of {@code answer}; {@code before} when there is no usable answer. */
    private Optional<String> judge(HttpResponse<byte[]> answer, Optional<String> before) {
      if (answer == null) {
        return before;
      }
      unreachable = false;
      if (answer.statusCode() == 200) {
        return Optional.empty();
      }
      if (answer.statusCode() == 503) {
        String reason = "not ready";
        try {
          JsonNode body = Json.MAPPER.readTree(answer.body()); // trusted JSON: the stack's status
          reason = body == null ? reason : body.path("reason").asText(reason);
        } catch (IOException e) {
          // the status alone says it
        }
        return Optional.of(reason);
      }
      LOG.warning("readiness " + url + " answered " + answer.statusCode() + "; keeping the last verdict");
      return before;
    }
  }
}
