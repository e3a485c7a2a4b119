package dev.shopstream.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shopstream.contract.EventType;
import dev.shopstream.model.Interaction;
import dev.shopstream.model.Recommendation;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The first-order Markov baseline counts directed transitions; the tuner can be limited to named parameters. */
class MarkovBaselineTest {
  private static final Instant T = Instant.parse("2011-11-01T10:00:00Z");

  private static List<UserInteraction> log(String... userItem) {
    List<UserInteraction> out = new ArrayList<>();
    for (int i = 0; i < userItem.length; i++) {
      String[] p = userItem[i].split(":");
      out.add(new UserInteraction(p[0], new Interaction(p[1], EventType.PURCHASE, T.plusSeconds(i))));
    }
    return out;
  }

  @Test
  void theNextItemsAfterTheLastOneByTransitionCountAndNeverTheReverse() {
    Method markov = Method.markov().train(log("u1:A", "u1:B", "u2:A", "u2:B", "u3:A", "u3:C", "u3:C", "u4:B",
        "u4:D"));

    List<Interaction> afterA = List.of(new Interaction("A", EventType.VIEW, T));
    assertThat(markov.forItems(afterA, T, 10, Set.of())).containsExactly(new Recommendation("B", 2),
        new Recommendation("C", 1));
    assertThat(markov.forItems(afterA, T, 10, Set.of("B"))).containsExactly(new Recommendation("C", 1));
    assertThat(markov.forItems(afterA, T, 1, Set.of())).extracting(Recommendation::productId).containsExactly("B");
    // B came after A, never before it; only the last item of a prefix counts
    assertThat(markov.forItems(List.of(new Interaction("B", EventType.VIEW, T)), T, 10, Set.of()))
        .containsExactly(new Recommendation("D", 1));
    assertThat(markov.forItems(List.of(new Interaction("B", EventType.VIEW, T), new Interaction("A",
        EventType.VIEW, T.plus(Duration.ofMinutes(1)))), T, 10, Set.of())).extracting(Recommendation::productId)
        .containsExactly("B", "C");
    // a user: from their last training item (u3: C, which nothing followed; u1: B)
    assertThat(markov.forUser("u3", T, 10, Set.of())).isEmpty();
    assertThat(markov.forUser("u1", T, 10, Set.of())).containsExactly(new Recommendation("D", 1));
    assertThat(markov.forUser("nobody", T, 10, Set.of())).isEmpty();
  }

  @Test
  void theTunerRefusesAParameterItDoesNotKnow() {
    TimeSplitProtocol protocol = new TimeSplitProtocol(0.1, EventType.PURCHASE, 10);
    assertThatThrownBy(() -> new Tuner(protocol, 1, Duration.ofDays(7), Set.of("next_weight", "nope")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("nope");
    new Tuner(protocol, 1, Duration.ofDays(7), Set.of("next_weight", "popularity_weight", "session_gap"));
  }
}
