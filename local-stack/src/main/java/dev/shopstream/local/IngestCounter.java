package dev.shopstream.local;

import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The ingest function's totals since the stack started, counted from the one log line it writes per request
 * ({@code POST / -> 202 accepted=3 rejected=1}), as a log-based metric counts them in the cloud: events accepted
 * (acknowledged by Pub/Sub), events rejected (invalid, per item), and requests refused whole (401, 405, 413, 415,
 * 503 and the like, whose events are not counted). Nothing of the function is changed or duplicated.
 */
final class IngestCounter extends Handler {
  /** The logger the ingest function writes its request lines to (its class name). */
  static final String INGEST_LOGGER = LocalStack.INGEST_FUNCTION;

  private static final Pattern LINE = Pattern.compile("^\\S+ \\S* -> (\\d{3})(?: (.*))?$");
  private static final Pattern COUNT = Pattern.compile("\\b(accepted|acknowledged|rejected)=(\\d+)\\b");

  private final AtomicLong requests = new AtomicLong();
  private final AtomicLong accepted = new AtomicLong();
  private final AtomicLong rejected = new AtomicLong();
  private final AtomicLong refused = new AtomicLong();
  private Logger logger; // held: a logger only weakly referenced may be collected with its handlers

  /** Starts counting the ingest function's request lines; {@link #close} stops. */
  static IngestCounter attach() {
    IngestCounter counter = new IngestCounter();
    counter.setLevel(Level.INFO);
    counter.logger = Logger.getLogger(INGEST_LOGGER);
    counter.logger.addHandler(counter);
    return counter;
  }

  @Override
  public void publish(LogRecord record) {
    if (record == null || record.getLevel() != Level.INFO || record.getMessage() == null) {
      return;
    }
    count(record.getMessage());
  }

  /** Counts one request line; other messages are ignored. */
  void count(String message) {
    Matcher line = LINE.matcher(message);
    if (!line.matches()) {
      return;
    }
    requests.incrementAndGet();
    int status = Integer.parseInt(line.group(1));
    String details = line.group(2) == null ? "" : line.group(2);
    long ok = 0;
    long bad = 0;
    boolean counted = false;
    for (Matcher m = COUNT.matcher(details); m.find(); ) {
      long n = Long.parseLong(m.group(2));
      switch (m.group(1)) {
        case "accepted" -> ok = n;
        case "rejected" -> bad = n;
        default -> { } // acknowledged=N of a 503: the client resends the batch, so they count when it is accepted
      }
      counted = true;
    }
    if (status == 202 || status == 400 && counted) {
      accepted.addAndGet(ok);
      rejected.addAndGet(bad);
    } else {
      refused.incrementAndGet();
    }
  }

  long requests() {
    return requests.get();
  }

  long accepted() {
    return accepted.get();
  }

  long rejected() {
    return rejected.get();
  }

  long refused() {
    return refused.get();
  }

  @Override
  public void flush() {}

  @Override
  public void close() {
    if (logger != null) {
      logger.removeHandler(this);
    }
  }
}
