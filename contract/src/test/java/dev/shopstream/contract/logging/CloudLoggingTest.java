package dev.shopstream.contract.logging;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shopstream.contract.Json;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;

/** The JSON line of a record: the same bytes as the tree-built line it replaces; whole lines under concurrency. */
class CloudLoggingTest {
  private final CloudLogging formatter = CloudLogging.formatter();

  private static LogRecord record(Level level, String message, Object... parameters) {
    LogRecord r = new LogRecord(level, message);
    r.setLoggerName("dev.shopstream.Example");
    r.setInstant(Instant.parse("2026-11-20T12:00:00.123Z"));
    r.setSourceClassName("dev.shopstream.Example");
    r.setSourceMethodName("run");
    r.setParameters(parameters.length == 0 ? null : parameters);
    return r;
  }

  @Test
  void linesAreTheTreeBuiltOnes() throws Exception {
    ObjectNode fields = Json.MAPPER.createObjectNode().put("rows", 12).put("severity", "shadowed");
    fields.putObject("nested").put("ratio", 0.25).putArray("list").add("a").add(1.5e-7);
    LogRecord thrown = record(Level.SEVERE, "failed: \"quoted\" é \u0001");
    thrown.setThrown(new IllegalStateException("boom"));
    LogRecord noSource = record(Level.FINE, "no source");
    noSource.setSourceClassName(null);
    noSource.setLoggerName(null);
    List<LogRecord> records = List.of(record(Level.INFO, "GET /trending -> 200 items=10"),
        record(Level.WARNING, "snapshot {0} of {1}", "a", 3), record(Level.INFO, "pipeline metrics", fields),
        thrown, noSource, record(Level.CONFIG, null));

    for (LogRecord r : records) {
      assertThat(formatter.format(r)).isEqualTo(treeBuilt(r));
      assertThat(new String(formatter.formatUtf8(r), StandardCharsets.UTF_8)).isEqualTo(treeBuilt(r));
    }
    JsonNode line = Json.MAPPER.readTree(formatter.format(record(Level.INFO, "metrics", fields)));
    assertThat(line.get("severity").asText()).isEqualTo("INFO");
    assertThat(line.get("rows").asInt()).isEqualTo(12);
    assertThat(line.at("/logging.googleapis.com~1sourceLocation/function").asText()).isEqualTo("run");
  }

  @Test
  void concurrentRecordsAreWrittenAsWholeLines() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    CloudLogging.JsonLinesHandler handler = new CloudLogging.JsonLinesHandler(new PrintStream(bytes, true,
        StandardCharsets.UTF_8));
    handler.setFormatter(formatter);
    ExecutorService threads = Executors.newFixedThreadPool(8);
    for (int t = 0; t < 8; t++) {
      int thread = t;
      threads.execute(() -> {
        for (int i = 0; i < 500; i++) {
          handler.publish(record(Level.INFO, "thread " + thread + " line " + i + " " + "x".repeat(i % 300)));
        }
      });
    }
    threads.shutdown();
    assertThat(threads.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
    handler.flush();

    String[] lines = bytes.toString(StandardCharsets.UTF_8).split(System.lineSeparator());
    assertThat(lines).hasSize(4000);
    for (String line : lines) {
      assertThat(Json.MAPPER.readTree(line).get("message").asText()).startsWith("thread ");
    }
  }

  @Test
  void aFullQueueHoldsTheLoggerBackAndFlushAndSevereRecordsWaitForTheWrite() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    CloudLogging.JsonLinesHandler handler = new CloudLogging.JsonLinesHandler(new PrintStream(bytes, true,
        StandardCharsets.UTF_8), 2);
    handler.setFormatter(formatter);
    for (int i = 0; i < 300; i++) {
      handler.publish(record(Level.INFO, "line " + i));
    }
    handler.flush();
    assertThat(bytes.toString(StandardCharsets.UTF_8).split(System.lineSeparator())).hasSize(300);

    handler.publish(record(Level.SEVERE, "failure"));
    String[] lines = bytes.toString(StandardCharsets.UTF_8).split(System.lineSeparator());
    assertThat(lines).hasSize(301);
    assertThat(lines[300]).contains("\"severity\":\"ERROR\"", "\"message\":\"failure\"");
    assertThat(lines[0]).contains("\"message\":\"line 0\"");
    assertThat(lines[299]).contains("\"message\":\"line 299\"");
  }

  /** The formatter as first written: an ObjectNode, printed. */
  private String treeBuilt(LogRecord r) {
    ObjectNode o = Json.MAPPER.createObjectNode();
    o.put("severity", CloudLogging.severity(r.getLevel()));
    String message = formatter.formatMessage(r);
    if (r.getThrown() != null) {
      StringWriter trace = new StringWriter();
      r.getThrown().printStackTrace(new PrintWriter(trace));
      message = message + "\n" + trace;
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
      List<String> names = new ArrayList<>();
      fields.fieldNames().forEachRemaining(names::add);
      for (String name : names) {
        if (!o.has(name)) {
          o.set(name, fields.get(name));
        }
      }
    }
    return o + System.lineSeparator();
  }
}
