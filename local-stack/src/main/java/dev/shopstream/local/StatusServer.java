package dev.shopstream.local;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.shopstream.contract.Json;
import dev.shopstream.contract.UserActivityRow;
import dev.shopstream.contract.api.ErrorReply;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Pattern;

/**
 * The local stack's own read-only HTTP server: {@code GET /status} answers what {@link LocalStack#status()}
 * reports (each subscription's backlog, the warehouse's rows per table, the pipeline's counters); {@code GET /health}
 * is 200 {@code {"healthy": true}} or 503 {@code {"healthy": false, "reason": ...}} ({@link LocalStack#health()}),
 * what the functions' {@code READINESS_URL} asks (several threads: it never queues behind a slow request); the console, a
 * static page under {@code /console/} (from the jar's {@code console/} resources), and the JSON it reads under
 * {@code /api/}: {@link ConsoleApi}'s views of the warehouse, the bucket and the newest evaluation report (whose
 * files are served read-only under {@code /reports/}), and {@code /api/recommend/...}, which
 * forwards GETs to the recommend function unchanged (the page then calls one origin). Bound to the stack's host
 * (127.0.0.1 by default); every answer but the page's files is JSON; other paths 404, other methods 405.
 * Documented in docs/openapi.yaml.
 */
final class StatusServer implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(StatusServer.class.getName());
  static final String CONSOLE_PATH = "/console/";
  private static final Pattern RECOMMEND_PATHS =
      Pattern.compile("^/(recommendations|trending|products/[^/]+/(similar|bought-together))$");
  private static final Map<String, String> TYPES = Map.of(
      "html", "text/html; charset=utf-8", "js", "text/javascript; charset=utf-8", "css", "text/css; charset=utf-8",
      "svg", "image/svg+xml", "png", "image/png");
  /** The page runs only its own script and style and calls only this server: a payload can never run as script. */
  static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; "
      + "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

  /** An evaluation report is a static page: its inline style and data images, nothing else. */
  static final String REPORT_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
      + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

  private final HttpServer server;
  private final ExecutorService executor;

  private StatusServer(HttpServer server, ExecutorService executor) {
    this.server = server;
    this.executor = executor;
  }

  /** Only {@code /status}, and {@code /health} always healthy (no console). */
  static StatusServer start(String host, int port, Supplier<ObjectNode> status) throws IOException {
    return start(host, port, status, Optional::empty, null, null);
  }

  /** Only {@code /status} and {@code /health} (no console). */
  static StatusServer start(String host, int port, Supplier<ObjectNode> status, Supplier<Optional<String>> health)
      throws IOException {
    return start(host, port, status, health, null, null);
  }

  /**
   * @param health empty while the stack can take events, else why not
   * @param api the console's views, or null for none
   * @param recommendBase the recommend function's base URL (e.g. {@code http://127.0.0.1:8081}), or null
   */
  static StatusServer start(String host, int port, Supplier<ObjectNode> status, Supplier<Optional<String>> health,
      ConsoleApi api, String recommendBase) throws IOException {
    return start(host, port, status, health, api, recommendBase, null);
  }

  /** The same, with {@code /api/query} ({@link WarehouseQuery}) on connections from {@code queries} (or none). */
  static StatusServer start(String host, int port, Supplier<ObjectNode> status, Supplier<Optional<String>> health,
      ConsoleApi api, String recommendBase, WarehouseQuery.Connections queries) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 16);
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    AtomicInteger threads = new AtomicInteger();
    ExecutorService executor = Executors.newFixedThreadPool(4, r -> {
      Thread t = new Thread(r, "status-server-" + threads.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    server.createContext("/", exchange -> {
      try (exchange) {
        String path = exchange.getRequestURI().getPath();
        if (!exchange.getRequestMethod().equals("GET") && !exchange.getRequestMethod().equals("HEAD")) {
          exchange.getResponseHeaders().set("Allow", "GET");
          answer(exchange, 405, error("method_not_allowed", "use GET"));
        } else if (path.equals("/status")) {
          answer(exchange, 200, status.get());
        } else if (path.equals("/health")) {
          Optional<String> problem = health.get();
          answer(exchange, problem.isEmpty() ? 200 : 503, problem.isEmpty()
              ? Json.MAPPER.createObjectNode().put("healthy", true)
              : Json.MAPPER.createObjectNode().put("healthy", false).put("reason", problem.get()));
        } else if (api != null && (path.equals("/") || path.equals("/console"))) {
          exchange.getResponseHeaders().set("Location", CONSOLE_PATH);
          exchange.sendResponseHeaders(302, -1);
        } else if (api != null && path.startsWith(CONSOLE_PATH)) {
          file(exchange, path.substring(CONSOLE_PATH.length()));
        } else if (api != null && path.startsWith(QualityReports.PATH)) {
          report(exchange, api.reports(), path);
        } else if (api != null && path.startsWith("/api/recommend/") && recommendBase != null) {
          forward(client, exchange, recommendBase);
        } else if (queries != null && path.equals("/api/query")) {
          query(exchange, queries, query(exchange.getRequestURI().getRawQuery()));
        } else if (api != null && path.startsWith("/api/")) {
          api(exchange, api, path, query(exchange.getRequestURI().getRawQuery()));
        } else {
          answer(exchange, 404, error("not_found", "no such path: see /status, /health, /console/, /api/ and /reports/ in docs/openapi.yaml"));
        }
      } catch (RuntimeException | IOException e) {
        LOG.log(Level.WARNING, "status request failed", e);
      }
    });
    server.setExecutor(executor);
    server.start();
    return new StatusServer(server, executor);
  }

  private static void api(HttpExchange exchange, ConsoleApi api, String path, Map<String, String> q)
      throws IOException {
    try {
      ObjectNode body;
      if (path.equals("/api/dead-letters")) {
        body = api.deadLetters(intParam(q, "limit", 20, 1, ConsoleApi.MAX_LIMIT));
      } else if (path.equals("/api/uploads")) {
        body = api.uploads(intParam(q, "limit", 20, 1, ConsoleApi.MAX_LIMIT));
      } else if (path.equals("/api/trends")) {
        body = api.trends(intParam(q, "k", 5, 1, 20), intParam(q, "hours", 6, 1, 24 * 7));
      } else if (path.equals("/api/users")) {
        body = api.recentUsers(intParam(q, "limit", 20, 1, ConsoleApi.MAX_LIMIT));
      } else if (path.startsWith("/api/users/") && path.length() > "/api/users/".length()) {
        String user = path.substring("/api/users/".length());
        body = api.user(user);
        if (body == null) {
          answer(exchange, 404, error("unknown_user", "no user_activity row for this user")
              .put(UserActivityRow.USER_ID, user));
          return;
        }
      } else if (path.equals("/api/quality")) {
        body = api.quality();
      } else if (path.equals("/api/products")) {
        body = api.products(ConsoleApi.splitIds(q.get("ids")), intParam(q, "limit", 100, 1, ConsoleApi.MAX_LIMIT));
      } else {
        answer(exchange, 404, error("not_found", "no such path: see docs/openapi.yaml"));
        return;
      }
      answer(exchange, 200, body);
    } catch (IllegalArgumentException e) {
      answer(exchange, 400, error("invalid_parameter", e.getMessage()));
    } catch (SQLException e) {
      LOG.log(Level.WARNING, "reading the warehouse for " + path + " failed", e);
      answer(exchange, 503, error("warehouse_unavailable", "the warehouse could not be read; try again"));
    }
  }

  /**
   * {@code /api/query?sql=...&max_rows=N&timeout_ms=T}: one read-only query ({@link WarehouseQuery}), at most
   * {@link WarehouseQuery#MAX_ROWS} rows and {@link WarehouseQuery#DEFAULT_TIMEOUT}; 400 {@code not_read_only} for
   * any other statement, 400 {@code query_failed} with DuckDB's message when it fails.
   */
  private static void query(HttpExchange exchange, WarehouseQuery.Connections queries, Map<String, String> q)
      throws IOException {
    WarehouseQuery.Result result;
    try (java.sql.Connection c = queries.open()) {
      int maxRows = intParam(q, "max_rows", WarehouseQuery.DEFAULT_MAX_ROWS, 1, WarehouseQuery.MAX_ROWS);
      int timeoutMs = intParam(q, "timeout_ms", (int) WarehouseQuery.DEFAULT_TIMEOUT.toMillis(), 1,
          (int) WarehouseQuery.DEFAULT_TIMEOUT.toMillis());
      result = WarehouseQuery.run(c, q.get("sql"), maxRows, Duration.ofMillis(timeoutMs));
    } catch (WarehouseQuery.NotReadOnlyException e) {
      answer(exchange, 400, error("not_read_only", e.getMessage()));
      return;
    } catch (IllegalArgumentException e) {
      answer(exchange, 400, error("invalid_parameter", e.getMessage()));
      return;
    } catch (SQLException e) {
      answer(exchange, 400, error("query_failed", String.valueOf(e.getMessage())));
      return;
    }
    answer(exchange, 200, result.toJson());
  }

  /** Forwards a GET to the recommend function and its answer back, status and JSON body unchanged. */
  private static void forward(HttpClient client, HttpExchange exchange, String base) throws IOException {
    String path = exchange.getRequestURI().getRawPath().substring("/api/recommend".length());
    if (!RECOMMEND_PATHS.matcher(path).matches()) {
      answer(exchange, 404, error("not_found",
          "forwarded: /recommendations, /trending, /products/{id}/similar, /products/{id}/bought-together"));
      return;
    }
    String query = exchange.getRequestURI().getRawQuery();
    HttpRequest request = HttpRequest.newBuilder(URI.create(base + path + (query == null ? "" : "?" + query)))
        .timeout(Duration.ofSeconds(15)).GET().build();
    HttpResponse<byte[]> response;
    try {
      response = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      answer(exchange, 503, error("recommend_unavailable", "interrupted"));
      return;
    } catch (IOException e) {
      answer(exchange, 502, error("recommend_unavailable", "the recommend function did not answer: " + e));
      return;
    }
    exchange.getResponseHeaders().set("Content-Type",
        response.headers().firstValue("Content-Type").orElse("application/json"));
    response.headers().firstValue("Retry-After").ifPresent(v -> exchange.getResponseHeaders().set("Retry-After", v));
    exchange.getResponseHeaders().set("Cache-Control", "no-store");
    send(exchange, response.statusCode(), response.body());
  }

  /**
   * A file of an evaluation report (report.html or report.json under the reports folder), read-only. The page is
   * static: its policy lets it use its inline style and nothing else (no script, nothing fetched). A path that
   * tries to leave the folder is refused with 400.
   */
  private static void report(HttpExchange exchange, QualityReports reports, String path) throws IOException {
    Optional<java.nio.file.Path> file;
    try {
      file = reports.file(path);
    } catch (IllegalArgumentException e) {
      answer(exchange, 400, error("invalid_path", e.getMessage()).put("path", path));
      return;
    }
    if (file.isEmpty()) {
      answer(exchange, 404, error("not_found", "no such report file: " + path
          + " (reports are read from the stack's reports folder)"));
      return;
    }
    byte[] bytes = java.nio.file.Files.readAllBytes(file.get());
    boolean html = file.get().getFileName().toString().endsWith(".html");
    exchange.getResponseHeaders().set("Content-Type", html ? TYPES.get("html") : "application/json");
    exchange.getResponseHeaders().set("Content-Security-Policy", REPORT_POLICY);
    exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
    exchange.getResponseHeaders().set("Cache-Control", "no-cache");
    send(exchange, 200, bytes);
  }

  /** One of the console's files, from the class path; names are plain (no folders, no dots first). */
  private static void file(HttpExchange exchange, String name) throws IOException {
    String file = name.isEmpty() ? "index.html" : name;
    String ext = file.substring(file.lastIndexOf('.') + 1);
    if (!file.matches("[a-z0-9][a-z0-9_-]*\\.[a-z]+") || !TYPES.containsKey(ext)) {
      answer(exchange, 404, error("not_found", "no such file: " + name));
      return;
    }
    byte[] bytes;
    try (InputStream in = StatusServer.class.getResourceAsStream("/console/" + file)) {
      if (in == null) {
        answer(exchange, 404, error("not_found", "no such file: " + name));
        return;
      }
      bytes = in.readAllBytes();
    }
    exchange.getResponseHeaders().set("Content-Type", TYPES.get(ext));
    exchange.getResponseHeaders().set("Content-Security-Policy", CONTENT_SECURITY_POLICY);
    exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
    exchange.getResponseHeaders().set("Cache-Control", "no-cache");
    send(exchange, 200, bytes);
  }

  static Map<String, String> query(String rawQuery) {
    Map<String, String> q = new HashMap<>();
    if (rawQuery != null) {
      for (String pair : rawQuery.split("&")) {
        String[] kv = pair.split("=", 2);
        q.put(URLDecoder.decode(kv[0], StandardCharsets.UTF_8),
            kv.length == 2 ? URLDecoder.decode(kv[1], StandardCharsets.UTF_8) : "");
      }
    }
    return q;
  }

  private static int intParam(Map<String, String> q, String name, int fallback, int min, int max) {
    String value = q.get(name);
    if (value == null) {
      return fallback;
    }
    try {
      int n = Integer.parseInt(value);
      if (n >= min && n <= max) {
        return n;
      }
    } catch (NumberFormatException e) {
      // below
    }
    throw new IllegalArgumentException(name + " must be an integer from " + min + " to " + max);
  }

  int port() {
    return server.getAddress().getPort();
  }

  private static ObjectNode error(String code, String message) {
    return Json.MAPPER.createObjectNode().put(ErrorReply.ERROR, code).put(ErrorReply.MESSAGE, message);
  }

  private static void answer(HttpExchange exchange, int status, ObjectNode body) throws IOException {
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.getResponseHeaders().set("Cache-Control", "no-store");
    send(exchange, status, Json.MAPPER.writeValueAsString(body).getBytes(StandardCharsets.UTF_8));
  }

  private static void send(HttpExchange exchange, int status, byte[] bytes) throws IOException {
    boolean head = exchange.getRequestMethod().equals("HEAD");
    exchange.sendResponseHeaders(status, head || bytes.length == 0 ? -1 : bytes.length);
    if (!head && bytes.length > 0) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
