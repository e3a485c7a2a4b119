package dev.shopstream.evaluation;

import dev.shopstream.contract.EventType;
import dev.shopstream.model.Recommendation;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Protocol (a), time-ordered split: the newest {@code testFraction} of the interactions (by count, rounded to
 * the time of the first one: everything at or after that instant) is the test period, everything before is
 * training. Each customer who has training interactions and, in the test period, {@code target}-type
 * interactions with items they had not had in training, is one trial: the method ranks all items (minus what the
 * customer already had as {@code target} in training, as serving leaves out past purchases) and the relevant set
 * is those new test items. Items first seen in the test period count as relevant too (no method can know them).
 * Every trial is asked at the cut-off (the request time: a customer active just before it is mid-session).
 */
public final class TimeSplitProtocol implements Protocol {
  private final double testFraction;
  private final EventType target;
  private final int k;

  /** The split: training strictly before {@code cutoff}, test at or after it. */
  public record Split(List<UserInteraction> training, List<UserInteraction> test, Instant cutoff) {}

  public TimeSplitProtocol(double testFraction, EventType target, int k) {
    if (!(testFraction > 0 && testFraction < 1)) {
      throw new IllegalArgumentException("test fraction must be in (0, 1)");
    }
    this.testFraction = testFraction;
    this.target = target;
    this.k = k;
  }

  @Override
  public String name() {
    return "time-split";
  }

  @Override
  public int k() {
    return k;
  }

  /** Splits a log in time order; fails when either side would be empty. */
  public static Split split(List<UserInteraction> log, double testFraction) {
    int n = log.size();
    if (n < 2) {
      throw new IllegalArgumentException("a time split needs at least 2 interactions, got " + n);
    }
    int first = Math.max(1, Math.min(n - 1, (int) Math.floor(n * (1 - testFraction))));
    Instant cutoff = log.get(first).interaction().time();
    int i = first;
    while (i > 0 && !log.get(i - 1).interaction().time().isBefore(cutoff)) {
      i--;
    }
    if (i == 0) {
      throw new IllegalArgumentException("a time split needs interactions at two different times before "
          + cutoff + ": every interaction up to the cut-off has the same time");
    }
    return new Split(List.copyOf(log.subList(0, i)), List.copyOf(log.subList(i, n)), cutoff);
  }

  @Override
  public List<UserInteraction> trainingPart(List<UserInteraction> log) {
    return split(log, testFraction).training();
  }

  @Override
  public Report evaluate(List<UserInteraction> log, List<Method.Spec> methods) {
    Split split = split(log, testFraction);
    Map<String, Set<String>> had = new HashMap<>();
    Set<String> trainingUsers = new HashSet<>();
    for (UserInteraction ui : split.training()) {
      trainingUsers.add(ui.user());
      if (ui.interaction().type() == target) {
        had.computeIfAbsent(ui.user(), u -> new HashSet<>()).add(ui.item());
      }
    }
    Map<String, Set<String>> relevant = new TreeMap<>();
    for (UserInteraction ui : split.test()) {
      if (ui.interaction().type() == target && trainingUsers.contains(ui.user())
          && !had.getOrDefault(ui.user(), Set.of()).contains(ui.item())) {
        relevant.computeIfAbsent(ui.user(), u -> new LinkedHashSet<>()).add(ui.item());
      }
    }
    Runner runner = new Runner(name());
    for (Method.Spec spec : methods) {
      runner.run(spec, split.training(), k, (method, metrics) -> {
        int done = 0;
        for (Map.Entry<String, Set<String>> e : relevant.entrySet()) {
          List<String> ranked = ids(method.forUser(e.getKey(), split.cutoff(), metrics.depth(),
              had.getOrDefault(e.getKey(), Set.of())));
          metrics.add(ranked, e.getValue());
          metrics.addRecommended(ranked);
          Runner.progress(name(), spec.name(), ++done, relevant.size(), 1000);
        }
      });
    }
    return runner.report(k, split.training().size(), Protocol.catalog(split.training()).size(), relevant.size());
  }

  static List<String> ids(List<Recommendation> recs) {
    List<String> ids = new ArrayList<>(recs.size());
    recs.forEach(r -> ids.add(r.productId()));
    return ids;
  }
}
