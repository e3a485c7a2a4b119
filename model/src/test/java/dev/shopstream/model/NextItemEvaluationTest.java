package dev.shopstream.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shopstream.contract.Event;
import dev.shopstream.contract.EventType;
import dev.shopstream.contract.ProductLine;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NextItemEvaluationTest {
  private static final Instant T0 = Instant.parse("2026-11-22T10:00:00Z");

  private static Event event(String id, EventType type, String user, int minute, String product) {
    return new Event(id, type, user, null, T0.plusSeconds(60L * minute), List.of(new ProductLine(product, 1, null)),
        null, null, Map.of());
  }

  @Test
  void replaysALogAndScoresEachPurchaseBeforeObservingIt() {
    List<Event> log = List.of(
        event("1", EventType.VIEW, "u1", 0, "A"),
        event("2", EventType.VIEW, "u1", 1, "B"),
        event("3", EventType.PURCHASE, "u4", 1, "D"),     // no history yet: not a trial
        event("4", EventType.VIEW, "u2", 2, "A"),
        event("5", EventType.PURCHASE, "u2", 3, "B"),     // recent [A] → [B]: hit at rank 1
        event("6", EventType.VIEW, "u3", 4, "B"),
        event("7", EventType.PURCHASE, "u3", 5, "C"));    // recent [B] → [A]: miss
    NextItemEvaluation.Result r = NextItemEvaluation.replay(
        new CoOccurrenceModel(ModelConfig.itemKnnBaseline()), log, EventType.PURCHASE, 5);
    assertThat(r.trials()).isEqualTo(2);
    assertThat(r.hits()).isEqualTo(1);
    assertThat(r.hitRate()).isEqualTo(0.5);
    assertThat(r.mrr()).isEqualTo(0.5);
  }

  @Test
  void aTtlForgetsInactiveUsersLikeThePipeline() {
    CoOccurrenceModel m = new CoOccurrenceModel(ModelConfig.itemKnnBaseline(), Duration.ofHours(1));
    m.observe("u", new Interaction("A", EventType.VIEW, T0));
    assertThat(m.recentItems("u", T0.plusSeconds(3600))).hasSize(1);
    assertThat(m.recentItems("u", T0.plusSeconds(3601))).isEmpty();
    Observation o = m.observe("u", new Interaction("B", EventType.VIEW, T0.plusSeconds(3601)));
    assertThat(o.pairs()).isEmpty();
    assertThat(m.user("u").recent()).extracting(Interaction::productId).containsExactly("B");
    CoOccurrenceModel noTtl = new CoOccurrenceModel(ModelConfig.itemKnnBaseline());
    noTtl.observe("u", new Interaction("A", EventType.VIEW, T0));
    assertThat(noTtl.observe("u", new Interaction("B", EventType.VIEW, T0.plusSeconds(3601))).pairs()).hasSize(1);
  }
}
