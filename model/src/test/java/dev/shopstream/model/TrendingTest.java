package dev.shopstream.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shopstream.contract.EventType;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrendingTest {
  private static final Instant NOW = Instant.parse("2026-11-20T12:00:00Z");

  @Test
  void countsWeightedInteractionsInsideTheWindowOnly() {
    List<Interaction> log = List.of(
        new Interaction("a", EventType.VIEW, NOW),                             // 1
        new Interaction("a", EventType.PURCHASE, NOW.minus(Duration.ofDays(6))), // 5
        new Interaction("b", EventType.ADD_TO_CART, NOW.minusSeconds(1)),       // 3
        new Interaction("b", EventType.SEARCH, NOW),                          // 0: not a signal
        new Interaction("c", EventType.PURCHASE, NOW.minus(Duration.ofDays(7))), // the window's open end: out
        new Interaction("d", EventType.PURCHASE, NOW.plusSeconds(1)));          // after asOf: out

    Trending t = Trending.fromInteractions(log, NOW, Duration.ofDays(7), ModelConfig.defaults());

    assertThat(t.ranked()).containsExactly(new Recommendation("a", 6), new Recommendation("b", 3));
    assertThat(t.score("b")).isEqualTo(3);
    assertThat(t.score("c")).isZero();
    assertThat(t.max()).isEqualTo(6);
    assertThatThrownBy(() -> Trending.fromInteractions(log, NOW, Duration.ZERO, ModelConfig.defaults()))
        .hasMessageContaining("positive");
  }

  @Test
  void ofKeepsPositiveFiniteScoresOncePerProductBestFirst() {
    Trending t = Trending.of(List.of(new Recommendation("b", 2), new Recommendation("a", 2),
        new Recommendation("b", 9), new Recommendation("z", 0), new Recommendation("n", Double.NaN),
        new Recommendation("c", 5)));

    assertThat(t.ranked()).containsExactly(new Recommendation("c", 5), new Recommendation("a", 2),
        new Recommendation("b", 2));
    assertThat(t.isEmpty()).isFalse();
    assertThat(Trending.of(List.of(new Recommendation("z", 0))).isEmpty()).isTrue();
    assertThat(Trending.none().max()).isZero();
  }
}
