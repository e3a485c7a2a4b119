package org.apache.beam.sdk.io.gcp.pubsub;

import com.google.api.client.util.Clock;

/**
 * Test access to the package-private {@code PubsubIO.Read#withClock}: {@link PubsubTestClient} only answers pulls
 * made at its own (fixed) clock's time, so the reader must use the same clock.
 */
public final class PubsubTestReads {
  private PubsubTestReads() {}

  public static <T> PubsubIO.Read<T> withClock(PubsubIO.Read<T> read, Clock clock) {
    return read.withClock(clock);
  }
}
