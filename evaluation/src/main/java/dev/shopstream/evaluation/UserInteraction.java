package dev.shopstream.evaluation;

import dev.shopstream.model.Interaction;
import java.util.Objects;

/** One line of an interaction log: who did what with which product, when (the model's {@link Interaction}). */
public record UserInteraction(String user, Interaction interaction) {
  public UserInteraction {
    Objects.requireNonNull(user, "user");
    Objects.requireNonNull(interaction, "interaction");
  }

  public String item() {
    return interaction.productId();
  }
}
