package dev.shopstream.model;

import static dev.shopstream.contract.EventType.ADD_TO_CART;
import static dev.shopstream.contract.EventType.PURCHASE;
import static dev.shopstream.contract.EventType.REMOVE_FROM_CART;
import static dev.shopstream.contract.EventType.VIEW;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.shopstream.contract.Event;
import dev.shopstream.contract.EventType;
import dev.shopstream.contract.ProductLine;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

class CoOccurrenceModelTest {
  private static final Instant T0 = Instant.parse("2026-11-22T10:00:00Z");
  private static final Offset<Double> EPS = within(1e-9);

  /**
   * Four users, all views at T0 (so no decay): u1 A B C, u2 A B, u3 B C, u4 A D.
   * n(A)=3 n(B)=3 n(C)=2 n(D)=1, N=9; c(A,B)=2 c(A,C)=1 c(B,C)=2 c(A,D)=1.
   */
  private static CoOccurrenceModel fourUsers(ModelConfig config) {
    CoOccurrenceModel m = new CoOccurrenceModel(config);
    views(m, "u1", "A", "B", "C");
    views(m, "u2", "A", "B");
    views(m, "u3", "B", "C");
    views(m, "u4", "A", "D");
    return m;
  }

  private static void views(CoOccurrenceModel m, String user, String... items) {
    for (String item : items) {
      m.observe(user, new Interaction(item, VIEW, T0));
    }
  }

  @Test
  void countsAndCoCountsOfTheFourUserScenario() {
    CoOccurrenceModel m = fourUsers(ModelConfig.itemKnnBaseline());
    assertThat(m.count("A", Signal.CO_VIEW)).isEqualTo(3);
    assertThat(m.count("B", Signal.CO_VIEW)).isEqualTo(3);
    assertThat(m.count("C", Signal.CO_VIEW)).isEqualTo(2);
    assertThat(m.count("D", Signal.CO_VIEW)).isEqualTo(1);
    assertThat(m.total(Signal.CO_VIEW)).isEqualTo(9);
    assertThat(m.coCount("A", "B", Signal.CO_VIEW)).isEqualTo(2);
    assertThat(m.coCount("B", "A", Signal.CO_VIEW)).isEqualTo(2);
    assertThat(m.coCount("A", "C", Signal.CO_VIEW)).isEqualTo(1);
    assertThat(m.coCount("B", "C", Signal.CO_VIEW)).isEqualTo(2);
    assertThat(m.coCount("A", "D", Signal.CO_VIEW)).isEqualTo(1);
    assertThat(m.coCount("C", "D", Signal.CO_VIEW)).isZero();
    assertThat(m.coCount("A", "B", Signal.COMBINED)).as("views only: combined = co_view").isEqualTo(2);
    assertThat(m.coCount("A", "B", Signal.CO_CART)).isZero();
    assertThat(m.neighbors("A", 5, Signal.CO_CART)).isEmpty();
  }

  @Test
  void cosine() {
    CoOccurrenceModel m = fourUsers(ModelConfig.itemKnnBaseline());
    List<Neighbor> a = m.neighbors("A", 5, Signal.CO_VIEW);
    assertThat(a).extracting(Neighbor::productId).containsExactly("B", "D", "C");
    assertThat(a).extracting(Neighbor::rank).containsExactly(1, 2, 3);
    assertThat(a.get(0).score()).isCloseTo(2.0 / 3, EPS);               // 2 / sqrt(3·3)
    assertThat(a.get(1).score()).isCloseTo(1 / Math.sqrt(3), EPS);      // 1 / sqrt(3·1) = 0.57735
    assertThat(a.get(2).score()).isCloseTo(1 / Math.sqrt(6), EPS);      // 1 / sqrt(3·2) = 0.40825
    assertThat(a).extracting(Neighbor::coCount).containsExactly(2.0, 1.0, 1.0);
    assertThat(m.similarity("B", "C", Signal.CO_VIEW)).isCloseTo(0.816496580927726, EPS); // 2 / sqrt(6)
    assertThat(m.neighbors("A", 2, Signal.CO_VIEW)).extracting(Neighbor::productId).containsExactly("B", "D");
  }

