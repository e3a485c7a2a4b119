package dev.shopstream.pipeline.transforms;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.joda.time.Duration;

/**
 * One product's trend state, the single state value of {@link TrendingProducts}' stateful step: the product's totals
 * per bucket of time ({@link Geometry#bucket}: the trend period when it divides the window size, in general their
 * greatest common divisor, so that every timestamp of a bucket is in the same sliding windows), and the windows that
 * hold data and are not forgotten yet, each with whether its on-time row went out ({@code closed}: the watermark
 * passed its end) and whether it changed since its last row ({@code dirty}); the newest event-time timer that fired
 * for the product (a lower bound of the watermark, the only one a stateful step gets), the pending close timer and
 * whether a flush timer is pending. Timestamps are epoch millis.
 */
final class ProductTrends {
  static final long NONE = Long.MIN_VALUE;

  /** A window of data: {@code [start, start + size)}. */
  static final class Window {
    boolean closed;
    boolean dirty;
  }

  /** The windows an add changed: on-time ones (early rows) and late ones; empty both when the data was dropped. */
  record Changed(List<Long> onTime, List<Long> late) {
    boolean dropped() {
      return onTime.isEmpty() && late.isEmpty();
    }
  }

  final TreeMap<Long, TrendTotals> buckets = new TreeMap<>();
  final TreeMap<Long, Window> windows = new TreeMap<>();
  long watermarkSeen = NONE;
  long closeTimer = NONE;
  boolean flushPending;

  /**
   * Adds {@code partial} (one product's sums of one bucket) at {@code t}. Data of a window that the known watermark
   * shows beyond the allowed lateness ({@link Geometry#expired}) is dropped; with two-stage semantics (the period
   * divides the size) the whole partial is, when its period is (the windowed implementation dropped it in the
   * period's window, before the sliding windows). A window behind the known watermark takes the data as late.
   */
  Changed add(TrendTotals partial, long t, Geometry g) {
    long[] starts = g.windowStarts(t);
    List<Long> onTime = new ArrayList<>(starts.length);
    List<Long> late = new ArrayList<>(2);
    if (starts.length == 0 || g.wholePeriods() && g.expired(starts[starts.length - 1], watermarkSeen)) {
      return new Changed(onTime, late);
    }
    for (long s : starts) {
      if (g.expired(s, watermarkSeen)) {
        continue; // forgotten (or never kept): its row stays as it was
      }
      Window w = windows.get(s);
      if (w == null) {
        w = new Window();
        w.closed = watermarkSeen != NONE && g.maxTimestamp(s) <= watermarkSeen;
        windows.put(s, w);
      }
      w.dirty = true;
      (w.closed ? late : onTime).add(s);
    }
    if (!onTime.isEmpty() || !late.isEmpty()) {
      buckets.computeIfAbsent(g.bucketOf(t), b -> new TrendTotals()).add(partial);
    }
    return new Changed(onTime, late);
  }

  /** The totals of window {@code start}: the sums of its buckets. */
  TrendTotals totals(long start, Geometry g) {
    TrendTotals sum = new TrendTotals();
    for (TrendTotals b : buckets.subMap(start, true, start + g.size, false).values()) {
      sum.add(b);
    }
    return sum;
  }

  /** The earliest {@link Geometry#due} of the kept windows; {@link #NONE} when there are none. */
  long nextDue(Geometry g) {
    long next = NONE;
    for (Map.Entry<Long, Window> w : windows.entrySet()) {
      long due = g.due(w.getKey(), w.getValue().closed);
      next = next == NONE || due < next ? due : next;
    }
    return next;
  }

  /** Forgets the buckets that no kept window covers (after windows were forgotten). */
  void forgetUncoveredBuckets(Geometry g) {
    for (Iterator<Long> it = buckets.keySet().iterator(); it.hasNext(); ) {
      long b = it.next();
      if (windows.subMap(b - g.size, false, b, true).isEmpty()) {
        it.remove();
      }
    }
  }

