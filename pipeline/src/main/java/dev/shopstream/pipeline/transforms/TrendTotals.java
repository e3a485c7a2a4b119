package dev.shopstream.pipeline.transforms;

import dev.shopstream.contract.EventType;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.VarLongCoder;

/**
 * Running totals (events and units) per event type of one product, in one bucket of time or window; mutated in
 * place. What {@link TrendBuckets} sums per bundle and {@link ProductTrends} keeps per bucket.
 */
final class TrendTotals {
  static final EventType[] TYPES = EventType.values();

  final long[] events = new long[TYPES.length];
  final long[] units = new long[TYPES.length];

  void add(EventType type, long eventCount, long unitCount) {
    events[type.ordinal()] += eventCount;
    units[type.ordinal()] += unitCount;
  }

  void add(TrendTotals other) {
    for (int i = 0; i < TYPES.length; i++) {
      events[i] += other.events[i];
      units[i] += other.units[i];
    }
  }

  long events(EventType type) {
    return events[type.ordinal()];
  }

  long units(EventType type) {
    return units[type.ordinal()];
  }

  boolean isEmpty() {
    for (long n : events) {
      if (n != 0) {
        return false;
      }
    }
    return true;
  }

  TrendTotals copy() {
    TrendTotals copy = new TrendTotals();
    copy.add(this);
    return copy;
  }

  /** Per event type (in enum order), two variable-length longs: events and units. */
  static final class Coder extends AtomicCoder<TrendTotals> {
    static final Coder INSTANCE = new Coder();

    @Override
    public void encode(TrendTotals totals, OutputStream out) throws IOException {
      for (int i = 0; i < TYPES.length; i++) {
        VarLongCoder.of().encode(totals.events[i], out);
        VarLongCoder.of().encode(totals.units[i], out);
      }
    }

    @Override
    public TrendTotals decode(InputStream in) throws IOException {
      TrendTotals totals = new TrendTotals();
      for (int i = 0; i < TYPES.length; i++) {
        totals.events[i] = VarLongCoder.of().decode(in);
        totals.units[i] = VarLongCoder.of().decode(in);
      }
      return totals;
    }

    @Override
    public void verifyDeterministic() {}
  }
}
