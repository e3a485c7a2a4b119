package dev.shopstream.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/** The start says what it waits for, and since when, in a JSON log line. */
class StartupProgressTest {
  /** A clock the test moves. */
  private static final class TestClock extends Clock {
    Instant now = Instant.parse("2026-12-07T10:00:00Z");

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  @Test
  void namesEachPendingStepAndHowLongItHasWaited() {
    TestClock clock = new TestClock();
    StartupProgress p = new StartupProgress(clock);
    p.begin("functions", "started");
    clock.now = clock.now.plusSeconds(3);
    p.done("functions");
    p.begin("pipeline RUNNING", "Flink job submitted");
    clock.now = clock.now.plusSeconds(12);
    p.begin("first checkpoint", "started");
    clock.now = clock.now.plusSeconds(2);
    assertThat(p.describe())
        .isEqualTo("waiting for: pipeline RUNNING (Flink job submitted 14 s ago), first checkpoint (started 2 s ago)");
    ObjectNode f = p.fields();
    assertThat(f.path("elapsed_ms").asLong()).isEqualTo(17_000);
    assertThat(f.path("waiting_for").get(0).path("step").asText()).isEqualTo("pipeline RUNNING");
    assertThat(f.path("waiting_for").get(0).path("waiting_ms").asLong()).isEqualTo(14_000);
    p.done("pipeline RUNNING");
    p.done("first checkpoint");
    assertThat(p.describe()).isEqualTo("waiting for nothing");
  }

  @Test
  void reportsEveryFewSecondsAsAStructuredLine() throws Exception {
    Logger logger = Logger.getLogger(StartupProgress.class.getName());
    List<LogRecord> records = new ArrayList<>();
    Handler h = new Handler() {
      @Override
      public synchronized void publish(LogRecord r) {
        records.add(r);
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    logger.addHandler(h);
    try (StartupProgress p = StartupProgress.reporting(Duration.ofMillis(50), Clock.systemUTC())) {
      p.begin("pipeline RUNNING", "job submitted");
      long deadline = System.nanoTime() + 5_000_000_000L;
      while (System.nanoTime() < deadline) {
        synchronized (h) {
          if (records.size() >= 2) {
            break;
          }
        }
        Thread.sleep(20);
      }
    } finally {
      logger.removeHandler(h);
    }
    synchronized (h) {
      assertThat(records).hasSizeGreaterThanOrEqualTo(2);
      LogRecord r = records.get(0);
      assertThat(r.getMessage()).startsWith("local stack starting: waiting for: pipeline RUNNING (job submitted");
      assertThat(r.getParameters()[0]).isInstanceOf(ObjectNode.class);
      assertThat(((ObjectNode) r.getParameters()[0]).path("waiting_for").get(0).path("step").asText())
          .isEqualTo("pipeline RUNNING");
    }
  }
}
