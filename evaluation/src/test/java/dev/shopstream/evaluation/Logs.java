package dev.shopstream.evaluation;

import dev.shopstream.contract.EventType;
import dev.shopstream.model.Interaction;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.BiFunction;

/** Logs for tests. */
final class Logs {
  static final Instant T0 = Instant.parse("2024-01-01T00:00:00Z");

  private Logs() {}

  static UserInteraction at(String user, String item, long minutes) {
    return at(user, item, EventType.PURCHASE, minutes);
  }

  static UserInteraction at(String user, String item, EventType type, long minutes) {
    return new UserInteraction(user, new Interaction(item, type, T0.plus(Duration.ofMinutes(minutes))));
  }

  /**
   * Baskets with clear co-occurrence structure: 30 groups of 12 items; each user likes one group and buys,
   * {@code days} times, 1 to 20 days apart, a basket of 3 items of their group and, in 3 baskets of 10, one item
   * of a popular head (h0..h9, h0 the most popular), so popularity alone has some signal. Users' first baskets
   * are spread over 50 days.
   */
  static List<UserInteraction> clusteredBaskets(int users, int days, long seed) {
    return baskets(users, days, seed, 12, 3,
        (random, day) -> "h" + Math.min(random.nextInt(10), random.nextInt(10)));
  }

  /**
   * A shop that follows trends: like {@link #clusteredBaskets} (3 items of the user's group per basket, but groups
   * of 60 items: a weaker signal), and instead of a fixed popular head every basket has, with probability 0.8, one
   * of the 5 items hot in its month ("m{month}-{0..4}", a new set every 30 days): the month's hits are found only
   * from what is trending now.
   */
  static List<UserInteraction> trendFollowingBaskets(int users, int days, long seed) {
    return baskets(users, days, seed, 60, 8,
        (random, day) -> "m" + day / 30 + "-" + Math.min(random.nextInt(5), random.nextInt(5)));
  }

  /**
   * Each user likes one of 30 groups of {@code groupSize} items and buys, {@code days} times, 1 to 20 days apart,
   * 3 items of the group and, in {@code extraIn10} baskets of 10, the item {@code extra} picks for that day.
   */
  private static List<UserInteraction> baskets(int users, int days, long seed, int groupSize, int extraIn10,
      BiFunction<Random, Long, String> extra) {
    Random random = new Random(seed);
    List<UserInteraction> log = new ArrayList<>();
    for (int u = 0; u < users; u++) {
      int group = random.nextInt(30);
      long day = random.nextInt(30);
      for (int d = 0; d < days; d++) {
        day += 1 + random.nextInt(20);
        long minute = day * 24L * 60 + random.nextInt(600);
        List<Integer> members = new ArrayList<>();
        for (int i = 0; i < groupSize; i++) {
          members.add(i);
        }
        java.util.Collections.shuffle(members, random);
        for (int i = 0; i < 3; i++) {
          log.add(at("u" + u, "g" + group + "-" + members.get(i), minute));
        }
        if (random.nextInt(10) < extraIn10) {
          log.add(at("u" + u, extra.apply(random, day), minute));
        }
      }
    }
    return InteractionLogs.inTimeOrder(log);
  }
}
