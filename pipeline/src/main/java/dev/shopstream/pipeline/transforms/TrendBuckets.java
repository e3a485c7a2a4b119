package dev.shopstream.pipeline.transforms;

import dev.shopstream.contract.EventType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.values.KV;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * The product lines of a bundle summed per product and bucket of time (a sum per event type, {@link TrendTotals}),
 * before {@link TrendingProducts}' stateful step adds them to the product's state: one state access per bucket and
 * bundle instead of one per product line.
 *
 * <p>Why it is exact: sliding windows of {@code size} every {@code period} (offset zero) start at multiples of
 * {@code period} and end at multiples of {@code period} plus {@code size}, so every boundary is a multiple of their
 * greatest common divisor (the period when it divides the size, the usual case), and every timestamp of a bucket
 * {@code [k * gcd, (k + 1) * gcd)} falls in exactly the same windows: a bucket's sum (at the newest timestamp of its
 * lines, which stays in the bucket) lands in the same windows as its lines would have. The sums leave when the bundle
 * finishes; Flink's Beam operator holds its output watermark until then, so they are exactly as on time or late as
 * their lines.
 */
final class TrendBuckets {
  /** Where a sum goes: the product and event type, the bucket, the lines' window before re-windowing. */
  private record Bucket(String productId, long bucket, BoundedWindow window) {}

  /** A bucket's running sum and the newest timestamp of its lines. */
  private static final class Sum {
    final TrendTotals totals = new TrendTotals();
    Instant newest;
  }

  /** A sum ready to be output: key (product), totals per event type, timestamp, window. */
  record Output(KV<String, TrendTotals> element, Instant timestamp, BoundedWindow window) {}

  private final long bucketMillis;
  private final Map<Bucket, Sum> sums = new LinkedHashMap<>();

  /** Buckets of the greatest common divisor of {@code size} and {@code period} (positive). */
  TrendBuckets(Duration size, Duration period) {
    this.bucketMillis = new ProductTrends.Geometry(size, period, Duration.ZERO).bucket;
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
