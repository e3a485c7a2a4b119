package dev.shopstream.pipeline.transforms;

import dev.shopstream.contract.EventType;

import dev.shopstream.pipeline.transforms.TrendingProducts.EventsAndUnits.Totals;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.values.KV;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * The product lines of a bundle summed per product and period of the trend windows (a sum per event type), before the sliding
 * windows are assigned: {@link TrendingProducts} then assigns windows (12 per element for 1 h every 5 min) and
 * updates each window's combining state once per bucket instead of once per product line.
 *
 * <p>Why it is exact: sliding windows of {@code size} every {@code period} (offset zero) start at multiples of
 * {@code period}; when {@code period} divides {@code size}, every timestamp of {@code [k * period, (k + 1) * period)}
 * falls in exactly the same windows, so a bucket's sum (at the newest timestamp of its lines, which stays in the
 * bucket) lands in the same windows as its lines would have. Otherwise lines are only summed per exact timestamp.
 * The sums leave when the bundle finishes; Flink's Beam operator holds its output watermark until then, so they are
 * exactly as on time or late as their lines.
 */
final class TrendBuckets {
  /** Where a sum goes: the product and event type, the bucket, the lines' window before re-windowing. */
  private record Bucket(String productId, long bucket, BoundedWindow window) {}

  /** A bucket's running sum and the newest timestamp of its lines. */
  private static final class Sum {
    final Totals totals = new Totals();
    Instant newest;
  }

  /** A sum ready to be output: key (product), totals per event type, timestamp, window. */
  record Output(KV<String, Totals> element, Instant timestamp, BoundedWindow window) {}

  private final long bucketMillis;
  private final Map<Bucket, Sum> sums = new LinkedHashMap<>();

  /** Buckets of {@code period} when it divides {@code size}, else of one millisecond. */
  TrendBuckets(Duration size, Duration period) {
    long p = period.getMillis();
    this.bucketMillis = p > 0 && size.getMillis() % p == 0 ? p : 1;
  }

  /** Adds one product line ({@code quantity} units of {@code productId}, one event) at {@code timestamp}. */
  void add(String productId, EventType eventType, long quantity, Instant timestamp, BoundedWindow window) {
    long bucket = Math.floorDiv(timestamp.getMillis(), bucketMillis);
    Sum sum = sums.computeIfAbsent(new Bucket(productId, bucket, window), b -> new Sum());
    sum.totals.add(eventType, 1, quantity);
    if (sum.newest == null || timestamp.isAfter(sum.newest)) {
      sum.newest = timestamp;
    }
  }

  /** The sums added since the last drain, in the order their buckets were first seen; then forgets them. */
  List<Output> drain() {
    List<Output> out = new ArrayList<>(sums.size());
    sums.forEach((b, s) -> out.add(new Output(KV.of(b.productId(), s.totals), s.newest, b.window())));
    sums.clear();
    return out;
  }
}
