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

/** {@code READINESS_URL}: 200 is ready, 503 says why not, kept for a second, unreachable is ready (fail-open). */
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

  @Test
  void readyOn200NotReadyOn503WithTheReasonKeptForASecondAndReadyWhenUnreachable() throws Exception {
    AtomicInteger status = new AtomicInteger(200);
    AtomicInteger asked = new AtomicInteger();
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/health", exchange -> {
      asked.incrementAndGet();
      byte[] body = (status.get() == 200 ? "{\"healthy\":true}" : "{\"healthy\":false,\"reason\":\"pipeline FAILED\"}")
          .getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(status.get(), body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    server.start();
    MovingClock clock = new MovingClock();
    URI url = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/health");
    Readiness readiness = Readiness.overHttp(url, HttpClient.newHttpClient(), clock);
    try {
      assertThat(readiness.problem()).isEmpty();
      status.set(503);
      assertThat(readiness.problem()).as("kept for a second").isEmpty();
      assertThat(asked.get()).isEqualTo(1);
      clock.now = clock.now.plus(Duration.ofMillis(1001));
      assertThat(readiness.problem()).contains("pipeline FAILED");
      status.set(200);
      clock.now = clock.now.plus(Duration.ofSeconds(2));
      assertThat(readiness.problem()).isEmpty();
    } finally {
      server.stop(0);
    }
    clock.now = clock.now.plus(Duration.ofSeconds(2));
    assertThat(readiness.problem()).as("unreachable: fail-open").isEqualTo(Optional.empty());
  }

  @Test
  void withoutTheSettingAFunctionIsAlwaysReady() {
    assertThat(Readiness.from(new Settings(name -> null)).problem()).isEmpty();
  }
}
