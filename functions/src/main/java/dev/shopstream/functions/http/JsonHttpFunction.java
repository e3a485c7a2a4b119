package dev.shopstream.functions.http;

import com.google.cloud.functions.HttpFunction;
import com.google.cloud.functions.HttpRequest;
import com.google.cloud.functions.HttpResponse;
import java.io.IOException;
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

  /** Answers a request that passed the screen. */
  protected abstract JsonReply handle(HttpRequest request) throws IOException;

  /** Counts for the request's log line (never payloads); empty when there are none. */
  protected abstract String describe(JsonReply reply);
}
