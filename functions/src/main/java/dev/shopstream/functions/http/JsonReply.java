package dev.shopstream.functions.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.cloud.functions.HttpResponse;
import dev.shopstream.contract.Json;
import dev.shopstream.contract.api.ErrorReply;
import java.io.IOException;
import java.io.OutputStream;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One answer of a function: a status, a JSON body (absent only for a 204) and headers. Handlers build replies;
 * {@link JsonHttpFunction} writes exactly one per request. The body is a tree ({@code body}), or for a large answer
 * on a hot path bytes already written by a streaming generator ({@code rendered}, with the counts the request's log
 * line reports).
 */
public record JsonReply(int status, ObjectNode body, Map<String, String> headers, Rendered rendered) {
  public static final String CONTENT_TYPE = "application/json; charset=utf-8";
  /** Seconds a client should wait before retrying a 503. */
  public static final int RETRY_AFTER_SECONDS = 5;

  /** A body already written as JSON bytes, and what the log line says of it (counts, never payloads). */
  public record Rendered(byte[] json, String summary) {}

  public JsonReply {
    headers = Map.copyOf(headers);
  }

  public JsonReply(int status, ObjectNode body, Map<String, String> headers) {
    this(status, body, headers, null);
  }

  /** A 200 (or other) answer whose body the caller wrote itself. */
  public static JsonReply rendered(int status, byte[] json, String summary) {
    return new JsonReply(status, null, Map.of(), new Rendered(json, summary));
  }

  public static JsonReply json(int status, ObjectNode body) {
    return new JsonReply(status, body, Map.of());
  }

  /** The {@link ErrorReply}: {@code error} the code, {@code message} the message. */
  public static JsonReply error(int status, String code, String message) {
    return json(status, errorBody(code, message));
  }

  /** A 503 with {@code Retry-After}: the request may succeed when repeated as is. */
  public static JsonReply unavailable(ObjectNode body) {
    return json(503, body).withHeader("Retry-After", Integer.toString(RETRY_AFTER_SECONDS));
  }

  public static ObjectNode errorBody(String code, String message) {
    ObjectNode body = Json.MAPPER.createObjectNode();
    body.put(ErrorReply.ERROR, code);
    body.put(ErrorReply.MESSAGE, message);
    return body;
  }

  static JsonReply noContent() {
    return new JsonReply(204, null, Map.of());
  }

  public JsonReply withHeader(String name, String value) {
    Map<String, String> more = new LinkedHashMap<>(headers);
    more.put(name, value);
    return new JsonReply(status, body, more, rendered);
  }

  void writeTo(HttpResponse response) throws IOException {
    response.setStatusCode(status);
    for (Map.Entry<String, String> h : headers.entrySet()) {
      response.appendHeader(h.getKey(), h.getValue());
    }
    if (body != null || rendered != null) {
      response.setContentType(CONTENT_TYPE);
      byte[] bytes = rendered != null ? rendered.json() : Json.MAPPER.writeValueAsBytes(body);
      // the whole body in one write, then close: the invoker can send it with a Content-Length in one response
      // (a flush first would commit the headers without a length: chunked encoding and one more write)
      try (OutputStream out = response.getOutputStream()) {
        out.write(bytes);
      }
    }
  }
}
