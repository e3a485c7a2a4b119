package dev.shopstream.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The cached eviction order evicts exactly what a full scan for the lightest id would, over random growth. */
class EvictionOrderTest {
  @Test
  void evictsTheLightestIdWithTiesToTheGreaterIdAsAFullScanWould() {
    for (int seed = 0; seed < 30; seed++) {
      Random random = new Random(seed);
      Map<String, Double> weights = new HashMap<>();
      EvictionOrder order = new EvictionOrder(weights::get);
      int bound = 5 + random.nextInt(40);
      for (int step = 0; step < 3000; step++) {
        String id = "i" + random.nextInt(bound * 3);
        double add = random.nextInt(4); // 0 too: equal weights and ties are common
        Double w = weights.get(id);
        if (w == null) {
          weights.put(id, add);
          order.added(id);
        } else {
          weights.put(id, w + add);
          order.grew(id);
        }
        if (weights.size() > bound) {
          String expected = weights.keySet().stream().min(Comparator.<String>comparingDouble(weights::get)
              .thenComparing(Comparator.<String>reverseOrder())).orElseThrow();
          String evicted = order.evict(weights.keySet());
          assertThat(evicted).as("seed %d step %d", seed, step).isEqualTo(expected);
          weights.remove(evicted);
        }
      }
    }
  }
}
