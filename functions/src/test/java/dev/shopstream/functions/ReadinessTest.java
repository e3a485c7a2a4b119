package dev.shopstream.functions;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * {@code READINESS_URL}: 200 is ready, 503 says why not, renewed every second in the background (never by a request);
 * before any answer ready (fail-open), afterwards an unreachable URL keeps the last verdict.
 */
class ReadinessTest {
  /** A clock the test moves. */
  static final class MovingClock extends Clock {
    Instant now = Instant.parse("2026-11-20T12:00:00Z");

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  /** Calls {@code problem()} until it equals {@code expected} (the check behind it is asynchronous), up to 5 s. */
  private static Optional<String> awaitVerdict(Readiness readiness, Optional<String> expected) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    Optional<String> now = readiness.problem();
    while (!now.equals(expected) && System.nanoTime() < deadline) {
      Thread.sleep(20);
      now = readiness.problem();
    }
    return now;
  }

  private static HttpServer health(AtomicInteger status, AtomicInteger asked, AtomicInteger delayMillis)
      throws Exception {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
    server.createContext("/health", exchange -> {
      asked.incrementAndGet();
      try {
        Thread.sleep(delayMillis.get());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      byte[] body = (status.get() == 200 ? "{\"healthy\":true}" : "{\"healthy\":false,\"reason\":\"pipeline FAILED\"}")
          .getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(status.get(), body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    server.start();
    return server;
  }

  @Test
  void readyOn200NotReadyOn503WithTheReasonKeptForASecondAndTheLastVerdictWhenUnreachable() throws Exception {
    AtomicInteger status = new AtomicInteger(200);
    AtomicInteger asked = new AtomicInteger();
    HttpServer server = health(status, asked, new AtomicInteger());
    MovingClock clock = new MovingClock();
    URI url = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/health");
    Readiness readiness = Readiness.overHttp(url, HttpClient.newHttpClient(), clock);
    try {
      assertThat(readiness.problem()).isEmpty();
      status.set(503);
      assertThat(awaitVerdict(readiness, Optional.of("pipeline FAILED"))).contains("pipeline FAILED");
      int before = asked.get();
      for (int i = 0; i < 200; i++) { // requests do not ask: the background renewal does, once a second
        readiness.problem();
      }
      Thread.sleep(2_500);
      assertThat(asked.get() - before).as("checks in 2.5 s, whatever the requests").isBetween(1, 4);
    } finally {
      server.stop(0);
    }
    Thread.sleep(2_500); // renewals against a stopped server fail
    assertThat(readiness.problem()).as("unreachable after a 503: still not ready, no flapping")
        .contains("pipeline FAILED");
  }

  @Test
  void recoversWhenTheStackIsReadyAgain() throws Exception {
    AtomicInteger status = new AtomicInteger(503);
    HttpServer server = health(status, new AtomicInteger(), new AtomicInteger());
    MovingClock clock = new MovingClock();
    Readiness readiness = Readiness.overHttp(
        URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/health"), HttpClient.newHttpClient(), clock);
    try {
      assertThat(readiness.problem()).contains("pipeline FAILED");
      status.set(200);
      assertThat(awaitVerdict(readiness, Optional.empty())).isEmpty();
    } finally {
      server.stop(0);
    }
  }

  @Test
  void aSlowHealthCheckNeverHoldsARequest() throws Exception {
    AtomicInteger status = new AtomicInteger(200);
    AtomicInteger delay = new AtomicInteger();
    HttpServer server = health(status, new AtomicInteger(), delay);
    MovingClock clock = new MovingClock();
    Readiness readiness = Readiness.overHttp(
        URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/health"), HttpClient.newHttpClient(), clock);
    try {
      assertThat(readiness.problem()).isEmpty();
      delay.set(3_000); // longer than the check's timeout
      for (int i = 0; i < 20; i++) {
        Thread.sleep(150); // 3 s in all: several renewals start and time out meanwhile
        long started = System.nanoTime();
        assertThat(readiness.problem()).isEmpty();
        assertThat(Duration.ofNanos(System.nanoTime() - started)).as("request %d waited", i)
            .isLessThan(Duration.ofMillis(200));
      }
    } finally {
      server.stop(0);
    }
  }

  @Test
  void withoutTheSettingAFunctionIsAlwaysReady() {
    assertThat(Readiness.from(new Settings(name -> null)).problem()).isEmpty();
  }
}
