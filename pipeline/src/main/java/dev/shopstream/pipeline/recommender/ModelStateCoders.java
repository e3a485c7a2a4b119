package dev.shopstream.pipeline.recommender;

import dev.shopstream.contract.EventType;
import dev.shopstream.model.Interaction;
import dev.shopstream.model.ItemNeighbors;
import dev.shopstream.model.Signal;
import dev.shopstream.model.SignalVector;
import dev.shopstream.model.UserHistory;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.CoderException;
import org.apache.beam.sdk.util.VarInt;

/**
 * Compact binary coders for the state of {@link ItemToItemModel}: a user's {@link UserState}, an item counter's
 * {@link ItemCounter} and an item's neighbour list ({@link ItemNeighbors}). They replace {@code SerializableCoder}:
 * Java serialization of every state value in each checkpoint (and of every value a step touches while an asynchronous
 * checkpoint is being written: Flink's heap state copies it through the coder first) was the model's largest
 * checkpoint cost (docs/BENCHMARKS.md, "Model state").
 *
 * <p>Format: a version byte ({@value #VERSION}), then the fields; strings as a var-int length and UTF-8; a
 * {@link SignalVector} as a byte whose bit i says that the i-th value of (co_view, co_cart, co_purchase, combined,
 * next) is not 0, then those values bit for bit; lists and maps with their size first; an item's candidates sorted by
 * id. Deterministic, and exact (a decoded value encodes to the same bytes and behaves as the original). Changing
 * these coders (or the state they hold) changes the state's layout: a running job cannot be updated in place across
 * such a change (docs/DATAFLOW.md, "Upgrading a running pipeline").
 */
final class ModelStateCoders {
  static final int VERSION = 1;
  /** The version of {@link ItemCounterCoder}'s format. */
  static final int COUNTER_VERSION = 2;
  private static final Signal[] ORDER = {Signal.CO_VIEW, Signal.CO_CART, Signal.CO_PURCHASE, Signal.COMBINED,
      Signal.NEXT};
  /** Event types by their code in the state (not their ordinals: reordering the enum keeps the state readable). */
  private static final EventType[] TYPES = {EventType.VIEW, EventType.SEARCH, EventType.ADD_TO_CART,
      EventType.REMOVE_FROM_CART, EventType.PURCHASE};
  /** Longest string (bytes) and largest collection decoded: beyond them the bytes are not this coder's. */
  private static final int MAX_STRING_BYTES = 1 << 20;
  private static final int MAX_SIZE = 1 << 24;

  private ModelStateCoders() {}

  static void writeString(String s, DataOutputStream out) throws IOException {
    byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
    VarInt.encode(bytes.length, out);
    out.write(bytes);
  }

  static String readString(DataInputStream in) throws IOException {
    int n = readSize(in, MAX_STRING_BYTES);
    byte[] bytes = new byte[n];
    in.readFully(bytes);
    return new String(bytes, StandardCharsets.UTF_8);
  }

  static int readSize(DataInputStream in, int max) throws IOException {
    int n = VarInt.decodeInt(in);
    if (n < 0 || n > max) {
      throw new CoderException("size " + n + " out of range [0, " + max + "]");
    }
    return n;
  }

  static void writeVector(SignalVector v, DataOutputStream out) throws IOException {
    int mask = 0;
    for (int i = 0; i < ORDER.length; i++) {
      if (Double.doubleToRawLongBits(v.get(ORDER[i])) != 0) {
        mask |= 1 << i;
      }
    }
    out.writeByte(mask);
    for (int i = 0; i < ORDER.length; i++) {
      if ((mask & 1 << i) != 0) {
        out.writeDouble(v.get(ORDER[i]));
      }
    }
  }

  static SignalVector readVector(DataInputStream in) throws IOException {
    int mask = in.readUnsignedByte();
    if (mask == 0) {
      return SignalVector.ZERO;
    }
    if ((mask >>> ORDER.length) != 0) {
      throw new CoderException("bad signal mask " + mask);
    }
    double[] v = new double[ORDER.length];
    for (int i = 0; i < ORDER.length; i++) {
      if ((mask & 1 << i) != 0) {
        v[i] = in.readDouble();
      }
    }
    return SignalVector.of(v[0], v[1], v[2], v[3], v[4]);
  }

  private static void readVersion(DataInputStream in, String what) throws IOException {
    int version = in.readUnsignedByte();
    if (version != VERSION) {
      throw new CoderException("unknown " + what + " state version " + version + " (expected " + VERSION + ")");
    }
  }

  private static int typeCode(EventType type) {
    for (int i = 0; i < TYPES.length; i++) {
      if (TYPES[i] == type) {
        return i;
      }
    }
    throw new IllegalArgumentException("no state code for event type " + type);
  }

  /** An interaction: product, type code, epoch second, nanosecond. */
  static void writeInteraction(Interaction i, DataOutputStream out) throws IOException {
    writeString(i.productId(), out);
    out.writeByte(typeCode(i.type()));
    out.writeLong(i.time().getEpochSecond());
    out.writeInt(i.time().getNano());
  }

  static Interaction readInteraction(DataInputStream in) throws IOException {
    String product = readString(in);
    int code = in.readUnsignedByte();
    if (code >= TYPES.length) {
      throw new CoderException("bad event type code " + code);
    }
    long seconds = in.readLong();
    int nanos = in.readInt();
    return new Interaction(product, TYPES[code], java.time.Instant.ofEpochSecond(seconds, nanos));
  }

