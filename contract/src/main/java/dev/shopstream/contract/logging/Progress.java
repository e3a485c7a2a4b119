package dev.shopstream.contract.logging;

import java.io.Serializable;
import java.time.Clock;
import java.time.Duration;

/**
 * When long work logs its counters: once every {@code every} of the given clock while it runs (time-based, so a slow
 * and a fast run both say something every few seconds), not only at the end. Call {@link #due} per unit of work; it
 * reads the clock's {@link Clock#instant()} and is true at most once per interval. Serializable with a serializable
 * clock (Beam DoFns).
 */
public final class Progress implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The usual interval: every 5 s. */
  public static final Duration DEFAULT_EVERY = Duration.ofSeconds(5);

  private final Clock clock;
  private final long everyMillis;
  private final long startMillis;
  private long nextMillis;

  /** Starts now; {@code every} zero: never due. */
  public Progress(Clock clock, Duration every) {
    if (every.isNegative()) {
      throw new IllegalArgumentException("a progress interval must not be negative, was " + every);
    }
    this.clock = clock;
    this.everyMillis = every.toMillis();
    this.startMillis = now();
    this.nextMillis = startMillis + everyMillis;
  }

  /** True when an interval has passed since the start or the last time it was true. */
  public boolean due() {
    if (everyMillis == 0) {
      return false;
    }
    long now = now();
    if (now < nextMillis) {
      return false;
    }
    nextMillis = now + everyMillis;
    return true;
  }

  /** Milliseconds since the start. */
  public long elapsedMillis() {
    return now() - startMillis;
  }

  private long now() {
    return clock.instant().toEpochMilli();
  }
}
