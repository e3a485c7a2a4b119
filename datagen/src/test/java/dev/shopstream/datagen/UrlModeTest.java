package dev.shopstream.datagen;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.shopstream.contract.EventCodec;
import dev.shopstream.contract.Json;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** URL mode against a tiny ingest stand-in that validates like the real one and answers 202 / 400 / 503. */
class UrlModeTest {
  private HttpServer server;
  private final AtomicInteger requests = new AtomicInteger();
  private final List<Long> requestTimes = Collections.synchronizedList(new ArrayList<>());
  private final Set<String> receivedIds = Collections.synchronizedSet(new HashSet<>());
  private final List<String> contentTypes = Collections.synchronizedList(new ArrayList<>());
  /** 1-based number of the request to answer 503 (once); 0 for never. */
  private volatile int unavailableAt;
  private volatile int fixedStatus;
  private final EventCodec codec = new EventCodec(Clock.systemUTC());

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", this::handle);
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/";
  }

  private void handle(HttpExchange exchange) throws IOException {
    int n = requests.incrementAndGet();
    requestTimes.add(System.nanoTime());
    contentTypes.add(exchange.getRequestHeaders().getFirst("Content-Type"));
    String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    if (fixedStatus != 0) {
      reply(exchange, fixedStatus, "{\"error\":\"unauthorized\"}");
      return;
    }
    if (n == unavailableAt) {
      exchange.getResponseHeaders().add("Retry-After", "1");
      reply(exchange, 503, "{\"error\":\"publish_failed\"}");
      return;
    }
    ObjectNode reply = Json.MAPPER.createObjectNode();
    ArrayNode ids = Json.MAPPER.createArrayNode();
    ArrayNode rejected = Json.MAPPER.createArrayNode();
    List<String> lines = body.lines().filter(l -> !l.isBlank()).toList();
    for (int i = 0; i < lines.size(); i++) {
      EventCodec.Decoded d = codec.decode(lines.get(i));
      if (d.isValid()) {
        ids.add(d.event().eventId());
        receivedIds.add(d.event().eventId());
      } else {
        rejected.addObject().put("index", i);
      }
    }
    reply.put("accepted", ids.size());
    reply.set("event_ids", ids);
    reply.set("rejected", rejected);
    reply(exchange, ids.isEmpty() ? 400 : 202, reply.toString());
  }

  private static void reply(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
    exchange.close();
  }

  @Test
  void sendsBatchesAndRetriesA503AfterRetryAfter() throws IOException {
    unavailableAt = 2;

    GenerateCommandTest.Run run = GenerateCommandTest.main("generate", "--to-url", url(), "--events", "250",
        "--batch", "100", "--rate", "0", "--seed", "8");

    assertThat(run.status()).as(run.err()).isZero();
    JsonNode s = run.summary();
    assertThat(s.get("sent").asLong()).isEqualTo(250);
    assertThat(s.get("accepted").asLong()).isEqualTo(250);
    assertThat(s.get("rejected").asLong()).isZero();
    assertThat(s.get("failed").asLong()).isZero();
    assertThat(s.get("retried").asLong()).isEqualTo(1);
    assertThat(s.get("batches").asLong()).isEqualTo(3);
    assertThat(requests.get()).isEqualTo(4);
    assertThat(receivedIds).hasSize(250);
    assertThat(contentTypes).containsOnly("application/x-ndjson");
    assertThat(requestTimes.get(2) - requestTimes.get(1)).as("waited Retry-After").isGreaterThanOrEqualTo(900_000_000L);
    assertThat(run.err()).contains("done: sent=250 accepted=250 rejected=0 failed=0 retried=1");
  }

  @Test
  void malformedRowsComeBackRejected() throws IOException {
    GenerateCommandTest.Run run = GenerateCommandTest.main("generate", "--to-url", url(), "--events", "1000",
        "--batch", "50", "--rate", "0", "--seed", "3", "--bad-rate", "0.1");

    assertThat(run.status()).as(run.err()).isZero();
    JsonNode s = run.summary();
    long bad = s.get("malformed_injected").asLong();
    assertThat(bad).isBetween(50L, 150L);
    assertThat(s.get("rejected").asLong()).isEqualTo(bad);
    assertThat(s.get("accepted").asLong()).isEqualTo(1000 - bad);
    assertThat(s.get("retried").asLong()).isZero();
  }

  @Test
  void pacesToTheRate() throws IOException {
    long begin = System.nanoTime();
    GenerateCommandTest.Run run = GenerateCommandTest.main("generate", "--to-url", url(), "--events", "500",
        "--batch", "100", "--rate", "500", "--seed", "4");

    assertThat(run.status()).as(run.err()).isZero();
    assertThat(run.summary().get("accepted").asLong()).isEqualTo(500);
    // five batches of 100 at 500 events/s: the last leaves 0.8 s after the first
    assertThat(System.nanoTime() - begin).isGreaterThan(750_000_000L);
  }

  @Test
  void durationSetsTheEventCount() throws IOException {
    GenerateCommandTest.Run run = GenerateCommandTest.main("generate", "--to-url", url(), "--duration", "1s",
        "--rate", "300", "--batch", "100", "--seed", "4");

    assertThat(run.status()).as(run.err()).isZero();
    assertThat(run.summary().get("sent").asLong()).isEqualTo(300);
  }

  @Test
  void anUnauthorizedServerStopsTheRun() throws IOException {
    fixedStatus = 401;

    GenerateCommandTest.Run run = GenerateCommandTest.main("generate", "--to-url", url(), "--events", "500",
        "--batch", "100", "--rate", "0");

    assertThat(run.status()).isEqualTo(1);
    assertThat(requests.get()).isEqualTo(1);
    assertThat(run.err()).contains("HTTP 401");
    assertThat(run.summary().get("failed").asLong()).isEqualTo(100);
  }

  @Test
  void anUnreachableServerFailsAfterTheRetries() throws IOException {
    server.stop(0);

    GenerateCommandTest.Run run = GenerateCommandTest.main("generate", "--to-url", url(), "--events", "10",
        "--batch", "10", "--rate", "0", "--max-retries", "1");

    assertThat(run.status()).isEqualTo(1);
    JsonNode s = run.summary();
    assertThat(s.get("failed").asLong()).isEqualTo(10);
    assertThat(s.get("retried").asLong()).isEqualTo(1);
  }
}
