package dev.shopstream.local;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.shopstream.contract.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The local stack's own read-only status, as JSON: {@code GET /status} answers what {@link LocalStack#status()}
 * reports (each subscription's backlog, the warehouse's rows per table, the pipeline's runner); {@code GET /health}
 * is 200 {@code {"healthy": true}} or 503 {@code {"healthy": false, "reason": ...}} ({@link LocalStack#health()}),
 * what the functions' {@code READINESS_URL} asks. Bound to the stack's
 * host (127.0.0.1 by default); every other path is 404, every other method 405, each with a JSON error.
 */
final class StatusServer implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(StatusServer.class.getName());

  private final HttpServer server;

  private StatusServer(HttpServer server) {
    this.server = server;
  }

  static StatusServer start(String host, int port, Supplier<ObjectNode> status, Supplier<Optional<String>> health)
      throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 16);
    server.createContext("/", exchange -> {
      try (exchange) {
        String path = exchange.getRequestURI().getPath();
        if (!path.equals("/status") && !path.equals("/health")) {
          answer(exchange, 404, error("not_found", "the paths are /status and /health"));
        } else if (!exchange.getRequestMethod().equals("GET")) {
          exchange.getResponseHeaders().set("Allow", "GET");
          answer(exchange, 405, error("method_not_allowed", "use GET"));
        } else if (path.equals("/health")) {
          Optional<String> problem = health.get();
          answer(exchange, problem.isEmpty() ? 200 : 503, problem.isEmpty()
              ? Json.MAPPER.createObjectNode().put("healthy", true)
              : Json.MAPPER.createObjectNode().put("healthy", false).put("reason", problem.get()));
        } else {
          answer(exchange, 200, status.get());
        }
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "status request failed", e);
      }
    });
    // several threads: /health (asked by the functions every second) never queues behind a slow /status
    server.setExecutor(Executors.newFixedThreadPool(4, r -> {
      Thread t = new Thread(r, "status-server");
      t.setDaemon(true);
      return t;
    }));
    server.start();
    return new StatusServer(server);
  }

  int port() {
    return server.getAddress().getPort();
  }

  private static ObjectNode error(String code, String message) {
    return Json.MAPPER.createObjectNode().put("error", code).put("message", message);
  }

  private static void answer(HttpExchange exchange, int status, ObjectNode body) throws IOException {
    byte[] bytes = Json.MAPPER.writeValueAsString(body).getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
