package dev.shopstream.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shopstream.contract.EventType;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A model written and read back mid-stream goes on exactly as the model that never stopped: what a pipeline that keeps
 * the model in checkpointed state relies on (a restore is invisible in the parameters).
 */
class FactorModelCodecTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  /** A stream of (history, interaction) examples: 150 users over 40 items, with repeats; histories of up to 20. */
  record Example(List<Interaction> history, Interaction x) {}

  static List<Example> stream(int n, long seed) {
    Random r = new Random(seed);
    List<List<Interaction>> users = new ArrayList<>();
    for (int u = 0; u < 150; u++) {
      users.add(new ArrayList<>());
    }
    List<Example> out = new ArrayList<>();
    for (int k = 0; k < n; k++) {
      List<Interaction> h = users.get(r.nextInt(users.size()));
      int cluster = r.nextInt(4);
      Interaction x = new Interaction("p-" + (cluster * 10 + r.nextInt(10)),
          r.nextBoolean() ? EventType.VIEW : EventType.PURCHASE, T0.plusSeconds(k));
      out.add(new Example(List.copyOf(h), x));
      h.removeIf(i -> i.productId().equals(x.productId()));
      h.add(0, x);
      if (h.size() > 20) {
        h.remove(20);
      }
    }
    return out;
  }

  static void train(FactorModel model, List<Example> examples) {
    for (Example e : examples) {
      model.observe(e.history(), e.x());
    }
  }

  static FactorModel roundTrip(FactorModel model) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    FactorModelCodec.write(model, new DataOutputStream(bytes));
    FactorModel read = FactorModelCodec.read(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
    ByteArrayOutputStream again = new ByteArrayOutputStream();
    FactorModelCodec.write(read, new DataOutputStream(again));
    assertThat(again.toByteArray()).as("a decoded model encodes to the same bytes").isEqualTo(bytes.toByteArray());
    return read;
  }

  /** Ids, vectors and biases bit for bit, and the counts of steps. */
  static void assertSameModel(FactorModel actual, FactorModel expected) {
    assertThat(actual.ids()).isEqualTo(expected.ids());
    assertThat(actual.steps()).isEqualTo(expected.steps());
    assertThat(actual.replayed()).isEqualTo(expected.replayed());
    for (String id : expected.ids()) {
      FactorModel.Vectors a = actual.vectors(id);
      FactorModel.Vectors e = expected.vectors(id);
      assertThat(a.context()).as(id).isEqualTo(e.context());
      assertThat(a.target()).as(id).isEqualTo(e.target());
      assertThat(Double.doubleToRawLongBits(a.bias())).as(id).isEqualTo(Double.doubleToRawLongBits(e.bias()));
    }
  }

  @Test
  void trainingHalfThenRestoringThenTheRestEqualsTrainingOnTheWholeStreamBitForBit() throws IOException {
    for (FactorConfig config : List.of(FactorConfig.defaults(),
        FactorConfig.defaults().withReservoirSize(300), // the reservoir fills and replaces slots
        FactorConfig.defaults().withSampling(FactorConfig.Sampling.UNIFORM).withReservoirSize(300),
        FactorConfig.defaults().withReplaySteps(0).withDimensions(8))) {
      List<Example> stream = stream(3_000, 11);
      FactorModel whole = new FactorModel(config);
      train(whole, stream);

      FactorModel first = new FactorModel(config);
      train(first, stream.subList(0, 1_501)); // an odd count: a cached second Gaussian or a half-used draw is kept
      first.takeChanged();
      train(first, stream.subList(1_501, 1_700));
      FactorModel restored = roundTrip(first);
      train(restored, stream.subList(1_700, stream.size()));

      assertThat(whole.steps()).as(config.toString()).isGreaterThan(1_000);
      assertSameModel(restored, whole);
    }
  }

  @Test
  void theChangedItemsSurviveARestoreAndAreTakenOnce() throws IOException {
    FactorModel model = new FactorModel(FactorConfig.defaults().withReplaySteps(0));
    model.observe(List.of(), new Interaction("a", EventType.VIEW, T0));
    model.observe(List.of(), new Interaction("b", EventType.VIEW, T0));
    assertThat(model.takeChanged()).containsExactly("a", "b");
    assertThat(model.takeChanged()).isEmpty();
    model.observe(List.of(new Interaction("a", EventType.VIEW, T0)), new Interaction("c", EventType.VIEW, T0));
    FactorModel restored = roundTrip(model);
    // c is new (and the positive), a is the history whose p moved, b the only possible negative
    assertThat(restored.takeChanged()).containsExactly("a", "b", "c");
    assertThat(restored.takeChanged()).isEmpty();
  }

  @Test
  void bytesOfAnotherVersionAreRefused() {
    assertThatThrownBy(() -> FactorModelCodec.read(new DataInputStream(new ByteArrayInputStream(new byte[] {9}))))
        .isInstanceOf(IOException.class).hasMessageContaining("version 9");
  }
}
