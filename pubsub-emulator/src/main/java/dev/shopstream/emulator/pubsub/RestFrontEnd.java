package dev.shopstream.emulator.pubsub;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import com.google.pubsub.v1.AcknowledgeRequest;
import com.google.pubsub.v1.ListSubscriptionsRequest;
import com.google.pubsub.v1.ListTopicSubscriptionsRequest;
import com.google.pubsub.v1.ListTopicsRequest;
import com.google.pubsub.v1.ModifyAckDeadlineRequest;
import com.google.pubsub.v1.PublishRequest;
import com.google.pubsub.v1.PullRequest;
import com.google.pubsub.v1.Subscription;
import com.google.pubsub.v1.Topic;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

/**
 * The REST front end ({@code https://pubsub.googleapis.com/v1/...} on plain HTTP), as used by Beam's
 * {@code PubsubJsonClient}. Bodies are the proto3 JSON mapping of the same protobuf messages the gRPC API uses
 * (bytes as base64, int64 as strings, RFC 3339 timestamps), so each route parses its request into the proto and
 * calls the {@link Broker}; errors use Google's JSON error shape.
 */
final class RestFrontEnd implements HttpHandler {

  private static final Logger LOG = Logger.getLogger(RestFrontEnd.class.getName());

  /** A publish of 10 MB grows by a third in base64, plus JSON syntax. */
  private static final int MAX_BODY_BYTES = 2 * Limits.MAX_REQUEST_BYTES;
  private static final String TOPIC = "(projects/[^/]+/topics/[^/:]+)";
  private static final String SUBSCRIPTION = "(projects/[^/]+/subscriptions/[^/:]+)";
  private static final String PROJECT = "(projects/[^/]+)";

  private static final JsonFormat.Parser JSON_IN = JsonFormat.parser().ignoringUnknownFields();
  private static final JsonFormat.Printer JSON_OUT = JsonFormat.printer();
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final List<Route> routes;

  private RestFrontEnd(Broker broker) {
    routes = List.of(
        route("GET", PROJECT + "/topics", call -> broker.listTopics(ListTopicsRequest.newBuilder()
            .setProject(call.name())
            .setPageSize(call.intParameter("pageSize"))
            .setPageToken(call.parameter("pageToken"))
            .build())),
        route("PUT", TOPIC, call -> broker.createTopic(call.body(Topic.newBuilder()).setName(call.name()).build())),
        route("GET", TOPIC, call -> broker.getTopic(call.name())),
        route("DELETE", TOPIC, call -> broker.deleteTopic(call.name())),
        route("POST", TOPIC + ":publish",
            call -> broker.publish(call.body(PublishRequest.newBuilder()).setTopic(call.name()).build())),
        route("GET", TOPIC + "/subscriptions", call -> broker.listTopicSubscriptions(
            ListTopicSubscriptionsRequest.newBuilder()
                .setTopic(call.name())
                .setPageSize(call.intParameter("pageSize"))
                .setPageToken(call.parameter("pageToken"))
                .build())),
        route("GET", PROJECT + "/subscriptions", call -> broker.listSubscriptions(ListSubscriptionsRequest.newBuilder()
            .setProject(call.name())
            .setPageSize(call.intParameter("pageSize"))
            .setPageToken(call.parameter("pageToken"))
            .build())),
        route("PUT", SUBSCRIPTION, call -> broker.createSubscription(
            call.body(Subscription.newBuilder()).setName(call.name()).build())),
        route("GET", SUBSCRIPTION, call -> broker.getSubscription(call.name())),
        route("DELETE", SUBSCRIPTION, call -> broker.deleteSubscription(call.name())),
        route("POST", SUBSCRIPTION + ":pull", call -> broker.pull(
            call.body(PullRequest.newBuilder()).setSubscription(call.name()).build(), () -> false)),
        route("POST", SUBSCRIPTION + ":acknowledge", call -> broker.acknowledge(
            call.body(AcknowledgeRequest.newBuilder()).setSubscription(call.name()).build())),
        route("POST", SUBSCRIPTION + ":modifyAckDeadline", call -> broker.modifyAckDeadline(
            call.body(ModifyAckDeadlineRequest.newBuilder()).setSubscription(call.name()).build())));
  }

