package dev.shopstream.pipeline.testing;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.shopstream.contract.Json;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Base64;
import java.util.Deque;
import java.util.Map;

/**
 * Just enough of Pub/Sub's REST API (v1) for Beam's {@code PubsubIO} to read one subscription: get the
 * subscription, pull (each queued message once), acknowledge and modify ack deadlines (both accepted, not
 * tracked); and publish to any topic (recorded, see {@link #publishedTo}). Stands in for an emulator at
 * {@code --pubsubRootUrl=}{@link #rootUrl()}.
 */
public final class FakePubsubServer implements AutoCloseable {
  private final String subscription;
  private final HttpServer server;
  private final Deque<ObjectNode> queued = new ArrayDeque<>();
  private int published;
  private final java.util.List<Published> publishedToTopics = new java.util.ArrayList<>();

  /** A message a client published: its topic, data (UTF-8) and attributes. */
  public record Published(String topic, String data, Map<String, String> attributes) {}

  /** The messages published to {@code topic} ({@code projects/<project>/topics/<name>}), in arrival order. */
  public synchronized java.util.List<Published> publishedTo(String topic) {
    return publishedToTopics.stream().filter(p -> p.topic().equals(topic)).toList();
  }

  public FakePubsubServer(String subscription) throws IOException {
    this.subscription = subscription;
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", this::handle);
    server.start();
  }

  public String rootUrl() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** Queues a message for the next pull. */
  public synchronized void publish(String data, Map<String, String> attributes) {
    String id = String.valueOf(++published);
    ObjectNode received = Json.MAPPER.createObjectNode().put("ackId", "ack-" + id);
    ObjectNode message = received.putObject("message")
        .put("data", Base64.getEncoder().encodeToString(data.getBytes(StandardCharsets.UTF_8)))
        .put("messageId", id)
        .put("publishTime", "2026-11-22T12:00:00Z");
    attributes.forEach(message.putObject("attributes")::put);
    queued.add(received);
  }

  private void handle(HttpExchange exchange) throws IOException {
    String path = exchange.getRequestURI().getPath();
    String method = exchange.getRequestMethod();
    ObjectNode response = Json.MAPPER.createObjectNode();
    int status = 200;
    if (path.endsWith("/v1/" + subscription) && method.equals("GET")) {
      response.put("name", subscription).put("topic", "projects/local-project/topics/events")
          .put("ackDeadlineSeconds", 60);
    } else if (path.endsWith("/v1/" + subscription + ":pull")) {
      ArrayNode messages = response.putArray("receivedMessages");
      synchronized (this) {
        while (!queued.isEmpty()) {
          messages.add(queued.poll());
        }
      }
    } else if (path.endsWith(":publish") && method.equals("POST")) {
      String topic = path.substring(path.indexOf("/v1/") + 4, path.length() - ":publish".length());
      java.io.InputStream in = exchange.getRequestBody();
      if ("gzip".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Content-Encoding"))) {
        in = new java.util.zip.GZIPInputStream(in);
      }
      var body = Json.MAPPER.readTree(in);
      ArrayNode ids = response.putArray("messageIds");
      synchronized (this) {
        for (var m : body.path("messages")) {
          Map<String, String> attributes = new java.util.TreeMap<>();
          m.path("attributes").fields().forEachRemaining(e -> attributes.put(e.getKey(), e.getValue().asText()));
          publishedToTopics.add(new Published(topic,
              new String(Base64.getDecoder().decode(m.path("data").asText("")), StandardCharsets.UTF_8),
              attributes));
          ids.add("p-" + publishedToTopics.size());
        }
      }
    } else if (!path.endsWith("/v1/" + subscription + ":acknowledge")
        && !path.endsWith("/v1/" + subscription + ":modifyAckDeadline")) {
      status = 404;
      response.putObject("error").put("code", 404).put("message", method + " " + path + " is not faked");
    }
    byte[] bytes = Json.MAPPER.writeValueAsBytes(response);
    exchange.getResponseHeaders().set("Content-Type", "application/json; charset=UTF-8");
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
    exchange.close();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
