package dev.shopstream.local;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Whether the local stack can take events, from the pipeline's state sampled once a second: unhealthy once the
 * pipeline has stopped for good. That is a terminal state (FAILED, CANCELLED, DONE, ...), or, after it had been
 * RUNNING, a state the runner can no longer tell ({@code UNKNOWN}) for {@link #GRACE}: a Flink job that has failed
 * for good is gone from the embedded cluster, and asking for its state fails. A Flink restart (a few seconds) does
 * not count: the runner reports it as RUNNING. A pipeline that never reports RUNNING is unhealthy after
 * {@link #STARTUP_LIMIT}.
 */
final class HealthWatch {
  static final Duration GRACE = Duration.ofSeconds(10);
  /**
   * How long the pipeline may take to first report RUNNING (Flink's start and the restore of its state take 15-60 s
   * on 2 busy cores): a job that fails before the first sample would otherwise count as starting forever.
   */
  static final Duration STARTUP_LIMIT = Duration.ofMinutes(5);

  private boolean seenRunning;
  private Instant firstSample;
  private Instant unknownSince;

  /** The verdict for {@code state} (a Beam {@code PipelineResult.State} name) sampled at {@code now}. */
  Optional<String> assess(String state, Instant now) {
    if ("RUNNING".equals(state)) {
      seenRunning = true;
      unknownSince = null;
      return Optional.empty();
    }
    if (isTerminal(state)) {
      return Optional.of("the pipeline is " + state + "; restart the stack");
    }
    if (!seenRunning) {
      if (firstSample == null) {
        firstSample = now;
      }
      if (now.isBefore(firstSample.plus(STARTUP_LIMIT))) {
        return Optional.empty(); // still starting
      }
      return Optional.of("the pipeline has not started running within " + STARTUP_LIMIT.toMinutes()
          + " min (its state is " + state + "); restart the stack");
    }
    if (unknownSince == null) {
      unknownSince = now;
    }
    if (now.isBefore(unknownSince.plus(GRACE))) {
      return Optional.empty();
    }
    return Optional.of("the pipeline is no longer running (its state has been " + state + " for "
        + GRACE.toSeconds() + " s or more); restart the stack");
  }

  static boolean isTerminal(String state) {
    try {
      return org.apache.beam.sdk.PipelineResult.State.valueOf(state).isTerminal();
    } catch (IllegalArgumentException e) {
      return false; // a state Beam does not name
    }
  }
}
