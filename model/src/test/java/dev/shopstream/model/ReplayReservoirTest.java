package dev.shopstream.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Algorithm R: bounded, uniform over everything offered, deterministic, and a slot keeps a bounded context. */
class ReplayReservoirTest {

  @Test
  void itKeepsAtMostItsCapacityAndEveryOfferedStepWithTheSameProbability() {
    int capacity = 100;
    int offered = 1_000;
    int rounds = 2_000;
    int[] kept = new int[offered];
    for (int round = 0; round < rounds; round++) {
      ReplayReservoir r = new ReplayReservoir(capacity, round);
      for (int i = 0; i < offered; i++) {
        r.offer(i, new int[] {i});
      }
      assertThat(r.size()).isEqualTo(capacity);
      assertThat(r.offered()).isEqualTo(offered);
      for (int slot = 0; slot < r.size(); slot++) {
        assertThat(r.context(slot)).containsExactly(r.positive(slot)); // a slot's parts stay together
        kept[r.positive(slot)]++;
      }
    }
    // each step is kept with p = 100 / 1000: 200 of 2,000 rounds, SD about 13.4; first, middle and last tenth alike
    for (int tenth = 0; tenth < 10; tenth++) {
      double sum = 0;
      for (int i = tenth * 100; i < (tenth + 1) * 100; i++) {
        sum += kept[i];
      }
      assertThat(sum / 100).as("tenth %d", tenth).isBetween(190.0, 210.0);
    }
  }

  @Test
  void theRecentSamplingKeepsAStepWithAProbabilityThatDecaysExponentiallyWithItsAge() {
    int capacity = 100;
    int offered = 5_000;
    double younger = 0;
    double older = 0;
    int rounds = 200;
    for (int round = 0; round < rounds; round++) {
      ReplayReservoir r = new ReplayReservoir(capacity, FactorConfig.Sampling.RECENT, round);
      for (int i = 0; i < offered; i++) {
        r.offer(i, new int[0]);
      }
      assertThat(r.size()).isEqualTo(capacity);
      for (int slot = 0; slot < r.size(); slot++) {
        int age = offered - 1 - r.positive(slot);
        younger += age < capacity ? 1 : 0;
        older += age >= 3 * capacity ? 1 : 0;
      }
    }
    // P(age < n) = 1 - e^-1 = 0.632 and P(age >= 3n) = e^-3 = 0.050 of the kept steps; uniform would keep 0.02, 0.94
    assertThat(younger / (rounds * capacity)).isBetween(0.60, 0.66);
    assertThat(older / (rounds * capacity)).isBetween(0.04, 0.06);
  }

  @Test
  void itIsDeterministicForASeedAndBoundsAContext() {
    ReplayReservoir one = new ReplayReservoir(10, 5);
    ReplayReservoir two = new ReplayReservoir(10, 5);
    for (int i = 0; i < 100; i++) {
      one.offer(i, new int[] {i});
      two.offer(i, new int[] {i});
    }
    for (int k = 0; k < 50; k++) {
      int slot = one.draw();
      assertThat(two.draw()).isEqualTo(slot);
      assertThat(two.positive(slot)).isEqualTo(one.positive(slot));
    }
    int[] context = new int[ReplayReservoir.MAX_CONTEXT + 10];
    context[0] = 42;
    one.offer(7, context);
    ReplayReservoir fresh = new ReplayReservoir(1, 1);
    fresh.offer(7, context);
    context[0] = 0; // the reservoir keeps its own copy
    assertThat(fresh.context(0)).hasSize(ReplayReservoir.MAX_CONTEXT).startsWith(42);
    assertThatThrownBy(() -> new ReplayReservoir(0, 1)).isInstanceOf(IllegalArgumentException.class);
  }
}
