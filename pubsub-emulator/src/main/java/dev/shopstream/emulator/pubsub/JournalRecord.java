package dev.shopstream.emulator.pubsub;

import com.google.pubsub.v1.PubsubMessage;
import com.google.pubsub.v1.Subscription;
import com.google.pubsub.v1.Topic;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * One change of the broker's durable state, as the {@link Journal} stores it: the journal and the snapshots are
 * sequences of these. Subscriptions are named by the broker's internal id (ack ids carry it too), so a publish
 * record names the subscriptions that hold the message in 8 bytes each.
 *
 * <p>Payload: a type byte, then big-endian fields; protobuf messages as their wire bytes (the rest of the payload
 * when last, else length-prefixed). The framing (length, CRC32) is the journal's.
 */
sealed interface JournalRecord {

  byte COUNTERS = 1;
  byte TOPIC_CREATED = 2;
  byte TOPIC_DELETED = 3;
  byte SUBSCRIPTION_PUT = 4;
  byte SUBSCRIPTION_DELETED = 5;
  byte PUBLISHED = 6;
  byte ACKED = 7;

  /** The first record of a snapshot: the next message number and subscription id, never to be reused. */
  record Counters(long nextMessageNumber, long nextSubscriptionId) implements JournalRecord {}

  record TopicCreated(Topic topic) implements JournalRecord {}

  record TopicDeleted(String name) implements JournalRecord {}

  /** A subscription created, or its configuration replaced (e.g. detached when its topic was deleted). */
  record SubscriptionPut(long id, Subscription config) implements JournalRecord {}

  /** A subscription deleted with its backlog. */
  record SubscriptionDeleted(long id) implements JournalRecord {}

  /**
   * A message (with its id and publish time) stored in the backlog of the given subscriptions; with none, only the
   * message number is worth keeping.
   */
  record Published(long number, long[] subscriptionIds, PubsubMessage message) implements JournalRecord {}

  /** Messages removed from a subscription's backlog: acked or forwarded to its dead-letter topic. */
  record Acked(long subscriptionId, long[] numbers) implements JournalRecord {}

  /** The payload: type byte and fields. */
  default byte[] encode() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      if (this instanceof Counters c) {
        out.writeByte(COUNTERS);
        out.writeLong(c.nextMessageNumber());
        out.writeLong(c.nextSubscriptionId());
      } else if (this instanceof TopicCreated t) {
        out.writeByte(TOPIC_CREATED);
        t.topic().writeTo(out);
      } else if (this instanceof TopicDeleted t) {
        out.writeByte(TOPIC_DELETED);
        out.writeUTF(t.name());
      } else if (this instanceof SubscriptionPut s) {
        out.writeByte(SUBSCRIPTION_PUT);
        out.writeLong(s.id());
        s.config().writeTo(out);
      } else if (this instanceof SubscriptionDeleted s) {
        out.writeByte(SUBSCRIPTION_DELETED);
        out.writeLong(s.id());
      } else if (this instanceof Published p) {
        out.writeByte(PUBLISHED);
        out.writeLong(p.number());
        writeLongs(out, p.subscriptionIds());
        p.message().writeTo(out);
      } else if (this instanceof Acked a) {
        out.writeByte(ACKED);
        out.writeLong(a.subscriptionId());
        writeLongs(out, a.numbers());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
    }
    return bytes.toByteArray();
  }

  /**
   * Parses a payload written by {@link #encode()}.
   *
   * @throws IOException if it is not one (unknown type, truncated fields, invalid protobuf)
   */
  static JournalRecord decode(byte[] payload) throws IOException {
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(payload));
    byte type = in.readByte();
    return switch (type) {
      case COUNTERS -> new Counters(in.readLong(), in.readLong());
      case TOPIC_CREATED -> new TopicCreated(Topic.parseFrom(in));
      case TOPIC_DELETED -> new TopicDeleted(in.readUTF());
      case SUBSCRIPTION_PUT -> new SubscriptionPut(in.readLong(), Subscription.parseFrom(in));
      case SUBSCRIPTION_DELETED -> new SubscriptionDeleted(in.readLong());
      case PUBLISHED -> new Published(in.readLong(), readLongs(in), PubsubMessage.parseFrom(in));
      case ACKED -> new Acked(in.readLong(), readLongs(in));
      default -> throw new IOException("unknown journal record type " + type);
    };
  }

  private static void writeLongs(DataOutputStream out, long[] values) throws IOException {
    out.writeInt(values.length);
    for (long value : values) {
      out.writeLong(value);
    }
  }

  private static long[] readLongs(DataInputStream in) throws IOException {
    int count = in.readInt();
    if (count < 0 || count > in.available() / Long.BYTES) {
      throw new IOException("invalid count " + count);
    }
    long[] values = new long[count];
    for (int i = 0; i < count; i++) {
      values[i] = in.readLong();
    }
    return values;
  }
}