  /**
   * {@link UserState}: the version, the newest time seen, the pending expiry timer, the recent interactions (product,
   * type code, epoch second, nanosecond) newest first, and the purchased products most recent first.
   */
  static final class UserStateCoder extends AtomicCoder<UserState> {
    static final UserStateCoder INSTANCE = new UserStateCoder();

    @Override
    public void encode(UserState state, OutputStream outStream) throws IOException {
      DataOutputStream out = new DataOutputStream(outStream);
      out.writeByte(VERSION);
      out.writeLong(state.lastSeen());
      out.writeLong(state.expiryTimer());
      List<Interaction> recent = state.history().recent();
      VarInt.encode(recent.size(), out);
      for (Interaction i : recent) {
        writeInteraction(i, out);
      }
      List<String> purchased = state.history().purchased();
      VarInt.encode(purchased.size(), out);
      for (String p : purchased) {
        writeString(p, out);
      }
      out.flush();
    }

    @Override
    public UserState decode(InputStream inStream) throws IOException {
      DataInputStream in = new DataInputStream(inStream);
      readVersion(in, "user");
      long lastSeen = in.readLong();
      long expiryTimer = in.readLong();
      int n = readSize(in, MAX_SIZE);
      List<Interaction> recent = new ArrayList<>(Math.min(n, 1024));
      for (int k = 0; k < n; k++) {
        recent.add(readInteraction(in));
      }
      int m = readSize(in, MAX_SIZE);
      List<String> purchased = new ArrayList<>(Math.min(m, 1024));
      for (int k = 0; k < m; k++) {
        purchased.add(readString(in));
      }
      return new UserState(UserHistory.restore(recent, purchased), lastSeen, expiryTimer);
    }
  }

  /**
   * {@link ItemCounter}: its own version ({@value #COUNTER_VERSION}: the counters held an {@link ItemNeighbors} of
   * version 1 before, which this coder refuses), the item, its count, then its partners sorted by id, each with its
   * combined co-count.
   */
  static final class ItemCounterCoder extends AtomicCoder<ItemCounter> {
    static final ItemCounterCoder INSTANCE = new ItemCounterCoder();

    @Override
    public void encode(ItemCounter counter, OutputStream outStream) throws IOException {
      DataOutputStream out = new DataOutputStream(outStream);
      out.writeByte(COUNTER_VERSION);
      writeString(counter.itemId(), out);
      writeVector(counter.count(), out);
      Map<String, Double> weights = counter.partnerWeights();
      List<String> ids = new ArrayList<>(weights.keySet());
      ids.sort(null);
      VarInt.encode(ids.size(), out);
      for (String id : ids) {
        writeString(id, out);
        out.writeDouble(weights.get(id));
      }
      out.flush();
    }

    @Override
    public ItemCounter decode(InputStream inStream) throws IOException {
      DataInputStream in = new DataInputStream(inStream);
      int version = in.readUnsignedByte();
      if (version != COUNTER_VERSION) {
        throw new CoderException("unknown item counter state version " + version + " (expected " + COUNTER_VERSION
            + "; version 1 is an item's neighbour list, the counters' state before 2026-12-08)");
      }
      String itemId = readString(in);
      SignalVector count = readVector(in);
      int n = readSize(in, MAX_SIZE);
      Map<String, Double> weights = new HashMap<>(Math.min(n, 1024) * 4 / 3 + 1);
      for (int k = 0; k < n; k++) {
        String id = readString(in);
        weights.put(id, in.readDouble());
      }
      return ItemCounter.restore(itemId, count, weights);
    }
  }

  /**
   * {@link ItemNeighbors}: the version, the item, its count, then its candidates sorted by id, each with its
   * co-count and the neighbour's last known count.
   */
  static final class ItemNeighborsCoder extends AtomicCoder<ItemNeighbors> {
    static final ItemNeighborsCoder INSTANCE = new ItemNeighborsCoder();

    @Override
    public void encode(ItemNeighbors neighbors, OutputStream outStream) throws IOException {
      DataOutputStream out = new DataOutputStream(outStream);
      out.writeByte(VERSION);
      writeString(neighbors.itemId(), out);
      writeVector(neighbors.count(), out);
      List<String> ids = neighbors.candidateIds();
      VarInt.encode(ids.size(), out);
      for (String id : ids) {
        ItemNeighbors.Candidate c = neighbors.candidate(id);
        writeString(id, out);
        writeVector(c.coCount(), out);
        writeVector(c.neighborCount(), out);
      }
      out.flush();
    }

    @Override
    public ItemNeighbors decode(InputStream inStream) throws IOException {
      DataInputStream in = new DataInputStream(inStream);
      readVersion(in, "item");
      String itemId = readString(in);
      SignalVector count = readVector(in);
      int n = readSize(in, MAX_SIZE);
      Map<String, ItemNeighbors.Candidate> candidates = new HashMap<>(Math.min(n, 1024) * 4 / 3 + 1);
      for (int k = 0; k < n; k++) {
        String id = readString(in);
        candidates.put(id, new ItemNeighbors.Candidate(readVector(in), readVector(in)));
      }
      return ItemNeighbors.restore(itemId, count, candidates);
    }
  }
}