  @Test
  void jaccard() {
    CoOccurrenceModel m = fourUsers(ModelConfig.itemKnnBaseline().toBuilder().similarity(Similarity.JACCARD).build());
    List<Neighbor> a = m.neighbors("A", 5, Signal.CO_VIEW);
    assertThat(a).extracting(Neighbor::productId).containsExactly("B", "D", "C");
    assertThat(a.get(0).score()).isCloseTo(0.5, EPS);        // 2 / (3+3-2)
    assertThat(a.get(1).score()).isCloseTo(1.0 / 3, EPS);    // 1 / (3+1-1)
    assertThat(a.get(2).score()).isCloseTo(0.25, EPS);       // 1 / (3+2-1)
    assertThat(m.similarity("B", "C", Signal.CO_VIEW)).isCloseTo(2.0 / 3, EPS); // 2 / (3+2-2)
  }

  @Test
  void lift() {
    CoOccurrenceModel m = fourUsers(ModelConfig.itemKnnBaseline().toBuilder().similarity(Similarity.LIFT).build());
    List<Neighbor> a = m.neighbors("A", 5, Signal.CO_VIEW);
    assertThat(a).extracting(Neighbor::productId).containsExactly("D", "B", "C");
    assertThat(a.get(0).score()).isCloseTo(3.0, EPS);   // 1·9 / (3·1)
    assertThat(a.get(1).score()).isCloseTo(2.0, EPS);   // 2·9 / (3·3)
    assertThat(a.get(2).score()).isCloseTo(1.5, EPS);   // 1·9 / (3·2)
    assertThat(m.similarity("B", "C", Signal.CO_VIEW)).isCloseTo(3.0, EPS); // 2·9 / (3·2)
  }

  @Test
  void decayHalvesAtTheHalfLife() {
    ModelConfig c = ModelConfig.defaults();
    assertThat(c.halfLife()).isEqualTo(Duration.ofHours(1));
    assertThat(c.decay(Duration.ZERO)).isEqualTo(1.0);
    assertThat(c.decay(Duration.ofHours(1))).isCloseTo(0.5, EPS);
    assertThat(c.decay(Duration.ofHours(-1))).as("symmetric").isCloseTo(0.5, EPS);
    assertThat(c.decay(Duration.ofHours(2))).isCloseTo(0.25, EPS);
    assertThat(c.decay(Duration.ofMinutes(30))).isCloseTo(Math.sqrt(0.5), EPS);
    assertThat(ModelConfig.itemKnnBaseline().decay(Duration.ofDays(3))).as("baseline: no decay").isEqualTo(1.0);
  }

  @Test
  void eventTypeWeightsAndDecayPerSignal() {
    // u1: view A @T0, add_to_cart B @T0+1h, purchase B and C @T0+2h (one basket). Defaults: view 1, cart 3,
    // purchase 5, f = min, half-life 1 h; cosine (set explicitly: the default similarity is Jaccard).
    CoOccurrenceModel m = new CoOccurrenceModel(ModelConfig.defaults().toBuilder().similarity(Similarity.COSINE).build());
    m.observe(event("e1", VIEW, "u1", T0, "A"));
    m.observe(event("e2", ADD_TO_CART, "u1", T0.plusSeconds(3600), "B"));
    m.observe(event("e3", PURCHASE, "u1", T0.plusSeconds(7200), "B", "C"));

    // A–B: cart B after view A 1 h apart: min(1,3)·0.5 = 0.5; purchase B 2 h after A: min(1,5)·0.25 = 0.25
    assertThat(m.coCount("A", "B", Signal.COMBINED)).isCloseTo(0.75, EPS);
    assertThat(m.coCount("A", "B", Signal.CO_VIEW)).as("different types: combined only").isZero();
    // B–C: bought together: min(5,5)·1 = 5 in combined and co_purchase; cart-B was replaced by purchase-B
    assertThat(m.coCount("B", "C", Signal.COMBINED)).isCloseTo(5, EPS);
    assertThat(m.coCount("B", "C", Signal.CO_PURCHASE)).isCloseTo(5, EPS);
    assertThat(m.coCount("B", "C", Signal.CO_CART)).isZero();
    assertThat(m.coCount("A", "C", Signal.COMBINED)).isCloseTo(0.25, EPS);
    // occurrences: A view 1; B cart 3 + purchase 5; C purchase 5
    assertThat(m.count("A", Signal.COMBINED)).isEqualTo(1);
    assertThat(m.count("B", Signal.COMBINED)).isEqualTo(8);
    assertThat(m.count("B", Signal.CO_CART)).isEqualTo(3);
    assertThat(m.count("B", Signal.CO_PURCHASE)).isEqualTo(5);
    assertThat(m.count("C", Signal.COMBINED)).isEqualTo(5);

    assertThat(m.similarity("B", "C", Signal.CO_PURCHASE)).isCloseTo(1.0, EPS);            // 5 / sqrt(5·5)
    assertThat(m.similarity("B", "C", Signal.COMBINED)).isCloseTo(5 / Math.sqrt(40), EPS); // 0.790569
    List<Neighbor> b = m.neighbors("B", 5, Signal.COMBINED);
    assertThat(b).extracting(Neighbor::productId).containsExactly("C", "A");
    assertThat(b.get(1).score()).isCloseTo(0.75 / Math.sqrt(8), EPS);                      // 0.265165
    assertThat(m.similarity("A", "C", Signal.COMBINED)).isCloseTo(0.25 / Math.sqrt(5), EPS);

    UserHistory h = m.user("u1");
    assertThat(h.recent()).as("newest first; same time: later observed first")
        .extracting(Interaction::productId).containsExactly("C", "B", "A");
    assertThat(h.recent()).extracting(Interaction::type).containsExactly(PURCHASE, PURCHASE, VIEW);
    assertThat(h.purchased()).containsExactly("C", "B");
  }

