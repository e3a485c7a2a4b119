package dev.shopstream.contract.logging;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shopstream.contract.Json;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Structured logs: one JSON object per line in the shape Cloud Logging parses from stdout/stderr
 * ({@code severity}, {@code message}, {@code time}, {@code logging.googleapis.com/sourceLocation}, ...).
 * Everything logs through {@link java.util.logging} (Beam's and the invoker's SLF4J end there too). A record whose
 * only parameter is a Jackson {@link ObjectNode} adds its fields to the line (Cloud Logging's {@code jsonPayload}),
 * e.g. {@code LOG.log(Level.INFO, "pipeline metrics", fields)}.
 */
public final class CloudLogging extends Formatter {
  private CloudLogging() {}

  /** Routes the root logger to stderr as JSON lines at INFO; call once at process start. */
  public static void install() {
    LogManager.getLogManager().reset();
    Logger root = Logger.getLogger("");
    Handler handler = new ConsoleHandler();
    handler.setFormatter(new CloudLogging());
    handler.setLevel(Level.ALL);
    root.addHandler(handler);
    root.setLevel(Level.INFO);
  }

  public static CloudLogging formatter() {
    return new CloudLogging();
  }

  @Override
  public String format(LogRecord r) {
    ObjectNode o = Json.MAPPER.createObjectNode();
    o.put("severity", severity(r.getLevel()));
    String message = formatMessage(r);
    if (r.getThrown() != null) {
      StringWriter trace = new StringWriter();
      r.getThrown().printStackTrace(new PrintWriter(trace));
      message = message + "\n" + trace; // Error Reporting picks up a stack trace in the message
    }
    o.put("message", message);
    o.put("time", Instant.ofEpochMilli(r.getMillis()).toString());
    o.put("logger", r.getLoggerName());
    o.put("thread", Thread.currentThread().getName());
    if (r.getSourceClassName() != null) {
      ObjectNode where = o.putObject("logging.googleapis.com/sourceLocation");
      where.put("file", r.getSourceClassName());
      if (r.getSourceMethodName() != null) {
        where.put("function", r.getSourceMethodName());
      }
    }
    if (r.getParameters() != null && r.getParameters().length == 1
        && r.getParameters()[0] instanceof ObjectNode fields) {
      fields.fields().forEachRemaining(f -> {
        if (!o.has(f.getKey())) {
          o.set(f.getKey(), f.getValue());
        }
      });
    }
    return o + System.lineSeparator();
  }

  static String severity(Level level) {
    int v = level.intValue();
    if (v >= Level.SEVERE.intValue()) {
      return "ERROR";
    }
    if (v >= Level.WARNING.intValue()) {
      return "WARNING";
    }
    if (v >= Level.INFO.intValue()) {
      return "INFO";
    }
    return "DEBUG";
  }
}
