package dev.shopstream.model;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.ObjectInputFilter;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.ByteBuffer;
import java.util.BitSet;
import java.util.Random;

/**
 * A {@link FactorModel}'s whole state in bytes and back, for a pipeline that keeps the model in runner state and
 * checkpoints it: the config, both random generators (negative sampling and the replay reservoir's, as
 * {@link Random}'s own serialized form, which holds its seed and its cached Gaussian), the items in the order the
 * model met them with {@code p}, {@code q} and {@code b}, the counts of steps, the items changed since the last
 * {@link FactorModel#takeChanged()}, and the reservoir's slots. Exact: a restored model trained on goes on bit for bit
 * as the original would have.
 *
 * <p>Format: a version byte ({@value #VERSION}), then the fields in the order above; the embeddings as IEEE 754 doubles
 * (big-endian, 8 bytes each), so a model of n items in d dimensions is about {@code n × (16 d + 20)} bytes plus the
 * reservoir's {@code 4 × (2 + |H|)} bytes a slot.
 */
public final class FactorModelCodec {
  static final int VERSION = 1;
  private static final FactorConfig.Sampling[] SAMPLINGS = FactorConfig.Sampling.values();
  /** Largest count decoded (items, slots, dimensions): beyond it the bytes are not this codec's. */
  private static final int MAX_SIZE = 1 << 26;
  private static final ObjectInputFilter RANDOM_ONLY =
      ObjectInputFilter.Config.createFilter("java.util.Random;maxdepth=2;!*");

  private FactorModelCodec() {}

  /** Writes {@code model}'s state. */
  public static void write(FactorModel model, DataOutputStream out) throws IOException {
    FactorConfig c = model.config;
    out.writeByte(VERSION);
    out.writeInt(c.dimensions());
    out.writeDouble(c.learningRate());
    out.writeDouble(c.regularization());
    out.writeInt(c.negatives());
    out.writeDouble(c.initialScale());
    out.writeLong(c.seed());
    out.writeInt(c.reservoirSize());
    out.writeInt(c.replaySteps());
    out.writeByte(c.sampling().ordinal());
    writeRandom(model.random, out);
    out.writeLong(model.steps);
    out.writeLong(model.replayed);
    int n = model.ids.size();
    int d = c.dimensions();
    out.writeInt(n);
    byte[] buffer = new byte[d * Double.BYTES];
    for (int i = 0; i < n; i++) {
      out.writeUTF(model.ids.get(i));
      writeDoubles(model.context.get(i), buffer, out);
      writeDoubles(model.target.get(i), buffer, out);
      out.writeDouble(model.bias[i]);
    }
    long[] changed = model.changed.toLongArray();
    out.writeInt(changed.length);
    for (long word : changed) {
      out.writeLong(word);
    }
    ReplayReservoir r = model.reservoir;
    out.writeBoolean(r != null);
    if (r != null) {
      writeRandom(r.random, out);
      out.writeLong(r.offered);
      out.writeInt(r.size);
      for (int s = 0; s < r.size; s++) {
        out.writeInt(r.positives[s]);
        int[] ctx = r.contexts[s];
        out.writeInt(ctx.length);
        for (int j : ctx) {
          out.writeInt(j);
        }
      }
    }
    out.flush();
  }

