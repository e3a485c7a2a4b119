package dev.shopstream.pipeline.transforms;

import org.apache.beam.sdk.transforms.windowing.AfterPane;
import org.apache.beam.sdk.transforms.windowing.AfterProcessingTime;
import org.apache.beam.sdk.transforms.windowing.Trigger.OnceTrigger;
import org.joda.time.Duration;

/** Firing helpers shared by the windowed transforms. */
final class Triggers {
  private Triggers() {}

  /** Fires once per element when {@code delay} is zero, else {@code delay} after the pane's first element. */
  static OnceTrigger afterDelay(Duration delay) {
    return delay.isLongerThan(Duration.ZERO)
        ? AfterProcessingTime.pastFirstElementInPane().plusDelayOf(delay)
        : AfterPane.elementCountAtLeast(1);
  }
}
