package dev.shopstream.pipeline.recommender;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shopstream.contract.EventType;
import dev.shopstream.model.Interaction;
import dev.shopstream.model.ItemNeighbors;
import dev.shopstream.model.ModelConfig;
import dev.shopstream.model.Signal;
import dev.shopstream.model.Similarity;
import dev.shopstream.model.SignalVector;
import dev.shopstream.model.UserHistory;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderException;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.testing.CoderProperties;
import org.apache.beam.sdk.util.CoderUtils;
import org.junit.jupiter.api.Test;

/**
 * The model's state coders restore a value that encodes to the same bytes and behaves as the original (what state
 * restored from a checkpoint does next), deterministically, and refuse bytes that are not theirs.
 */
class ModelStateCodersTest {
  private static final ModelStateCoders.UserStateCoder USER = ModelStateCoders.UserStateCoder.INSTANCE;
  private static final ModelStateCoders.ItemNeighborsCoder ITEM = ModelStateCoders.ItemNeighborsCoder.INSTANCE;
  private static final ModelConfig CONFIG = ModelConfig.defaults();
  private static final Instant T0 = Instant.parse("2026-11-22T10:00:00.123456789Z");

  private static <T> T roundTrip(Coder<T> coder, T value) throws Exception {
    CoderProperties.coderDeterministic(coder, value, value);
    CoderProperties.structuralValueDecodeEncodeEqual(coder, value);
    return CoderUtils.decodeFromByteArray(coder, CoderUtils.encodeToByteArray(coder, value));
  }

  private static UserState user() {
    UserHistory history = new UserHistory();
    EventType[] types = {EventType.VIEW, EventType.ADD_TO_CART, EventType.PURCHASE, EventType.VIEW};
    String[] products = {"p-1", "ü-😀", "p-1", "", "p-300"};
    for (int i = 0; i < 12; i++) {
      history.observe(new Interaction(products[i % products.length] + (i > 5 ? "x" : ""), types[i % types.length],
          T0.plusSeconds(37L * i).plusNanos(i)), CONFIG);
    }
    assertThat(history.recent()).hasSizeGreaterThan(3);
    assertThat(history.purchased()).isNotEmpty();
    return new UserState(history, T0.toEpochMilli() + 999, -42);
  }

  @Test
  void aUserStateRoundTripsExactlyAndObservesAsTheOriginal() throws Exception {
    for (UserState state : List.of(UserState.empty(), user())) {
      UserState decoded = roundTrip(USER, state);
      assertThat(decoded.lastSeen()).isEqualTo(state.lastSeen());
      assertThat(decoded.expiryTimer()).isEqualTo(state.expiryTimer());
      assertThat(decoded.history().recent()).isEqualTo(state.history().recent());
      assertThat(decoded.history().purchased()).isEqualTo(state.history().purchased());

      Interaction next = new Interaction("p-2", EventType.VIEW, T0.plus(Duration.ofMinutes(30)));
      assertThat(decoded.history().observe(next, CONFIG)).isEqualTo(state.history().observe(next, CONFIG));
      assertThat(CoderUtils.encodeToByteArray(USER, decoded)).isEqualTo(CoderUtils.encodeToByteArray(USER, state));
    }
  }

  private static SignalVector vector(Random random) {
    double[] v = new double[5];
    for (int i = 0; i < v.length; i++) {
      int kind = random.nextInt(4);
      v[i] = kind == 0 ? 0 : kind == 1 ? random.nextInt(5) : kind == 2 ? random.nextDouble() : 1e-300 * random.nextInt(3);
    }
    return SignalVector.of(v[0], v[1], v[2], v[3], v[4]);
  }

  private static ItemNeighbors item(Random random, int max) {
    ItemNeighbors item = new ItemNeighbors("p-0");
    item.addOccurrence(SignalVector.of(3, 0, 0.25, 0.1 + 0.2, 1.0 / 3));
    for (int i = 0; i < 400; i++) {
      String other = "p-" + random.nextInt(60);
      if (random.nextInt(4) == 0) {
        item.reportNeighborCount(other, vector(random));
      } else {
        item.addCoOccurrence(other, vector(random), random.nextBoolean() ? null : vector(random), max);
      }
    }
    return item;
  }