  @Test
  void productWeightMode() {
    ModelConfig c = ModelConfig.defaults().toBuilder().pairWeight(ModelConfig.PairWeight.PRODUCT).build();
    assertThat(c.pairWeight(VIEW, PURCHASE)).isEqualTo(5);
    assertThat(c.pairWeight(ADD_TO_CART, PURCHASE)).isEqualTo(15);
    assertThat(ModelConfig.defaults().pairWeight(ADD_TO_CART, PURCHASE)).isEqualTo(3);
  }

  @Test
  void searchAndRemoveFromCartAreNotSignalsAndRepeatsOnlyRefresh() {
    CoOccurrenceModel m = new CoOccurrenceModel(ModelConfig.itemKnnBaseline());
    m.observe("u", new Interaction("A", VIEW, T0));
    Observation removed = m.observe("u", new Interaction("B", REMOVE_FROM_CART, T0.plusSeconds(1)));
    assertThat(removed.isEmpty()).isTrue();
    m.observe(new Event("s", EventType.SEARCH, "u", null, T0, List.of(), null, "mugs", Map.of()));
    Observation again = m.observe("u", new Interaction("A", VIEW, T0.plusSeconds(2)));
    assertThat(again.isEmpty()).as("a reload of the same view").isTrue();
    assertThat(m.count("A", Signal.CO_VIEW)).isEqualTo(1);
    assertThat(m.count("B", Signal.COMBINED)).isZero();
    assertThat(m.user("u").recent()).containsExactly(new Interaction("A", VIEW, T0.plusSeconds(2)));
    Observation b = m.observe("u", new Interaction("B", VIEW, T0.plusSeconds(3)));
    assertThat(b.pairs()).containsExactly(new CoIncrement("A", "B", SignalVector.of(1, 0, 0, 1)));
  }

  @Test
  void thePurchasedListKeepsAHundredPurchasesWhateverTheRecentItemsBoundIs() {
    ModelConfig c = ModelConfig.defaults().toBuilder().maxItemsPerUser(3).build();
    UserHistory h = new UserHistory();
    for (int i = 0; i < 105; i++) {
      h.observe(new Interaction("P" + i, PURCHASE, T0.plusSeconds(60L * i)), c);
    }
    assertThat(h.recent()).hasSize(3);
    assertThat(h.purchased()).hasSize(UserHistory.MIN_PURCHASED_KEPT).startsWith("P104", "P103")
        .endsWith("P5").doesNotContain("P4");
    // a larger recent-items bound keeps as many purchases
    UserHistory wide = new UserHistory();
    for (int i = 0; i < 160; i++) {
      wide.observe(new Interaction("P" + i, PURCHASE, T0.plusSeconds(i)), c.toBuilder().maxItemsPerUser(150).build());
    }
    assertThat(wide.purchased()).hasSize(150);
  }