  /** Sliding windows of {@code size} every {@code period} (offset zero), the buckets and the allowed lateness. */
  static final class Geometry implements Serializable {
    final long size;
    final long period;
    final long bucket;
    final long allowedLateness;

    Geometry(Duration size, Duration period, Duration allowedLateness) {
      this.size = size.getMillis();
      this.period = period.getMillis();
      if (this.size <= 0 || this.period <= 0) {
        throw new IllegalArgumentException("trend window size and period must be positive, were " + size + ", "
            + period);
      }
      this.bucket = gcd(this.size, this.period);
      this.allowedLateness = allowedLateness.getMillis();
    }

    private static long gcd(long a, long b) {
      return b == 0 ? a : gcd(b, a % b);
    }

    /** Whether the windowed implementation ran in two stages (a fixed window per period before the sliding ones). */
    boolean wholePeriods() {
      return size % period == 0;
    }

    long bucketOf(long t) {
      return Math.floorDiv(t, bucket) * bucket;
    }

    /** Starts of the windows that hold {@code t}, latest first (as Beam's {@code SlidingWindows} assigns them). */
    long[] windowStarts(long t) {
      long last = Math.floorDiv(t, period) * period;
      int n = 0;
      for (long s = last; s > t - size; s -= period) {
        n++;
      }
      long[] starts = new long[n];
      for (int i = 0; i < n; i++) {
        starts[i] = last - i * period;
      }
      return starts;
    }

    long maxTimestamp(long start) {
      return start + size - 1;
    }

    /**
     * Whether the watermark known ({@code watermarkSeen}: a timer at it fired, so the watermark is past it) is beyond
     * the window's end + allowed lateness, where Beam drops a window's data (and where this step forgets it).
     */
    boolean expired(long start, long watermarkSeen) {
      return watermarkSeen != NONE && maxTimestamp(start) + allowedLateness <= watermarkSeen;
    }

    /** When window {@code start}'s on-time row is due (its max timestamp), or, once closed, when it is forgotten. */
    long due(long start, boolean closed) {
      return closed ? maxTimestamp(start) + allowedLateness : maxTimestamp(start);
    }
  }

  /** {@link ProductTrends} in a compact binary form. */
  static final class Coder extends AtomicCoder<ProductTrends> {
    static final Coder INSTANCE = new Coder();
    private static final int VERSION = 1;

    @Override
    public void encode(ProductTrends p, OutputStream out) throws IOException {
      DataOutputStream data = new DataOutputStream(out);
      data.writeByte(VERSION);
      data.writeLong(p.watermarkSeen);
      data.writeLong(p.closeTimer);
      data.writeBoolean(p.flushPending);
      data.writeInt(p.buckets.size());
      for (Map.Entry<Long, TrendTotals> b : p.buckets.entrySet()) {
        data.writeLong(b.getKey());
        data.flush();
        TrendTotals.Coder.INSTANCE.encode(b.getValue(), out);
      }
      data.writeInt(p.windows.size());
      for (Map.Entry<Long, Window> w : p.windows.entrySet()) {
        data.writeLong(w.getKey());
        data.writeByte((w.getValue().closed ? 1 : 0) | (w.getValue().dirty ? 2 : 0));
      }
      data.flush();
    }

    @Override
    public ProductTrends decode(InputStream in) throws IOException {
      DataInputStream data = new DataInputStream(in);
      int version = data.readUnsignedByte();
      if (version != VERSION) {
        throw new IOException("unknown product trends state version " + version);
      }
      ProductTrends p = new ProductTrends();
      p.watermarkSeen = data.readLong();
      p.closeTimer = data.readLong();
      p.flushPending = data.readBoolean();
      for (int i = 0, n = data.readInt(); i < n; i++) {
        long start = data.readLong();
        p.buckets.put(start, TrendTotals.Coder.INSTANCE.decode(in));
      }
      for (int i = 0, n = data.readInt(); i < n; i++) {
        long start = data.readLong();
        int flags = data.readUnsignedByte();
        Window w = new Window();
        w.closed = (flags & 1) != 0;
        w.dirty = (flags & 2) != 0;
        p.windows.put(start, w);
      }
      return p;
    }
  }
}
