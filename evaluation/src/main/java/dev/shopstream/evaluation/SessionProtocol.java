package dev.shopstream.evaluation;

import dev.shopstream.model.Interaction;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Protocol (c), next item in a session (the session-based literature's protocol): a session is a user's run of
 * interactions with no gap longer than {@code gap}. Sessions are ordered by start; those starting at or after the
 * start of the newest {@code testFraction} of sessions are the test; training is the sessions that ended before
 * that cut-off (a session spanning it is in neither part). In each test session, every interaction with an item
 * not yet in the session is a trial: the method gets the session so far (its earlier interactions) and ranks all
 * items except those already in the session; HR@k and MRR@k (k = 20 in the literature). The request time is the
 * trial interaction's time (the user is mid-session).
 */
public final class SessionProtocol implements Protocol {
  private final Duration gap;
  private final double testFraction;
  private final int k;

  /** The split: training interactions (time order), test sessions (each in time order), the cut-off. */
  public record Split(List<UserInteraction> training, List<List<UserInteraction>> testSessions, Instant cutoff) {}

  public SessionProtocol(Duration gap, double testFraction, int k) {
    if (gap.isNegative() || gap.isZero()) {
      throw new IllegalArgumentException("session gap must be > 0");
    }
    if (!(testFraction > 0 && testFraction < 1)) {
      throw new IllegalArgumentException("test fraction must be in (0, 1)");
    }
    this.gap = gap;
    this.testFraction = testFraction;
    this.k = k;
  }

  @Override
  public String name() {
    return "session";
  }

  @Override
  public int k() {
    return k;
  }

  /** The log's sessions (each in time order), ordered by start time then user. */
  public static List<List<UserInteraction>> sessions(List<UserInteraction> log, Duration gap) {
    Map<String, List<UserInteraction>> open = new HashMap<>();
    List<List<UserInteraction>> sessions = new ArrayList<>();
    for (UserInteraction ui : log) {
      List<UserInteraction> current = open.get(ui.user());
      if (current == null || Duration.between(current.get(current.size() - 1).interaction().time(),
          ui.interaction().time()).compareTo(gap) > 0) {
        current = new ArrayList<>();
        open.put(ui.user(), current);
        sessions.add(current);
      }
      current.add(ui);
    }
    sessions.sort(Comparator.comparing((List<UserInteraction> s) -> s.get(0).interaction().time())
        .thenComparing(s -> s.get(0).user()));
    return sessions;
  }

  public static Split split(List<UserInteraction> log, Duration gap, double testFraction) {
    List<List<UserInteraction>> sessions = sessions(log, gap);
    if (sessions.size() < 2) {
      throw new IllegalArgumentException("a session split needs at least 2 sessions, got " + sessions.size());
    }
    int first = Math.max(1, Math.min(sessions.size() - 1, (int) Math.floor(sessions.size() * (1 - testFraction))));
    Instant cutoff = sessions.get(first).get(0).interaction().time();
    List<List<UserInteraction>> test = new ArrayList<>();
    Map<UserInteraction, Boolean> inTraining = new IdentityHashMap<>();
    for (List<UserInteraction> s : sessions) {
      if (!s.get(0).interaction().time().isBefore(cutoff)) {
        test.add(s);
      } else if (s.get(s.size() - 1).interaction().time().isBefore(cutoff)) {
        s.forEach(ui -> inTraining.put(ui, true));
      }
    }
    List<UserInteraction> training = new ArrayList<>();
    for (UserInteraction ui : log) {
      if (inTraining.containsKey(ui)) {
        training.add(ui);
      }
    }
    if (training.isEmpty()) {
      throw new IllegalArgumentException("no session ends before the cut-off " + cutoff);
    }
    return new Split(training, test, cutoff);
  }

  @Override
  public List<UserInteraction> trainingPart(List<UserInteraction> log) {
    return split(log, gap, testFraction).training();
  }

  @Override
  public Report evaluate(List<UserInteraction> log, List<Method.Spec> methods) {
    Split split = split(log, gap, testFraction);
    int trials = 0;
    for (List<UserInteraction> s : split.testSessions()) {
      trials += targets(s).size();
    }
    int total = trials;
    Runner runner = new Runner(name());
    for (Method.Spec spec : methods) {
      runner.run(spec, split.training(), k, (method, metrics) -> {
        int done = 0;
        for (List<UserInteraction> session : split.testSessions()) {
          for (int j : targets(session)) {
            List<Interaction> prefix = new ArrayList<>(j);
            Set<String> inSession = new HashSet<>();
            for (UserInteraction ui : session.subList(0, j)) {
              prefix.add(ui.interaction());
              inSession.add(ui.item());
            }
            List<String> ranked = TimeSplitProtocol.ids(method.forItems(prefix,
                session.get(j).interaction().time(), metrics.depth(), inSession));
            metrics.add(ranked, Set.of(session.get(j).item()));
            metrics.addRecommended(ranked);
            Runner.progress(name(), spec.name(), ++done, total, 10_000);
          }
        }
      });
    }
    return runner.report(k, split.training().size(), Protocol.catalog(split.training()).size(), trials);
  }

  /** Positions (≥ 1) of the session's interactions whose item is not among the session's earlier ones. */
  static List<Integer> targets(List<UserInteraction> session) {
    List<Integer> out = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (int j = 0; j < session.size(); j++) {
      if (seen.add(session.get(j).item()) && j > 0) {
        out.add(j);
      }
    }
    return out;
  }
}
