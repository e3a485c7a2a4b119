package dev.shopstream.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/** The ingest totals of /status, counted from the ingest function's request lines. */
class IngestCounterTest {
  @Test
  void countsAcceptedAndRejectedEventsAndRefusedRequests() {
    IngestCounter counter = new IngestCounter();
    counter.count("POST / -> 202 accepted=3 rejected=1");
    counter.count("POST / -> 400 accepted=0 rejected=2");
    counter.count("POST / -> 503 acknowledged=1 unacknowledged=2 rejected=0");
    counter.count("POST / -> 413");
    counter.count("GET / -> 405");
    counter.count("Pub/Sub did not acknowledge 2 of 3 events");

    assertThat(counter.accepted()).isEqualTo(3);
    assertThat(counter.rejected()).isEqualTo(3);
    assertThat(counter.requests()).isEqualTo(5);
    assertThat(counter.refused()).isEqualTo(3);
  }

  @Test
  void listensToTheIngestFunctionsLoggerUntilClosed() {
    IngestCounter counter = IngestCounter.attach();
    Logger log = Logger.getLogger(IngestCounter.INGEST_LOGGER);
    try {
      log.log(new LogRecord(Level.INFO, "POST / -> 202 accepted=2 rejected=0"));
      log.log(new LogRecord(Level.WARNING, "POST / -> 202 accepted=5 rejected=0"));
    } finally {
      counter.close();
    }
    log.log(new LogRecord(Level.INFO, "POST / -> 202 accepted=7 rejected=0"));
    assertThat(counter.accepted()).isEqualTo(2);
  }
}
