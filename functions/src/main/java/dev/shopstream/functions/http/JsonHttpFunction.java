package dev.shopstream.functions.http;

import com.google.cloud.functions.HttpFunction;
import com.google.cloud.functions.HttpRequest;
import com.google.cloud.functions.HttpResponse;
import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * The request cycle both functions share: screen the request ({@link AccessPolicy}: CORS, method, API key), let
 * the subclass answer it, add CORS headers, write the JSON reply and log one line per request. An unexpected
 * exception becomes a JSON 500 (details only in the log).
 */
public abstract class JsonHttpFunction implements HttpFunction {
  private static final String SOURCE_CLASS = JsonHttpFunction.class.getName();
  /** The most of an unread request body drained so that its connection stays usable. */
  public static final long DRAIN_LIMIT_BYTES = 16 << 20;
  private static final int DRAIN_CHUNK = 16 * 1024;
  private static final ThreadLocal<byte[]> DRAIN_BUFFER = ThreadLocal.withInitial(() -> new byte[DRAIN_CHUNK]);
  private final Logger log = Logger.getLogger(getClass().getName());
  private final AccessPolicy access;
  private final Set<String> methods;

  protected JsonHttpFunction(AccessPolicy access, List<String> methods) {
    this.access = access;
    this.methods = new LinkedHashSet<>(methods);
  }

  @Override
  public final void service(HttpRequest request, HttpResponse response) throws IOException {
    JsonReply reply;
    try {
      reply = access.screen(request, methods).orElse(null);
      if (reply == null) {
        reply = handle(request);
      }
    } catch (RuntimeException e) {
      log.log(Level.SEVERE, "unexpected failure", e);
      reply = JsonReply.error(500, "internal_error", "unexpected failure; the function's log has the details");
    }
    reply = access.withCorsHeaders(request, reply);
    reply = settleBody(request, reply);
    reply.writeTo(response);
    if (log.isLoggable(Level.INFO)) {
      String details = describe(reply);
      LogRecord line = new LogRecord(Level.INFO, request.getMethod() + " " + request.getPath() + " -> "
          + reply.status() + (details.isEmpty() ? "" : " " + details));
      line.setLoggerName(log.getName());
      line.setSourceClassName(SOURCE_CLASS); // named here: inferring it walks the stack on every request
      line.setSourceMethodName("service");
      log.log(line);
    }
  }

  /**
   * Reads what is left of the request body before the answer goes out, so that the connection can carry the
   * client's next request. Answers given before the body was read (401, 405, 413, 415, 503) would otherwise abandon
   * it, and Jetty hard-closes a connection whose abandoned body it cannot drain without blocking: a keep-alive client
   * then sends its next request on a dead connection and gets no answer at all. A body larger than
   * {@link #DRAIN_LIMIT_BYTES} is not read: the answer says {@code Connection: close} instead.
   */
  private static JsonReply settleBody(HttpRequest request, JsonReply reply) {
    long declared = request.getContentLength();
    if (declared == 0 || declared < 0 && request.getFirstHeader("Transfer-Encoding").isEmpty()) {
      return reply; // no body (HTTP/1.1: neither a length nor a transfer coding): nothing to read on the hot path
    }
    if (declared > DRAIN_LIMIT_BYTES) {
      return reply.withHeader("Connection", "close");
    }
    try {
      InputStream body = request.getInputStream();
      long left = DRAIN_LIMIT_BYTES + 1;
      long skipped;
      while (left > 0 && (skipped = body.read(DRAIN_BUFFER.get(), 0, (int) Math.min(left, DRAIN_CHUNK))) >= 0) {
        left -= skipped;
      }
      return left > 0 ? reply : reply.withHeader("Connection", "close");
    } catch (IOException | RuntimeException e) { // the client went away, or the body was taken as a reader
      return reply.withHeader("Connection", "close");
    }
  }

  /** Answers a request that passed the screen. */
  protected abstract JsonReply handle(HttpRequest request) throws IOException;

  /** Counts for the request's log line (never payloads); empty when there are none. */
  protected abstract String describe(JsonReply reply);
}
