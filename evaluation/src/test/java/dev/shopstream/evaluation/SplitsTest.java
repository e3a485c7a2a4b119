package dev.shopstream.evaluation;

import static dev.shopstream.evaluation.Logs.at;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shopstream.contract.EventType;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Each protocol's split: nothing of the test part is in training, and validation lies before the test. */
class SplitsTest {
  private final List<UserInteraction> log = Logs.clusteredBaskets(120, 4, 3);

  private static Set<UserInteraction> identities(List<UserInteraction> part) {
    Set<UserInteraction> s = Collections.newSetFromMap(new IdentityHashMap<>());
    s.addAll(part);
    return s;
  }

  @Test
  void timeSplitTrainsStrictlyBeforeTheTestAndValidatesBeforeTheCutoff() {
    TimeSplitProtocol.Split split = TimeSplitProtocol.split(log, 0.2);
    assertThat(split.training().size() + split.test().size()).isEqualTo(log.size());
    assertThat(split.training()).allMatch(ui -> ui.interaction().time().isBefore(split.cutoff()));
    assertThat(split.test()).allMatch(ui -> !ui.interaction().time().isBefore(split.cutoff()));
    assertThat(split.test().size()).isBetween((int) (log.size() * 0.15), (int) (log.size() * 0.25));
    assertThat(identities(split.training())).doesNotContainAnyElementsOf(identities(split.test()));

    TimeSplitProtocol protocol = new TimeSplitProtocol(0.2, EventType.PURCHASE, 10);
    List<UserInteraction> tuningLog = protocol.trainingPart(log);
    assertThat(tuningLog).isEqualTo(split.training());
    TimeSplitProtocol.Split validation = TimeSplitProtocol.split(tuningLog, 0.2);
    Instant lastValidation = validation.test().get(validation.test().size() - 1).interaction().time();
    assertThat(lastValidation).isBefore(split.cutoff());
  }

  @Test
  void timeSplitKeepsABasketTogetherAndRefusesDegenerateLogs() {
    List<UserInteraction> small = List.of(at("a", "x", 0), at("a", "y", 10), at("b", "x", 10), at("b", "z", 10));
    TimeSplitProtocol.Split split = TimeSplitProtocol.split(small, 0.5);
    assertThat(split.training()).containsExactly(small.get(0));
    assertThat(split.test()).hasSize(3);
    assertThatThrownBy(() -> TimeSplitProtocol.split(List.of(at("a", "x", 0)), 0.5))
        .hasMessageContaining("at least 2 interactions");
    assertThatThrownBy(() -> TimeSplitProtocol.split(List.of(at("a", "x", 0), at("b", "y", 0)), 0.5))
        .hasMessageContaining("same time");
  }

  @Test
  void leaveLastOutHoldsOutEachUsersLastNewItemAndNothingAfterIt() {
    LeaveLastOutProtocol.Split split = LeaveLastOutProtocol.split(log, EventType.PURCHASE);
    assertThat(split.heldOut()).hasSize(120);
    Set<UserInteraction> training = identities(split.training());
    for (Map.Entry<String, UserInteraction> e : split.heldOut().entrySet()) {
      UserInteraction held = e.getValue();
      assertThat(training).doesNotContain(held);
      Set<String> earlier = new HashSet<>();
      boolean hasTraining = false;
      for (UserInteraction ui : split.training()) {
        if (ui.user().equals(e.getKey())) {
          assertThat(ui.interaction().time()).isBefore(held.interaction().time());
          earlier.add(ui.item());
          hasTraining = true;
        }
      }
      assertThat(hasTraining).isTrue();
      assertThat(earlier).as("the held-out item is new to the user").doesNotContain(held.item());
    }
    // the held-out is the last new item: a repeat at the end does not replace it
    List<UserInteraction> repeats = List.of(at("a", "x", 0), at("a", "y", 10), at("a", "x", 20),
        at("b", "x", 5));
    LeaveLastOutProtocol.Split s = LeaveLastOutProtocol.split(repeats, EventType.PURCHASE);
    assertThat(s.heldOut()).containsOnlyKeys("a");
    assertThat(s.heldOut().get("a")).isSameAs(repeats.get(1));
    assertThat(s.training()).containsExactly(repeats.get(0), repeats.get(3));

    LeaveLastOutProtocol protocol = new LeaveLastOutProtocol(100, 1, EventType.PURCHASE, 10);
    LeaveLastOutProtocol.Split validation = LeaveLastOutProtocol.split(protocol.trainingPart(log),
        EventType.PURCHASE);
    for (Map.Entry<String, UserInteraction> e : validation.heldOut().entrySet()) {
      assertThat(e.getValue().interaction().time())
          .isBefore(split.heldOut().get(e.getKey()).interaction().time());
    }
  }

  @Test
  void negativesAreSeededAndNeverTheUsersItems() {
    LeaveLastOutProtocol protocol = new LeaveLastOutProtocol(3, 1, EventType.PURCHASE, 10);
    List<String> catalog = List.of("a", "b", "c", "d", "e", "f");
    List<String> first = protocol.sample(catalog, Set.of("a", "b"), new java.util.Random(9));
    assertThat(first).hasSize(3).doesNotContain("a", "b").doesNotHaveDuplicates();
    assertThat(protocol.sample(catalog, Set.of("a", "b"), new java.util.Random(9))).isEqualTo(first);
    assertThat(protocol.sample(catalog, Set.of("a", "b", "c", "d"), new java.util.Random(9)))
        .containsExactlyInAnyOrder("e", "f");
  }

  @Test
  void sessionSplitTestsWholeSessionsAfterTheCutoffAndTrainsOnSessionsEndedBefore() {
    Duration gap = Duration.ofMinutes(30);
    SessionProtocol.Split split = SessionProtocol.split(log, gap, 0.2);
    Set<UserInteraction> training = identities(split.training());
    assertThat(split.training()).allMatch(ui -> ui.interaction().time().isBefore(split.cutoff()));
    for (List<UserInteraction> session : split.testSessions()) {
      assertThat(session.get(0).interaction().time()).isAfterOrEqualTo(split.cutoff());
      assertThat(training).doesNotContainAnyElementsOf(session);
    }
    // sessions: a gap longer than 30 minutes starts a new one; a spanning session is in neither part
    List<UserInteraction> small = List.of(at("a", "x", 0), at("a", "y", 20), at("a", "z", 100),
        at("b", "x", 90), at("b", "w", 110), at("c", "y", 140), at("c", "x", 150));
    assertThat(SessionProtocol.sessions(small, gap)).hasSize(4);
    SessionProtocol.Split s = SessionProtocol.split(small, gap, 0.3);
    assertThat(s.cutoff()).isEqualTo(Logs.T0.plus(Duration.ofMinutes(100)));
    assertThat(s.training()).containsExactly(small.get(0), small.get(1));
    assertThat(s.testSessions()).hasSize(2); // a's z at 100 and c's session; b's session spans the cut-off
    assertThat(SessionProtocol.targets(List.of(small.get(0), small.get(1), small.get(0), small.get(2))))
        .containsExactly(1, 3);

    SessionProtocol protocol = new SessionProtocol(gap, 0.2, 20);
    SessionProtocol.Split validation = SessionProtocol.split(protocol.trainingPart(log), gap, 0.2);
    for (List<UserInteraction> session : validation.testSessions()) {
      assertThat(session.get(session.size() - 1).interaction().time()).isBefore(split.cutoff());
    }
  }
}