  private static void assertSame(ItemNeighbors actual, ItemNeighbors expected) {
    assertThat(actual.itemId()).isEqualTo(expected.itemId());
    assertThat(actual.count()).isEqualTo(expected.count());
    assertThat(actual.candidateIds()).isEqualTo(expected.candidateIds());
    for (String id : expected.candidateIds()) {
      assertThat(actual.candidate(id)).as(id).isEqualTo(expected.candidate(id));
    }
    for (Signal signal : Signal.values()) {
      assertThat(actual.top(20, signal, Similarity.COSINE, 0)).isEqualTo(expected.top(20, signal, Similarity.COSINE, 0));
    }
  }

  @Test
  void anItemRoundTripsExactlyAndEvictsAsTheOriginalAfterwards() throws Exception {
    for (int seed = 0; seed < 20; seed++) {
      Random random = new Random(seed);
      int max = 10 + random.nextInt(40);
      ItemNeighbors original = item(random, max);
      ItemNeighbors decoded = roundTrip(ITEM, original);
      assertSame(decoded, original);
      // what the restored state does next: the same candidates kept and evicted
      long next = random.nextLong();
      for (ItemNeighbors target : List.of(original, decoded)) {
        Random r = new Random(next);
        for (int i = 0; i < 200; i++) {
          target.addCoOccurrence("p-" + r.nextInt(80), vector(r), vector(r), max);
        }
      }
      assertSame(decoded, original);
    }
    // the same item built in another order (another HashMap layout) encodes to the same bytes
    ItemNeighbors forward = new ItemNeighbors("x");
    ItemNeighbors backward = new ItemNeighbors("x");
    for (int i = 0; i < 300; i++) {
      forward.addCoOccurrence("n" + i, SignalVector.of(0, 0, 0, i % 7, 0), null, 1_000);
      backward.addCoOccurrence("n" + (299 - i), SignalVector.of(0, 0, 0, (299 - i) % 7, 0), null, 1_000);
    }
    assertThat(CoderUtils.encodeToByteArray(ITEM, forward)).isEqualTo(CoderUtils.encodeToByteArray(ITEM, backward));
    assertSame(roundTrip(ITEM, new ItemNeighbors("")), new ItemNeighbors(""));
    // bit for bit: -0.0 is not 0.0 (SignalVector's equals tells them apart)
    ItemNeighbors negativeZero = ItemNeighbors.restore("n", SignalVector.of(3, 0, -0.0, 0.1 + 0.2, 1.0 / 3),
        java.util.Map.of("m", new ItemNeighbors.Candidate(SignalVector.of(-0.0, 1, 0, 0, 0), SignalVector.ZERO)));
    assertSame(roundTrip(ITEM, negativeZero), negativeZero);
    assertThat(roundTrip(ITEM, negativeZero).count()).isNotEqualTo(SignalVector.of(3, 0, 0, 0.1 + 0.2, 1.0 / 3));
  }

  @Test
  void encodingIsFarSmallerThanJavaSerialization() throws Exception {
    ItemNeighbors item = item(new Random(1), 200);
    byte[] compact = CoderUtils.encodeToByteArray(ITEM, item);
    byte[] serialized = CoderUtils.encodeToByteArray(SerializableCoder.of(ItemNeighbors.class), item);
    assertThat(compact.length).isLessThan(serialized.length * 2 / 3); // random, mostly non-zero doubles
    UserState user = user();
    assertThat(CoderUtils.encodeToByteArray(USER, user).length)
        .isLessThan(CoderUtils.encodeToByteArray(SerializableCoder.of(UserHistory.class), user.history()).length / 3);
  }

  @Test
  void bytesThatAreNotTheCodersAreRefused() throws Exception {
    byte[] item = CoderUtils.encodeToByteArray(ITEM, item(new Random(2), 50));
    byte[] user = CoderUtils.encodeToByteArray(USER, user());
    for (byte[] bytes : List.of(item, user)) {
      Coder<?> coder = bytes == item ? ITEM : USER;
      byte[] cut = Arrays.copyOf(bytes, bytes.length - 1);
      assertThatThrownBy(() -> coder.decode(new ByteArrayInputStream(cut))).isInstanceOf(IOException.class);
      byte[] otherVersion = bytes.clone();
      otherVersion[0] = 2;
      assertThatThrownBy(() -> coder.decode(new ByteArrayInputStream(otherVersion)))
          .isInstanceOf(CoderException.class).hasMessageContaining("version 2");
    }
    // the item's count vector: its mask byte follows the version and the id "p-0" (length 3)
    byte[] badMask = item.clone();
    badMask[5] = (byte) 0xE0;
    assertThatThrownBy(() -> ITEM.decode(new ByteArrayInputStream(badMask)))
        .isInstanceOf(CoderException.class).hasMessageContaining("mask");
  }
}
