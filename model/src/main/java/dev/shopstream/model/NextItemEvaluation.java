package dev.shopstream.model;

import dev.shopstream.contract.Event;
import dev.shopstream.contract.EventType;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Groundwork for offline evaluation: replays a log (in event-time order) through a {@link CoOccurrenceModel} and,
 * before observing each interaction of the {@code target} type, asks {@link Recommender#recommendForUser} for the
 * user's current recent items ({@link CoOccurrenceModel#recentItems}, as of the interaction's time, excluding the products the user already bought) and
 * checks whether the product is among the top {@code k}. Interactions of users with no history yet are not
 * trials. Hit rate = hits / trials; MRR = mean of 1/rank of the hit (0 for a miss).
 */
public final class NextItemEvaluation {
  /** The outcome of a replay. */
  public record Result(int trials, int hits, double reciprocalRankSum) {
    public double hitRate() {
      return trials == 0 ? 0 : (double) hits / trials;
    }

    public double mrr() {
      return trials == 0 ? 0 : reciprocalRankSum / trials;
    }
  }

  private NextItemEvaluation() {}

  public static Result replay(CoOccurrenceModel model, List<Event> eventsInTimeOrder, EventType target, int k) {
    int trials = 0;
    int hits = 0;
    double rr = 0;
    for (Event event : eventsInTimeOrder) {
      for (Interaction interaction : Interaction.of(event)) {
        if (interaction.type() == target) {
          List<Interaction> recent = model.recentItems(event.userId(), interaction.time());
          if (!recent.isEmpty()) {
            Set<String> exclude = new HashSet<>(model.user(event.userId()).purchased());
            List<Recommendation> recs = model.recommendForUser(recent, interaction.time(), k, exclude);
            trials++;
            for (int i = 0; i < recs.size(); i++) {
              if (recs.get(i).productId().equals(interaction.productId())) {
                hits++;
                rr += 1.0 / (i + 1);
                break;
              }
            }
          }
        }
        model.observe(event.userId(), interaction);
      }
    }
    return new Result(trials, hits, rr);
  }
}
