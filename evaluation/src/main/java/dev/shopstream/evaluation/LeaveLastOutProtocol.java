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
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

/**
 * Protocol (b), leave-last-out with sampled negatives (the sequential-recommendation literature's protocol): for
 * each user, the held-out interaction is their last {@code target}-type interaction with an item new to them
 * (not in any earlier interaction of theirs) that has at least one earlier interaction. Training is the whole
 * log minus, for each such user, every interaction at or after the held-out one's time (so the rest of that
 * basket is in neither part). The held-out item is ranked among {@code negatives} items sampled uniformly
 * (seeded) from the training catalog among those the user never interacted with; rank = 1 + the negatives scoring
 * at least as high (ties count against the held-out item; an item a method cannot score has score 0). Coverage
 * counts each method's full-catalog top k for the user (minus their training items). A user is asked at the
 * held-out interaction's time.
 */
public final class LeaveLastOutProtocol implements Protocol {
  private final int negatives;
  private final long seed;
  private final EventType target;
  private final int k;

  /** The split: training, and the held-out interaction per user (by user id). */
  public record Split(List<UserInteraction> training, Map<String, UserInteraction> heldOut) {}

  public LeaveLastOutProtocol(int negatives, long seed, EventType target, int k) {
    if (negatives < 1) {
      throw new IllegalArgumentException("negatives must be >= 1");
    }
    this.negatives = negatives;
    this.seed = seed;
    this.target = target;
    this.k = k;
  }

  @Override
  public String name() {
    return "leave-last-out";
  }

  @Override
  public int k() {
    return k;
  }

  public static Split split(List<UserInteraction> log, EventType target) {
    Map<String, Set<String>> seen = new HashMap<>();
    Map<String, Instant> first = new HashMap<>();
    Map<String, UserInteraction> heldOut = new TreeMap<>();
    for (UserInteraction ui : log) {
      Instant time = ui.interaction().time();
      Instant firstTime = first.putIfAbsent(ui.user(), time);
      Set<String> items = seen.computeIfAbsent(ui.user(), u -> new HashSet<>());
      // a candidate needs an interaction at a strictly earlier time, which stays in training
      if (ui.interaction().type() == target && !items.contains(ui.item()) && firstTime != null
          && firstTime.isBefore(time)) {
        heldOut.put(ui.user(), ui);
      }
      items.add(ui.item());
    }
    return new Split(training(log, heldOut), heldOut);
  }

  @Override
  public List<UserInteraction> trainingPart(List<UserInteraction> log) {
    return split(log, target).training();
  }

  @Override
  public Report evaluate(List<UserInteraction> log, List<Method.Spec> methods) {
    Split split = split(log, target);
    List<String> catalog = new ArrayList<>(Protocol.catalog(split.training()));
    catalog.sort(null);
    Map<String, Set<String>> userItems = new HashMap<>();
    log.forEach(ui -> userItems.computeIfAbsent(ui.user(), u -> new HashSet<>()).add(ui.item()));
    Map<String, Set<String>> trainItems = new HashMap<>();
    split.training().forEach(ui -> trainItems.computeIfAbsent(ui.user(), u -> new HashSet<>()).add(ui.item()));
    Random random = new Random(seed);
    Map<String, List<String>> sampled = new TreeMap<>();
    for (Map.Entry<String, UserInteraction> e : split.heldOut().entrySet()) {
      sampled.put(e.getKey(), sample(catalog, userItems.get(e.getKey()), random));
    }
    Runner runner = new Runner(name());
    for (Method.Spec spec : methods) {
      runner.run(spec, split.training(), k, (method, metrics) -> {
        int done = 0;
        for (Map.Entry<String, UserInteraction> e : split.heldOut().entrySet()) {
          List<Recommendation> all = method.forUser(e.getKey(), e.getValue().interaction().time(),
              Integer.MAX_VALUE, trainItems.getOrDefault(e.getKey(), Set.of()));
          Map<String, Double> scores = new HashMap<>();
          all.forEach(r -> scores.put(r.productId(), r.score()));
          double own = scores.getOrDefault(e.getValue().item(), 0.0);
          int rank = 1;
          for (String negative : sampled.get(e.getKey())) {
            if (scores.getOrDefault(negative, 0.0) >= own) {
              rank++;
            }
          }
          metrics.addRank(rank);
          metrics.addRecommended(TimeSplitProtocol.ids(all.subList(0, Math.min(k, all.size()))));
          Runner.progress(name(), spec.name(), ++done, split.heldOut().size(), 1000);
        }
      });
    }
    return runner.report(k, split.training().size(), catalog.size(), split.heldOut().size());
  }

  /** Up to {@code negatives} distinct catalog items the user never interacted with, in sampling order. */
  List<String> sample(List<String> catalog, Set<String> userItems, Random random) {
    List<String> pool = new ArrayList<>();
    for (String item : catalog) {
      if (!userItems.contains(item)) {
        pool.add(item);
      }
    }
    Set<String> chosen = new LinkedHashSet<>();
    if (pool.size() <= negatives) {
      chosen.addAll(pool);
    } else {
      while (chosen.size() < negatives) {
        chosen.add(pool.get(random.nextInt(pool.size())));
      }
    }
    return List.copyOf(chosen);
  }

  private static List<UserInteraction> training(List<UserInteraction> log, Map<String, UserInteraction> heldOut) {
    List<UserInteraction> training = new ArrayList<>();
    for (UserInteraction ui : log) {
      UserInteraction h = heldOut.get(ui.user());
      if (h == null || ui.interaction().time().isBefore(h.interaction().time())) {
        training.add(ui);
      }
    }
    return training;
  }
}