  @Test
  void userHistoryIsBoundedInSizeAndHorizon() {
    ModelConfig c = ModelConfig.itemKnnBaseline().toBuilder().maxItemsPerUser(3).userHorizon(Duration.ofHours(2)).build();
    UserHistory h = new UserHistory();
    for (int i = 0; i < 5; i++) {
      h.observe(new Interaction("P" + i, VIEW, T0.plusSeconds(60L * i)), c);
    }
    assertThat(h.recent()).extracting(Interaction::productId).containsExactly("P4", "P3", "P2");
    // 2 h 30 min later: everything is beyond the horizon, no pairs, the old items are forgotten
    Observation late = h.observe(new Interaction("Q", VIEW, T0.plusSeconds(60L * 4 + 9000)), c);
    assertThat(late.pairs()).isEmpty();
    assertThat(late.occurrence().get(Signal.CO_VIEW)).isEqualTo(1);
    assertThat(h.recent()).extracting(Interaction::productId).containsExactly("Q");
    // exactly at the horizon still pairs
    Observation atHorizon = h.observe(new Interaction("R", VIEW, T0.plusSeconds(60L * 4 + 9000 + 7200)), c);
    assertThat(atHorizon.pairs()).extracting(CoIncrement::itemA).containsExactly("Q");
  }

  @Test
  void candidateNeighboursAreCappedKeepingTheHeaviest() {
    CoOccurrenceModel m = new CoOccurrenceModel(ModelConfig.itemKnnBaseline().toBuilder().maxNeighborsPerItem(2).build());
    views(m, "u1", "A", "B");
    views(m, "u2", "A", "B");
    views(m, "u3", "A", "C");
    views(m, "u4", "A", "D"); // c(A,D)=1 ties c(A,C)=1: the greater id, D, is evicted
    assertThat(m.candidates("A")).isEqualTo(2);
    assertThat(m.neighbors("A", 10, Signal.CO_VIEW)).extracting(Neighbor::productId).containsExactly("B", "C");
    assertThat(m.coCount("D", "A", Signal.CO_VIEW)).as("D still tracks A").isEqualTo(1);
    views(m, "u5", "A", "E");
    views(m, "u6", "A", "E"); // E reaches 1 then 2: first evicted itself (tie with C, E > C), then again only 1
    assertThat(m.neighbors("A", 10, Signal.CO_VIEW)).extracting(Neighbor::productId).containsExactly("B", "C");
  }

  @Test
  void recommendForUserSumsWeightedDecayedSimilaritiesAndExcludes() {
    CoOccurrenceModel m = fourUsers(ModelConfig.itemKnnBaseline().toBuilder().halfLife(Duration.ofHours(1)).build());
    Instant now = T0.plusSeconds(3600);
    List<Interaction> recent = List.of(new Interaction("C", VIEW, now), new Interaction("A", VIEW, T0));
    // A is 1 h old: weight 0.5. B = 0.5·cos(A,B) + cos(C,B) = 0.5·2/3 + 2/sqrt(6); D = 0.5·1/sqrt(3)
    List<Recommendation> recs = m.recommendForUser(recent, 5, Set.of("A", "C"));
    assertThat(recs).extracting(Recommendation::productId).containsExactly("B", "D");
    assertThat(recs.get(0).score()).isCloseTo(1.0 / 3 + 2 / Math.sqrt(6), EPS);
    assertThat(recs.get(1).score()).isCloseTo(0.5 / Math.sqrt(3), EPS);
    assertThat(m.recommendForUser(recent, 1, Set.of("A", "C"))).extracting(Recommendation::productId)
        .containsExactly("B");
    // without exclusions the recent items are candidates too: A = cos(C,A) = 1/sqrt(6); C = 0.5·1/sqrt(6)
    List<Recommendation> all = m.recommendForUser(recent, 10, Set.of());
    assertThat(all).extracting(Recommendation::productId).containsExactly("B", "A", "D", "C");

    // the same from neighbour lists (as serving reads them from item_neighbors)
    Map<String, List<Neighbor>> lists = new HashMap<>();
    for (String item : List.of("A", "B", "C", "D")) {
      lists.put(item, m.neighbors(item, 20, Signal.COMBINED));
    }
    Recommender fromRows = Recommender.ofNeighbors(m.config(), lists);
    assertThat(fromRows.recommendForUser(recent, 5, Set.of("A", "C"))).isEqualTo(recs);
  }

  private static Event event(String id, EventType type, String user, Instant time, String... products) {
    List<ProductLine> lines = java.util.Arrays.stream(products).map(p -> new ProductLine(p, 1, null)).toList();
    return new Event(id, type, user, null, time, lines, null, null, Map.of());
  }
}
