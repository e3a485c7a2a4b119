package dev.shopstream.local;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shopstream.contract.Json;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * What the local stack's start is waiting for, said every few seconds until it is up: one JSON log line, message
 * {@code local stack starting: waiting for: pipeline RUNNING (Flink job submitted 12 s ago), ...}, fields
 * {@code waiting_for} (each step's {@code step}, {@code since} and {@code waiting_ms}) and {@code elapsed_ms}.
 */
final class StartupProgress implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(StartupProgress.class.getName());

  private record Step(String since, Instant at) {}

  private final Clock clock;
  private final Instant began;
  private final Map<String, Step> waiting = new LinkedHashMap<>();
  private ScheduledExecutorService timer;

  StartupProgress(Clock clock) {
    this.clock = clock;
    this.began = clock.instant();
  }

  /** A progress that logs {@link #report} every {@code every} (zero: never) on a daemon thread until closed. */
  static StartupProgress reporting(Duration every, Clock clock) {
    StartupProgress p = new StartupProgress(clock);
    if (!every.isZero()) {
      p.timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "startup-progress");
        t.setDaemon(true);
        return t;
      });
      p.timer.scheduleAtFixedRate(p::report, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
    }
    return p;
  }

  /** The start now waits for {@code step}; {@code since} says what happened when it began ("started"). */
  synchronized void begin(String step, String since) {
    waiting.put(step, new Step(since, clock.instant()));
  }

  synchronized void done(String step) {
    waiting.remove(step);
  }

  /** {@code waiting for: pipeline RUNNING (Flink job submitted 12 s ago), ...}, or {@code nothing}. */
  synchronized String describe() {
    if (waiting.isEmpty()) {
      return "waiting for nothing";
    }
    Instant now = clock.instant();
    StringBuilder b = new StringBuilder("waiting for: ");
    waiting.forEach((step, s) -> b.append(step).append(" (").append(s.since()).append(' ')
        .append(Duration.between(s.at(), now).toSeconds()).append(" s ago), "));
    return b.substring(0, b.length() - 2);
  }

  /** The JSON fields of the log line. */
  synchronized ObjectNode fields() {
    Instant now = clock.instant();
    ObjectNode json = Json.MAPPER.createObjectNode();
    ArrayNode steps = json.putArray("waiting_for");
    waiting.forEach((step, s) -> steps.addObject()
        .put("step", step) // not a contract name: the log line's field
        .put("since", s.since())
        .put("waiting_ms", Duration.between(s.at(), now).toMillis()));
    json.put("elapsed_ms", Duration.between(began, now).toMillis());
    return json;
  }

  /** Logs what the start is waiting for. */
  void report() {
    try {
      LOG.log(Level.INFO, "local stack starting: " + describe(), fields());
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "reporting the start's progress failed", e);
    }
  }

  @Override
  public void close() {
    if (timer != null) {
      timer.shutdownNow();
    }
  }
}
