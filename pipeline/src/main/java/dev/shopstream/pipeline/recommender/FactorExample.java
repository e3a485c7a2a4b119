package dev.shopstream.pipeline.recommender;

import dev.shopstream.model.Interaction;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.util.VarInt;

/**
 * One training example of the factor model ({@link FactorTrainer}): an interaction and the user's recent items before
 * it, newest first ({@code UserHistory.recent()}, at most {@code maxItemsPerUser}), what evaluation's factor training
 * passes to {@code FactorModel.observe} for the same interaction.
 */
public record FactorExample(List<Interaction> history, Interaction interaction) {
  public FactorExample {
    history = List.copyOf(history);
    Objects.requireNonNull(interaction, "interaction");
  }

  /**
   * Compact: the history's size, then each interaction and the example's own as the user state writes them
   * (product, type code, epoch second, nanosecond: {@link ModelStateCoders}).
   */
  public static final class Coder extends AtomicCoder<FactorExample> {
    public static final Coder INSTANCE = new Coder();
    private static final int MAX_HISTORY = 1 << 16;

    private Coder() {}

    @Override
    public void encode(FactorExample example, OutputStream outStream) throws IOException {
      DataOutputStream out = new DataOutputStream(outStream);
      VarInt.encode(example.history().size(), out);
      for (Interaction i : example.history()) {
        ModelStateCoders.writeInteraction(i, out);
      }
      ModelStateCoders.writeInteraction(example.interaction(), out);
      out.flush();
    }

    @Override
    public FactorExample decode(InputStream inStream) throws IOException {
      DataInputStream in = new DataInputStream(inStream);
      int n = ModelStateCoders.readSize(in, MAX_HISTORY);
      List<Interaction> history = new ArrayList<>(n);
      for (int k = 0; k < n; k++) {
        history.add(ModelStateCoders.readInteraction(in));
      }
      return new FactorExample(history, ModelStateCoders.readInteraction(in));
    }

    @Override
    public void verifyDeterministic() {}
  }
}
