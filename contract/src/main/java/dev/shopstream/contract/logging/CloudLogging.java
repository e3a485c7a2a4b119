package dev.shopstream.contract.logging;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.SegmentedStringWriter;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shopstream.contract.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.logging.ErrorManager;
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
 *
 * <p>Cheap on a request path: a line is written with a streaming generator (no tree), formatted on the logging
 * thread without a lock, and queued for one writer thread that writes lines to stderr in batches
 * ({@link JsonLinesHandler}).
 */
public final class CloudLogging extends Formatter {
  private static final String SOURCE_LOCATION = "logging.googleapis.com/sourceLocation";
  private static final byte[] LINE_SEPARATOR = System.lineSeparator().getBytes(StandardCharsets.UTF_8);
  private static final Set<String> OWN_FIELDS = Set.of("severity", "message", "time", "logger", "thread",
      SOURCE_LOCATION);

  private CloudLogging() {}

  /** Routes the root logger to stderr as JSON lines at INFO; call once at process start. */
  public static void install() {
    LogManager.getLogManager().reset();
    Logger root = Logger.getLogger("");
    Handler handler = new JsonLinesHandler(System.err);
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
    JsonFactory factory = Json.MAPPER.getFactory();
    SegmentedStringWriter out = new SegmentedStringWriter(factory._getBufferRecycler());
    try {
      writeLine(factory.createGenerator(out), r, message(r));
      return out.getAndClear() + System.lineSeparator();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a string writer does not fail
    }
  }

  /** {@link #format} as UTF-8 bytes, written so directly (no String in between). */
  public byte[] formatUtf8(LogRecord r) {
    JsonFactory factory = Json.MAPPER.getFactory();
    try (ByteArrayBuilder out = new ByteArrayBuilder(factory._getBufferRecycler())) {
      writeLine(factory.createGenerator(out, JsonEncoding.UTF8), r, message(r));
      out.write(LINE_SEPARATOR);
      return out.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // writing to memory does not fail
    }
  }

  private String message(LogRecord r) {
    String message = formatMessage(r);
    if (r.getThrown() != null) {
      StringWriter trace = new StringWriter();
      r.getThrown().printStackTrace(new PrintWriter(trace));
      message = message + "\n" + trace; // Error Reporting picks up a stack trace in the message
    }
    return message;
  }

  private static void writeLine(JsonGenerator generator, LogRecord r, String message) throws IOException {
    try (JsonGenerator g = generator) {
      g.writeStartObject();
      g.writeStringField("severity", severity(r.getLevel()));
      g.writeStringField("message", message);
      g.writeStringField("time", Instant.ofEpochMilli(r.getMillis()).toString());
      g.writeStringField("logger", r.getLoggerName());
      g.writeStringField("thread", Thread.currentThread().getName());
      String sourceClass = r.getSourceClassName(); // inferred from the stack unless the record names it
      if (sourceClass != null) {
        g.writeObjectFieldStart(SOURCE_LOCATION);
        g.writeStringField("file", sourceClass);
        if (r.getSourceMethodName() != null) {
          g.writeStringField("function", r.getSourceMethodName());
        }
        g.writeEndObject();
      }
      if (r.getParameters() != null && r.getParameters().length == 1
          && r.getParameters()[0] instanceof ObjectNode fields) {
        for (Iterator<Map.Entry<String, JsonNode>> it = fields.fields(); it.hasNext(); ) {
          Map.Entry<String, JsonNode> f = it.next();
          if (!OWN_FIELDS.contains(f.getKey()) || sourceClass == null && f.getKey().equals(SOURCE_LOCATION)) {
            g.writeFieldName(f.getKey());
            g.writeTree(f.getValue());
          }
        }
      }
      g.writeEndObject();
    }
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

  /**
   * Each record is formatted by the thread that logs it, outside any lock, and queued without waking anyone; one
   * writer thread writes the queued lines every {@value #WRITE_INTERVAL_MILLIS} ms in batches, one {@code write} per
   * batch. So a thread answering a request never waits for the stream, for another thread's formatting or for a
   * thread hand-off (a {@link java.util.logging.ConsoleHandler} formats and writes inside one lock, a {@code write}
   * and a flush per record). Nothing is dropped: a full queue makes the logging thread wait (back-pressure);
   * {@link #flush} and {@link #close} (the JVM's shutdown closes the handlers) return once every line published
   * before them is written, and a {@code SEVERE} record is written before {@code publish} returns.
   */
  static final class JsonLinesHandler extends Handler {
    static final int QUEUE_LINES = 16_384;
    static final long WRITE_INTERVAL_MILLIS = 20;
    private static final int BATCH_LINES = 1024;
    private static final long WAIT_NANOS = 10_000_000_000L;

    private final PrintStream out;
    private final int capacity;
    private final Queue<byte[]> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final Object publishing = new Object();
    private long published; // guarded by publishing
    private final AtomicLong written = new AtomicLong();
    private final Thread writer;

    JsonLinesHandler(PrintStream out) {
      this(out, QUEUE_LINES);
    }

    JsonLinesHandler(PrintStream out, int capacity) {
      this.out = out;
      this.capacity = capacity;
      this.writer = new Thread(this::writeLines, "cloud-logging-writer");
      writer.setDaemon(true);
      writer.start();
    }

    @Override
    public void publish(LogRecord record) {
      if (!isLoggable(record)) {
        return;
      }
      byte[] line;
      try {
        line = getFormatter() instanceof CloudLogging json ? json.formatUtf8(record)
            : getFormatter().format(record).getBytes(StandardCharsets.UTF_8);
      } catch (RuntimeException e) {
        reportError(null, e, ErrorManager.FORMAT_FAILURE);
        return;
      }
      long deadline = System.nanoTime() + WAIT_NANOS;
      while (queued.get() >= capacity && writer.isAlive() && System.nanoTime() < deadline) {
        LockSupport.unpark(writer); // full: wait for the writer rather than drop the line
        LockSupport.parkNanos(100_000);
      }
      long mine;
      synchronized (publishing) { // only the enqueue: the order lines are written in
        queue.add(line);
        mine = ++published;
      }
      queued.incrementAndGet();
      if (record.getLevel().intValue() >= Level.SEVERE.intValue()) {
        awaitWritten(mine);
      }
    }

    @Override
    public void flush() {
      long target;
      synchronized (publishing) {
        target = published;
      }
      awaitWritten(target);
    }

    @Override
    public void close() {
      flush();
    }

    private void awaitWritten(long count) {
      long deadline = System.nanoTime() + WAIT_NANOS;
      while (written.get() < count && writer.isAlive() && System.nanoTime() < deadline) {
        LockSupport.unpark(writer);
        LockSupport.parkNanos(50_000);
      }
    }

    private void writeLines() {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 * 1024);
      while (!Thread.currentThread().isInterrupted()) {
        byte[] line = queue.poll();
        if (line == null) {
          LockSupport.parkNanos(WRITE_INTERVAL_MILLIS * 1_000_000); // or until unparked by a flush
          continue;
        }
        bytes.reset();
        int lines = 0;
        for (; line != null; line = ++lines < BATCH_LINES ? queue.poll() : null) {
          bytes.write(line, 0, line.length);
        }
        out.write(bytes.toByteArray(), 0, bytes.size()); // whole lines, one write; stderr flushes it
        queued.addAndGet(-lines);
        written.addAndGet(lines);
      }
    }
  }
}
