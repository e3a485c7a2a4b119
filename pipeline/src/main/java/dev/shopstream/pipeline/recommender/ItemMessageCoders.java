package dev.shopstream.pipeline.recommender;

import dev.shopstream.model.Signal;
import dev.shopstream.model.SignalVector;
import dev.shopstream.pipeline.recommender.ItemMessages.Pair;
import dev.shopstream.pipeline.recommender.ItemMessages.ToItem;
import dev.shopstream.pipeline.recommender.ItemMessages.ToNeighbors;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.CoderException;
import org.apache.beam.sdk.coders.NullableCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;

/**
 * Compact binary coders for the model's messages ({@link ItemMessages}): strings as UTF-8, a {@link SignalVector}
 * as a mask of its non-zero values among (co_view, co_cart, co_purchase, combined, next) and those values
 * ({@link #writeVector}), lists with their length first. They replace {@code SerializableCoder}, whose Java
 * serialization of every message was three quarters of a Flink batch backfill's time (docs/BENCHMARKS.md).
 * Deterministic, and consistent with {@code equals} (doubles are written bit for bit).
 */
final class ItemMessageCoders {
  private static final StringUtf8Coder STRING = StringUtf8Coder.of();
  private static final NullableCoder<String> NULLABLE_STRING = NullableCoder.of(STRING);
  private static final VarIntCoder VAR_INT = VarIntCoder.of();
  private static final Signal[] ORDER = {Signal.CO_VIEW, Signal.CO_CART, Signal.CO_PURCHASE, Signal.COMBINED,
      Signal.NEXT};

  private ItemMessageCoders() {}

  /**
   * A byte whose bit i says that the i-th value of {@link #ORDER} is not 0 (raw bits: -0.0 is written), then those
   * values big-endian, in one write: a count report's zero increment takes one byte, and the stream (on Flink a
   * wrapper of the network buffer) gets one call instead of five.
   */
  static void writeVector(SignalVector v, OutputStream out) throws IOException {
    byte[] buf = new byte[1 + 8 * ORDER.length];
    int mask = 0;
    int n = 1;
    for (int i = 0; i < ORDER.length; i++) {
      long bits = Double.doubleToRawLongBits(v.get(ORDER[i]));
      if (bits != 0) {
        mask |= 1 << i;
        for (int shift = 56; shift >= 0; shift -= 8) {
          buf[n++] = (byte) (bits >>> shift);
        }
      }
    }
    buf[0] = (byte) mask;
    out.write(buf, 0, n);
  }

  static SignalVector readVector(InputStream in) throws IOException {
    int mask = in.read();
    if (mask < 0) {
      throw new EOFException("a signal vector's mask");
    }
    if (mask == 0) {
      return SignalVector.ZERO;
    }
    if ((mask >>> ORDER.length) != 0) {
      throw new CoderException("bad signal mask " + mask);
    }
    byte[] buf = new byte[8 * Integer.bitCount(mask)];
    for (int off = 0; off < buf.length; ) {
      int read = in.read(buf, off, buf.length - off);
      if (read < 0) {
        throw new EOFException("a signal vector's values");
      }
      off += read;
    }
    double[] v = new double[ORDER.length];
    int n = 0;
    for (int i = 0; i < ORDER.length; i++) {
      if ((mask & 1 << i) != 0) {
        long bits = 0;
        for (int k = 0; k < 8; k++) {
          bits = bits << 8 | (buf[n++] & 0xFF);
        }
        v[i] = Double.longBitsToDouble(bits);
      }
    }
    return SignalVector.of(v[0], v[1], v[2], v[3], v[4]);
  }

  /** {@link ToItem}: the occurrence, the number of pairs, then each pair's item and increment. */
  static final class ToItemCoder extends AtomicCoder<ToItem> {
    static final ToItemCoder INSTANCE = new ToItemCoder();

    @Override
    public void encode(ToItem m, OutputStream out) throws IOException {
      writeVector(m.occurrence(), out);
      VAR_INT.encode(m.pairs().size(), out);
      for (Pair p : m.pairs()) {
        STRING.encode(p.other(), out);
        writeVector(p.increment(), out);
      }
    }

    @Override
    public ToItem decode(InputStream in) throws IOException {
      SignalVector occurrence = readVector(in);
      int n = VAR_INT.decode(in);
      if (n < 0) {
        throw new CoderException("negative pair count " + n);
      }
      List<Pair> pairs = new ArrayList<>(Math.min(n, 1024));
      for (int i = 0; i < n; i++) {
        pairs.add(new Pair(STRING.decode(in), readVector(in)));
      }
      return new ToItem(occurrence, pairs);
    }

    @Override
    public boolean consistentWithEquals() {
      return true;
    }
  }

  /** {@link ToNeighbors}: the neighbour (nullable), the increment and the count. */
  static final class ToNeighborsCoder extends AtomicCoder<ToNeighbors> {
    static final ToNeighborsCoder INSTANCE = new ToNeighborsCoder();

    @Override
    public void encode(ToNeighbors m, OutputStream out) throws IOException {
      NULLABLE_STRING.encode(m.neighbor(), out);
      writeVector(m.increment(), out);
      writeVector(m.count(), out);
    }

    @Override
    public ToNeighbors decode(InputStream in) throws IOException {
      return new ToNeighbors(NULLABLE_STRING.decode(in), readVector(in), readVector(in));
    }

    @Override
    public boolean consistentWithEquals() {
      return true;
    }
  }
}
