package dev.shopstream.pipeline.transforms;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.transforms.Count;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** A backfill logs each file's counters every few seconds of its clock while it reads it, not only at the end. */
@ExtendWith(TestPipelineExtension.class)
public class ReadFileRowsProgressTest {
  private transient TestPipeline pipeline;
  @TempDir transient Path folder;

  @BeforeEach
  public void pipeline(TestPipeline pipeline) {
    this.pipeline = pipeline;
  }

  /** {@code millis()} advances one second per call. */
  static final class SecondPerCallClock extends Clock implements Serializable {
    private long millis = Instant.parse("2026-11-22T10:00:00Z").toEpochMilli();

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return Instant.ofEpochMilli(millis());
    }

    @Override
    public synchronized long millis() {
      millis += 1000;
      return millis;
    }
  }

  private List<LogRecord> run(Clock clock, int rows) throws Exception {
    Path file = folder.resolve("part.jsonl");
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < rows; i++) {
      text.append(i % 10 == 9 ? "{\"event_type\": " : "{\"event_id\":\"e-" + i
          + "\",\"event_type\":\"view\",\"user_id\":\"u\",\"event_time\":\"2026-11-22T10:00:00Z\"}").append('\n');
    }
    Files.writeString(file, text, UTF_8);
    List<LogRecord> progress = new ArrayList<>();
    Handler h = new Handler() {
      @Override
      public synchronized void publish(LogRecord r) {
        if (r.getMessage() != null && r.getMessage().contains(": progress ")) {
          progress.add(r);
        }
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    Logger logger = Logger.getLogger(ReadFileRows.class.getName());
    logger.addHandler(h);
    try {
      PAssert.thatSingleton(pipeline.apply(ReadFileRows.events(file.toString()).withClock(clock)
          .withProgressEvery(Duration.ofSeconds(5))).apply(Count.globally())).isEqualTo((long) rows);
      pipeline.run().waitUntilFinish();
    } finally {
      logger.removeHandler(h);
    }
    return progress;
  }

  @Test
  public void countersEveryIntervalWhileAFileIsRead() throws Exception {
    List<LogRecord> progress = run(new SecondPerCallClock(), 50);
    // a second per clock read (one per row, one more per line): a line every 4-5 rows, long before the 50th
    assertThat(progress).hasSizeBetween(8, 13);
    ObjectNode first = (ObjectNode) progress.get(0).getParameters()[0];
    assertThat(first.path("rows_read").asLong()).isBetween(1L, 10L);
    assertThat(first.path("file").asText()).endsWith("part.jsonl");
    assertThat(first.path("elapsed_ms").asLong()).isGreaterThanOrEqualTo(5000);
    ObjectNode last = (ObjectNode) progress.get(progress.size() - 1).getParameters()[0];
    assertThat(last.path("rows_read").asLong()).isLessThan(50).isGreaterThan(first.path("rows_read").asLong());
    assertThat(last.path("unreadable_rows").asLong()).isBetween(1L, 5L);
  }

  @Test
  public void aFastReadLogsNoProgressLine() throws Exception {
    assertThat(run(Clock.fixed(Instant.parse("2026-11-22T10:00:00Z"), ZoneOffset.UTC), 50)).isEmpty();
  }
}