  static HttpServer start(String host, int port, Broker broker, Executor executor) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 0);
    server.createContext("/", new RestFrontEnd(broker));
    server.setExecutor(executor);
    server.start();
    return server;
  }

  @Override
  public void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      int status;
      String json;
      try {
        json = JSON_OUT.print(dispatch(exchange));
        status = 200;
      } catch (StatusRuntimeException e) {
        status = httpStatus(e.getStatus().getCode());
        json = error(status, e.getStatus());
      } catch (InvalidProtocolBufferException e) {
        status = 400;
        json = error(status, Status.INVALID_ARGUMENT.withDescription("Invalid JSON payload received. "
            + e.getMessage()));
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "Pub/Sub emulator REST call failed", e);
        status = 500;
        json = error(status, Status.INTERNAL.withDescription(e.toString()));
      }
      int logged = status;
      LOG.fine(() -> exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath() + " -> " + logged);
      byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "application/json; charset=UTF-8");
      exchange.sendResponseHeaders(status, bytes.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    }
  }

  private Message dispatch(HttpExchange exchange) throws IOException {
    String method = exchange.getRequestMethod();
    String path = exchange.getRequestURI().getPath();
    for (Route route : routes) {
      Matcher matcher = route.path().matcher(path);
      if (route.method().equals(method) && matcher.matches()) {
        return route.action().apply(new Call(matcher, query(exchange.getRequestURI().getRawQuery()), body(exchange)));
      }
    }
    throw Errors.unimplemented("Not implemented by the embedded Pub/Sub emulator: " + method + " " + path);
  }

  /** The request body, inflated if gzipped (Google's HTTP client compresses request bodies). */
  private static String body(HttpExchange exchange) throws IOException {
    InputStream in = exchange.getRequestBody();
    if ("gzip".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Content-Encoding"))) {
      in = new GZIPInputStream(in);
    }
    byte[] body = in.readNBytes(MAX_BODY_BYTES + 1);
    if (body.length > MAX_BODY_BYTES) {
      throw Errors.invalidArgument("Request payload size exceeds the limit: " + MAX_BODY_BYTES + " bytes.");
    }
    return new String(body, StandardCharsets.UTF_8);
  }

  private static Map<String, String> query(String rawQuery) {
    Map<String, String> parameters = new HashMap<>();
    if (rawQuery != null) {
      for (String pair : rawQuery.split("&")) {
        int eq = pair.indexOf('=');
        if (eq > 0) {
          parameters.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
              URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
      }
    }
    return parameters;
  }

  private static String error(int httpStatus, Status status) {
    ObjectNode root = MAPPER.createObjectNode();
    ObjectNode error = root.putObject("error");
    error.put("code", httpStatus);
    error.put("message", status.getDescription() == null ? status.getCode().name() : status.getDescription());
    error.put("status", status.getCode().name());
    return root.toString();
  }

  /** The HTTP mapping of the canonical codes, as in {@code google.rpc.Code}. */
  private static int httpStatus(Status.Code code) {
    return switch (code) {
      case OK -> 200;
      case INVALID_ARGUMENT, FAILED_PRECONDITION, OUT_OF_RANGE -> 400;
      case UNAUTHENTICATED -> 401;
      case PERMISSION_DENIED -> 403;
      case NOT_FOUND -> 404;
      case ALREADY_EXISTS, ABORTED -> 409;
      case RESOURCE_EXHAUSTED -> 429;
      case CANCELLED -> 499;
      case UNIMPLEMENTED -> 501;
      case UNAVAILABLE -> 503;
      case DEADLINE_EXCEEDED -> 504;
      case UNKNOWN, INTERNAL, DATA_LOSS -> 500;
    };
  }

  private static Route route(String method, String path, Action action) {
    return new Route(method, Pattern.compile("/v1/" + path), action);
  }

  private interface Action {
    Message apply(Call call) throws IOException;
  }

  private record Route(String method, Pattern path, Action action) {}

  /** One request: the path match (group 1 is the resource name), query parameters and body. */
  private record Call(Matcher path, Map<String, String> query, String body) {

    String name() {
      return path.group(1);
    }

    String parameter(String name) {
      return query.getOrDefault(name, "");
    }

    int intParameter(String name) {
      String value = parameter(name);
      try {
        return value.isEmpty() ? 0 : Integer.parseInt(value);
      } catch (NumberFormatException e) {
        throw Errors.invalidArgument("Invalid value for " + name + ": " + value);
      }
    }

    <B extends Message.Builder> B body(B builder) throws InvalidProtocolBufferException {
      if (!body.isBlank()) {
        JSON_IN.merge(body, builder);
      }
      return builder;
    }
  }
}
