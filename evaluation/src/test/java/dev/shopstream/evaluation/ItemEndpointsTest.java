package dev.shopstream.evaluation;

import static dev.shopstream.evaluation.Logs.at;
import static org.assertj.core.api.Assertions.assertThat;

import dev.shopstream.contract.EventType;
import dev.shopstream.model.Interaction;
import dev.shopstream.model.ModelConfig;
import dev.shopstream.model.Recommendation;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The rows of the bought-together endpoints rank as serving does: a cart asks about every item so far, a product
 * page about the last one only; the next signal's weight ν moves what shoppers took next after the item up.
 */
class ItemEndpointsTest {
  /**
   * Four users buy C, then A (C and A co-occur 4 times; C is never taken after A); two buy A, then B (co-occur
   * twice, B taken after A twice); two buy X, then D.
   */
  private static List<UserInteraction> log() {
    List<UserInteraction> log = new ArrayList<>();
    int t = 0;
    for (String u : List.of("u1", "u2", "u3", "u4")) {
      log.add(at(u, "C", t++));
      log.add(at(u, "A", t++));
    }
    for (String u : List.of("u5", "u6")) {
      log.add(at(u, "A", t++));
      log.add(at(u, "B", t++));
    }
    for (String u : List.of("u7", "u8")) {
      log.add(at(u, "X", t++));
      log.add(at(u, "D", t++));
    }
    return log;
  }

  private static List<String> ids(List<Recommendation> r) {
    return r.stream().map(Recommendation::productId).toList();
  }

  private static Method method(Method.ItemsAsked asked, double nu) {
    return Method.itemEndpoints(asked, ModelConfig.defaults(), List.of(nu)).get(0).train(log());
  }

  @Test
  void theNextWeightMovesWhatShoppersTookNextUpAndZeroKeepsTheCoPurchaseOrder() {
    List<Interaction> afterA = List.of(new Interaction("A", EventType.PURCHASE, Logs.T0.plusSeconds(86_400)));

    assertThat(ids(method(Method.ItemsAsked.PRODUCT, 0).forItems(afterA, Logs.T0, 10, Set.of())))
        .containsExactly("C", "B");
    assertThat(ids(method(Method.ItemsAsked.PRODUCT, 16).forItems(afterA, Logs.T0, 10, Set.of())))
        .containsExactly("B", "C");
    assertThat(ids(method(Method.ItemsAsked.PRODUCT, 16).forItems(afterA, Logs.T0, 10, Set.of("B"))))
        .containsExactly("C");
  }

  @Test
  void aCartAsksAboutEveryItemAProductPageAboutTheLastOne() {
    List<Interaction> xThenA = List.of(new Interaction("X", EventType.PURCHASE, Logs.T0.plusSeconds(86_400)),
        new Interaction("A", EventType.PURCHASE, Logs.T0.plusSeconds(86_460)));

    assertThat(ids(method(Method.ItemsAsked.CART, 0).forItems(xThenA, Logs.T0, 10, Set.of())))
        .containsExactlyInAnyOrder("C", "B", "D");
    assertThat(ids(method(Method.ItemsAsked.PRODUCT, 0).forItems(xThenA, Logs.T0, 10, Set.of())))
        .containsExactly("C", "B");
    // a user: their recent items from training (u7: X, then D); the asked items are never recommended
    assertThat(ids(method(Method.ItemsAsked.PRODUCT, 0).forUser("u7", Logs.T0, 10, Set.of())))
        .containsExactly("X");
    assertThat(ids(method(Method.ItemsAsked.CART, 0).forUser("u7", Logs.T0, 10, Set.of()))).isEmpty();
  }

  /**
   * With the cart recency order the last item leads: X's partner D (Jaccard 1) and A's C (4 / 6 = 0.67) swap
   * places when A is added last (D 1 / 2 against C 0.67), and a row per order is scored.
   */
  @Test
  void aCartsLastItemLeadsWithTheRecencyOrder() {
    List<Interaction> xThenA = List.of(new Interaction("X", EventType.PURCHASE, Logs.T0.plusSeconds(86_400)),
        new Interaction("A", EventType.PURCHASE, Logs.T0.plusSeconds(86_460)));
    List<Interaction> aThenX = List.of(xThenA.get(1), xThenA.get(0));
    List<Method.Spec> specs = Method.itemEndpoints(List.of(Method.ItemsAsked.CART, Method.ItemsAsked.PRODUCT),
        ModelConfig.defaults(), List.of(0.0), List.of(0.0, 1.0));
    assertThat(specs).extracting(Method.Spec::name).containsExactly(
        "cart endpoint (bought together with the items so far, next ×0)",
        "cart endpoint (bought together with the items so far, next ×0, order 1)",
        "product endpoint (bought together with the last item, next ×0)");

    Method flat = specs.get(0).train(log());
    Method ordered = specs.get(1).train(log());
    assertThat(ids(flat.forItems(xThenA, Logs.T0, 10, Set.of()))).containsExactly("D", "C", "B");
    assertThat(ids(ordered.forItems(xThenA, Logs.T0, 10, Set.of()))).containsExactly("C", "D", "B");
    assertThat(ids(ordered.forItems(aThenX, Logs.T0, 10, Set.of()))).containsExactly("D", "C", "B");
    // X again after A: X counts once, at its last place
    List<Interaction> xAx = List.of(xThenA.get(0), xThenA.get(1),
        new Interaction("X", EventType.PURCHASE, Logs.T0.plusSeconds(86_520)));
    assertThat(ids(ordered.forItems(xAx, Logs.T0, 10, Set.of()))).containsExactly("D", "C", "B");
  }
}
