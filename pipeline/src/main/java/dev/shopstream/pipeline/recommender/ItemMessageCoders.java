package dev.shopstream.pipeline.recommender;

import dev.shopstream.model.Signal;
import dev.shopstream.model.SignalVector;
import dev.shopstream.pipeline.recommender.ItemMessages.Pair;
import dev.shopstream.pipeline.recommender.ItemMessages.ToItem;
import dev.shopstream.pipeline.recommender.ItemMessages.ToNeighbors;
import java.io.DataInputStream;
import java.io.DataOutputStream;
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
 * as its five doubles (co_view, co_cart, co_purchase, combined, next), lists with their length first. They replace {@code SerializableCoder}, whose Java
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

  static void writeVector(SignalVector v, OutputStream out) throws IOException {
    DataOutputStream data = new DataOutputStream(out);
    for (Signal s : ORDER) {
      data.writeDouble(v.get(s));
    }
    data.flush();
  }

  static SignalVector readVector(InputStream in) throws IOException {
    DataInputStream data = new DataInputStream(in);
    return SignalVector.of(data.readDouble(), data.readDouble(), data.readDouble(), data.readDouble(),
        data.readDouble());
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
