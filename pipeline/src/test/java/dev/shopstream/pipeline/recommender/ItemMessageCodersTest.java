package dev.shopstream.pipeline.recommender;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shopstream.model.SignalVector;
import dev.shopstream.pipeline.recommender.ItemMessages.Pair;
import dev.shopstream.pipeline.recommender.ItemMessages.ToItem;
import dev.shopstream.pipeline.recommender.ItemMessages.ToNeighbors;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.List;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.testing.CoderProperties;
import org.apache.beam.sdk.util.CoderUtils;
import org.junit.jupiter.api.Test;

class ItemMessageCodersTest {
  private static final SignalVector V = SignalVector.of(1, 0, 0.25, 1e-300, 0.5);
  private static final SignalVector W = SignalVector.of(0, 3, 5, 0.1 + 0.2, 1.0 / 3);

  @Test
  void toItemRoundTripsExactlyAndIsDeterministic() throws Exception {
    for (ToItem m : List.of(new ToItem(SignalVector.ZERO, List.of()),
        new ToItem(V, List.of(new Pair("b", W), new Pair("ü-😀", V), new Pair("", SignalVector.ZERO))))) {
      CoderProperties.coderDecodeEncodeEqual(ItemMessageCoders.ToItemCoder.INSTANCE, m);
      CoderProperties.coderDeterministic(ItemMessageCoders.ToItemCoder.INSTANCE, m, m);
      CoderProperties.coderConsistentWithEquals(ItemMessageCoders.ToItemCoder.INSTANCE, m, m);
    }
  }

  @Test
  void toNeighborsRoundTripsWithAndWithoutANeighbour() throws Exception {
    for (ToNeighbors m : List.of(new ToNeighbors(null, SignalVector.ZERO, V), new ToNeighbors("n-1", W, V))) {
      CoderProperties.coderDecodeEncodeEqual(ItemMessageCoders.ToNeighborsCoder.INSTANCE, m);
      CoderProperties.coderDeterministic(ItemMessageCoders.ToNeighborsCoder.INSTANCE, m, m);
    }
  }

  @Test
  void vectorsKeepEveryValueBitForBitAndAZeroIncrementTakesOneByte() throws Exception {
    var coder = ItemMessageCoders.ToNeighborsCoder.INSTANCE;
    for (SignalVector v : List.of(SignalVector.of(-0.0, Double.MIN_VALUE, -1e300, Double.NaN, 0),
        SignalVector.of(1, 2, 3, 4, 5), SignalVector.ZERO)) {
      ToNeighbors m = new ToNeighbors("n", v, v);
      ToNeighbors back = CoderUtils.clone(coder, m);
      for (var signal : dev.shopstream.model.Signal.values()) {
        assertThat(Double.doubleToRawLongBits(back.increment().get(signal)))
            .isEqualTo(Double.doubleToRawLongBits(v.get(signal)));
      }
    }
    // a count report: no neighbour (1 byte), a zero increment (1 byte), a count of two non-zero values
    assertThat(CoderUtils.encodeToByteArray(coder, new ToNeighbors(null, SignalVector.ZERO,
        SignalVector.of(3, 0, 0, 3, 0)))).hasSize(1 + 1 + 1 + 16);
  }

  @Test
  void encodingIsFarSmallerThanJavaSerializationAndTruncationFails() throws Exception {
    ToItem m = new ToItem(V, List.of(new Pair("product-0001", W), new Pair("product-0002", V)));
    byte[] compact = CoderUtils.encodeToByteArray(ItemMessageCoders.ToItemCoder.INSTANCE, m);
    byte[] serialized = CoderUtils.encodeToByteArray(SerializableCoder.of(ToItem.class), m);
    // a vector: a mask byte and its non-zero values (V and W have four each)
    assertThat(compact.length).isEqualTo(33 + 1 + 2 * (1 + 12 + 33)).isLessThan(serialized.length / 3);
    byte[] cut = java.util.Arrays.copyOf(compact, compact.length - 1);
    assertThatThrownBy(() -> ItemMessageCoders.ToItemCoder.INSTANCE.decode(new ByteArrayInputStream(cut)))
        .isInstanceOf(IOException.class);
  }
}