  /** Reads a state {@link #write} wrote. */
  public static FactorModel read(DataInputStream in) throws IOException {
    int version = in.readUnsignedByte();
    if (version != VERSION) {
      throw new IOException("unknown factor model state version " + version + " (expected " + VERSION + ")");
    }
    int d = size(in.readInt(), "dimensions");
    double learningRate = in.readDouble();
    double regularization = in.readDouble();
    int negatives = in.readInt();
    double initialScale = in.readDouble();
    long seed = in.readLong();
    int reservoirSize = in.readInt();
    int replaySteps = in.readInt();
    int sampling = in.readUnsignedByte();
    if (sampling >= SAMPLINGS.length) {
      throw new IOException("bad sampling code " + sampling);
    }
    FactorConfig config = new FactorConfig(d, learningRate, regularization, negatives, initialScale, seed,
        reservoirSize, replaySteps, SAMPLINGS[sampling]);
    Random random = readRandom(in);
    long steps = in.readLong();
    long replayed = in.readLong();
    int n = size(in.readInt(), "items");
    byte[] buffer = new byte[d * Double.BYTES];
    String[] ids = new String[n];
    double[][] context = new double[n][];
    double[][] target = new double[n][];
    double[] bias = new double[n];
    for (int i = 0; i < n; i++) {
      ids[i] = in.readUTF();
      context[i] = readDoubles(d, buffer, in);
      target[i] = readDoubles(d, buffer, in);
      bias[i] = in.readDouble();
    }
    long[] words = new long[size(in.readInt(), "changed words")];
    for (int w = 0; w < words.length; w++) {
      words[w] = in.readLong();
    }
    ReplayReservoir reservoir = null;
    if (in.readBoolean()) {
      reservoir = new ReplayReservoir(reservoirSize, config.sampling(), readRandom(in));
      reservoir.offered = in.readLong();
      int size = in.readInt();
      if (size < 0 || size > reservoirSize) {
        throw new IOException("reservoir size " + size + " out of range [0, " + reservoirSize + "]");
      }
      reservoir.size = size;
      reservoir.positives = new int[size];
      reservoir.contexts = new int[size][];
      for (int s = 0; s < size; s++) {
        reservoir.positives[s] = in.readInt();
        int[] ctx = new int[size(in.readInt(), "context")];
        for (int k = 0; k < ctx.length; k++) {
          ctx[k] = in.readInt();
        }
        reservoir.contexts[s] = ctx;
      }
    }
    FactorModel model = new FactorModel(config, random, reservoir);
    for (int i = 0; i < n; i++) {
      if (model.index.containsKey(ids[i])) {
        throw new IOException("item " + ids[i] + " twice in a factor model state");
      }
      int k = model.add(ids[i], context[i], target[i]); // add may grow the bias array: not inline
      model.bias[k] = bias[i];
    }
    model.steps = steps;
    model.replayed = replayed;
    model.changed.clear(); // add marked every item: the state's own set replaces that
    model.changed.or(BitSet.valueOf(words));
    return model;
  }

  private static int size(int n, String what) throws IOException {
    if (n < 0 || n > MAX_SIZE) {
      throw new IOException(what + " " + n + " out of range [0, " + MAX_SIZE + "]");
    }
    return n;
  }

  private static void writeDoubles(double[] values, byte[] buffer, DataOutputStream out) throws IOException {
    ByteBuffer.wrap(buffer).asDoubleBuffer().put(values);
    out.write(buffer, 0, values.length * Double.BYTES);
  }

  private static double[] readDoubles(int d, byte[] buffer, DataInputStream in) throws IOException {
    in.readFully(buffer, 0, d * Double.BYTES);
    double[] values = new double[d];
    ByteBuffer.wrap(buffer).asDoubleBuffer().get(values);
    return values;
  }

  private static void writeRandom(Random random, DataOutputStream out) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);
    try (ObjectOutputStream o = new ObjectOutputStream(bytes)) {
      o.writeObject(random);
    }
    out.writeInt(bytes.size());
    bytes.writeTo(out);
  }

  private static Random readRandom(DataInputStream in) throws IOException {
    byte[] bytes = new byte[size(in.readInt(), "random state bytes")];
    in.readFully(bytes);
    try (ObjectInputStream o = new ObjectInputStream(new ByteArrayInputStream(bytes))) {
      o.setObjectInputFilter(RANDOM_ONLY); // runner state, but nothing else is ever deserialized from it
      Object value = o.readObject();
      if (value == null || value.getClass() != Random.class) {
        throw new IOException("not a java.util.Random: " + (value == null ? null : value.getClass()));
      }
      return (Random) value;
    } catch (ClassNotFoundException e) {
      throw new IOException(e);
    }
  }
}
