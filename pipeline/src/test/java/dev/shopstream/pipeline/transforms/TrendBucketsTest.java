package dev.shopstream.pipeline.transforms;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shopstream.contract.EventType;

import java.util.List;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.transforms.windowing.IntervalWindow;
import org.apache.beam.sdk.transforms.windowing.SlidingWindows;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;

/** Product lines summed per product, type and trend period: fewer elements, the same windows, nothing lost. */
class TrendBucketsTest {
  private static final Duration HOUR = Duration.standardHours(1);
  private static final Duration FIVE_MINUTES = Duration.standardMinutes(5);
  private static final BoundedWindow GLOBAL = GlobalWindow.INSTANCE;

  @Test
  void linesOfOneProductTypeAndPeriodBecomeOneSumAtTheirNewestTimestamp() {
    TrendBuckets buckets = new TrendBuckets(HOUR, FIVE_MINUTES);
    buckets.add("p-1", EventType.VIEW, 1, at(0, 10), GLOBAL);
    buckets.add("p-1", EventType.VIEW, 2, at(4, 59), GLOBAL);
    buckets.add("p-1", EventType.VIEW, 1, at(2, 0), GLOBAL);

    List<TrendBuckets.Output> out = buckets.drain();

    // without the pre-aggregation: three elements, each assigned to 12 windows
    assertThat(out).hasSize(1);
    assertThat(out.get(0).element().getKey()).isEqualTo("p-1");
    assertThat(out.get(0).element().getValue().events(EventType.VIEW)).isEqualTo(3);
    assertThat(out.get(0).element().getValue().units(EventType.VIEW)).isEqualTo(4);
    assertThat(out.get(0).timestamp()).isEqualTo(at(4, 59));
    assertThat(buckets.drain()).isEmpty();
  }

  @Test
  void everyLineOfOneBucketFallsInTheWindowsOfItsSum() {
    SlidingWindows windows = SlidingWindows.of(HOUR).every(FIVE_MINUTES);
    TrendBuckets buckets = new TrendBuckets(HOUR, FIVE_MINUTES);
    Instant[] lines = {at(5, 0), at(7, 30), at(9, 59)};
    for (Instant t : lines) {
      buckets.add("p-1", EventType.VIEW, 1, t, GLOBAL);
    }
    Instant sumAt = buckets.drain().get(0).timestamp();
    for (Instant t : lines) {
      assertThat(windowsOf(windows, t)).isEqualTo(windowsOf(windows, sumAt)).hasSize(12);
    }
  }

  @Test
  void otherPeriodsProductsAndWindowsStayApart() {
    TrendBuckets buckets = new TrendBuckets(HOUR, FIVE_MINUTES);
    IntervalWindow other = new IntervalWindow(new Instant(0), new Instant(1));
    buckets.add("p-1", EventType.VIEW, 1, at(4, 59), GLOBAL);
    buckets.add("p-1", EventType.VIEW, 1, at(5, 0), GLOBAL);
    buckets.add("p-2", EventType.VIEW, 1, at(1, 0), GLOBAL);
    buckets.add("p-2", EventType.VIEW, 1, at(1, 0), other);

    assertThat(buckets.drain()).hasSize(4)
        .allSatisfy(o -> assertThat(o.element().getValue().events(EventType.VIEW)).isEqualTo(1));
  }

  @Test
  void eventTypesOfOneProductAndPeriodShareOneSumWithATotalPerType() {
    TrendBuckets buckets = new TrendBuckets(HOUR, FIVE_MINUTES);
    buckets.add("p-1", EventType.VIEW, 1, at(1, 0), GLOBAL);
    buckets.add("p-1", EventType.PURCHASE, 3, at(2, 0), GLOBAL);
    buckets.add("p-1", EventType.VIEW, 2, at(3, 0), GLOBAL);

    List<TrendBuckets.Output> out = buckets.drain();

    assertThat(out).hasSize(1);
    TrendTotals totals = out.get(0).element().getValue();
    assertThat(totals.events(EventType.VIEW)).isEqualTo(2);
    assertThat(totals.units(EventType.VIEW)).isEqualTo(3);
    assertThat(totals.events(EventType.PURCHASE)).isEqualTo(1);
    assertThat(totals.units(EventType.PURCHASE)).isEqualTo(3);
    assertThat(totals.events(EventType.ADD_TO_CART)).isZero();
  }

  @Test
  void aPeriodThatDoesNotDivideTheSizeSumsPerTheirGreatestCommonDivisorAndStaysExact() {
    Duration seven = Duration.standardMinutes(7); // gcd(60 min, 7 min) = 1 min
    SlidingWindows windows = SlidingWindows.of(HOUR).every(seven);
    TrendBuckets buckets = new TrendBuckets(HOUR, seven);
    Instant[] first = {at(0, 1), at(0, 1), at(0, 59)};
    for (Instant t : first) {
      buckets.add("p-1", EventType.VIEW, 1, t, GLOBAL);
    }
    buckets.add("p-1", EventType.VIEW, 1, at(1, 0), GLOBAL);

    List<TrendBuckets.Output> out = buckets.drain();
    assertThat(out).extracting(o -> o.element().getValue().events(EventType.VIEW)).containsExactly(3L, 1L);
    for (Instant t : first) {
      assertThat(windowsOf(windows, t)).isEqualTo(windowsOf(windows, out.get(0).timestamp()));
    }
  }

  private static List<BoundedWindow> windowsOf(SlidingWindows windows, Instant t) {
    return List.copyOf(windows.assignWindows(t));
  }

  private static Instant at(int minute, int second) {
    return new Instant(1_700_000_100_000L - 1_700_000_100_000L % 300_000 + minute * 60_000L + second * 1_000L);
  }
}
