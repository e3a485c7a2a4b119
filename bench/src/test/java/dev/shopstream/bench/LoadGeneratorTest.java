package dev.shopstream.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The load generator counts what it sent and what came back exactly; latencies are one per completed request. */
class LoadGeneratorTest {
  private HttpServer server;
  private final AtomicLong received = new AtomicLong();

  @BeforeEach
  void startServer() throws Exception {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setExecutor(Executors.newFixedThreadPool(4));
    // every tenth request (by the seq in its query) fails with 500
    server.createContext("/", exchange -> {
      received.incrementAndGet();
      long seq = Long.parseLong(exchange.getRequestURI().getQuery().substring("seq=".length()));
      byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(seq % 10 == 0 ? 500 : 200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    server.start();
  }

  @AfterEach
  void stopServer() {
    server.stop(0);
  }

  private LoadGenerator.Requests requests() {
    URI base = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
    return seq -> HttpRequest.newBuilder(base.resolve("/x?seq=" + seq)).GET().build();
  }

  @Test
  void openLoopSendsRateTimesDurationAndCountsEveryAnswer() {
    LoadGenerator.Result r = new LoadGenerator(8, Duration.ofSeconds(10))
        .fixedRate("t", requests(), 200, Duration.ofMillis(500));

    assertThat(r.requests()).isEqualTo(100);
    assertThat(received.get()).isEqualTo(100);
    assertThat(r.statuses()).isEqualTo(Map.of(200, 90L, 500, 10L));
    assertThat(r.ok()).isEqualTo(90);
    assertThat(r.failed()).isEqualTo(10);
    assertThat(r.unfinished()).isZero();
    assertThat(r.latencyMicros().getTotalCount()).isEqualTo(100);
    assertThat(r.seconds()).isPositive();
  }

  @Test
  void closedLoopCountsMatchWhatTheServerReceived() {
    LoadGenerator.Result r = new LoadGenerator().closedLoop("t", requests(), 3, Duration.ofMillis(300));

    assertThat(r.requests()).isPositive().isEqualTo(received.get());
    assertThat(r.ok() + r.failed()).isEqualTo(r.requests());
    assertThat(r.latencyMicros().getTotalCount()).isEqualTo(r.requests());
    // seq 0, 10, 20, ... failed: one in ten of 0..n-1, rounded up
    assertThat(r.failed()).isEqualTo((r.requests() + 9) / 10);
  }

  @Test
  void slicedRunsAddUp() {
    LoadGenerator load = new LoadGenerator();
    LoadGenerator.Result a = load.closedLoop("a", requests(), 2, Duration.ofMillis(200));
    LoadGenerator.Result b = load.closedLoop("b", requests(), 2, Duration.ofMillis(200));

    LoadGenerator.Result sum = LoadGenerator.Result.sum("a+b", java.util.List.of(a, b));

    assertThat(sum.requests()).isEqualTo(a.requests() + b.requests()).isEqualTo(received.get());
    assertThat(sum.ok() + sum.failed()).isEqualTo(sum.requests());
    assertThat(sum.statuses().values().stream().mapToLong(Long::longValue).sum()).isEqualTo(sum.requests());
    assertThat(sum.latencyMicros().getTotalCount()).isEqualTo(sum.requests());
    assertThat(sum.seconds()).isEqualTo(a.seconds() + b.seconds());
  }

  @Test
  void aConcurrentWarmUpSendsExactlyTheCount() {
    new LoadGenerator().warmUp(requests(), 257, 4);

    assertThat(received.get()).isEqualTo(257);
  }

  @Test
  void aRefusedConnectionIsAFailureNotAnAnswer() throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    URI nowhere = URI.create("http://127.0.0.1:" + closedPort + "/");
    LoadGenerator.Result r = new LoadGenerator(2, Duration.ofSeconds(10))
        .fixedRate("t", seq -> HttpRequest.newBuilder(nowhere).GET().build(), 20, Duration.ofMillis(250));

    assertThat(r.requests()).isEqualTo(5);
    assertThat(r.statuses()).isEqualTo(Map.of(-1, 5L));
    assertThat(r.ok()).isZero();
  }
}
