package dev.shopstream.pipeline.transforms;

import static dev.shopstream.pipeline.transforms.WindowedEvents.event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shopstream.contract.EventType;
import dev.shopstream.contract.ProductLine;
import dev.shopstream.pipeline.testing.TestEvents;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.coders.CoderException;
import org.apache.beam.sdk.util.CoderUtils;
import org.apache.beam.sdk.values.TimestampedValue;
import org.junit.jupiter.api.Test;

/** The stateful sessions step's state without a runner: merging, the late and closed flags, and its coder. */
class UserSessionsTest {
  private static final long GAP = 30 * 60_000L;

  private static UserSessions.Added add(UserSessions user, String id, String hhmm, String product) {
    TimestampedValue<dev.shopstream.contract.Event> e =
        event(id, EventType.VIEW, "u-1", hhmm, new ProductLine(product, 1, null));
    return user.add(e.getValue(), e.getTimestamp().getMillis(), GAP);
  }

  private static long at(String hhmm) {
    return WindowedEvents.at(hhmm).getMillis();
  }

  private static Map<String, Object> row(UserSessions.Session s) {
    return s.summary.row("u-1", TestEvents.NOW);
  }

  @Test
  public void anEventThatBridgesTwoSessionsMergesThemInOne() {
    UserSessions user = new UserSessions();
    add(user, "e-1", "10:00", "p-1");
    add(user, "e-3", "10:50", "p-3"); // 50 minutes later: a session of its own
    assertThat(user.sessions).hasSize(2);
    UserSessions.Added bridge = add(user, "e-2", "10:25", "p-2"); // within the gap of both
    assertThat(user.sessions).containsExactly(bridge.session());
    assertThat(bridge.late()).isFalse();
    assertThat(row(bridge.session())).containsEntry("session_start", "2026-11-22T10:00:00Z")
        .containsEntry("session_end", "2026-11-22T10:50:00Z").containsEntry("events", 3L)
        .containsEntry("products", List.of("p-1", "p-2", "p-3"));
    // the earliest due time: the window's max timestamp, then, once closed, that + the allowed lateness
    assertThat(user.nextDue(GAP, 3_600_000L)).isEqualTo(at("11:20") - 1);
    bridge.session().closed = true;
    assertThat(user.nextDue(GAP, 3_600_000L)).isEqualTo(at("12:20") - 1);
  }

  @Test
  public void aChangeToAClosedSessionOrASessionEndingBehindTheKnownWatermarkIsLate() {
    UserSessions user = new UserSessions();
    UserSessions.Added first = add(user, "e-1", "10:00", "p-1");
    assertThat(first.late()).isFalse(); // no watermark known: never late
    first.session().closed = true;
    user.watermarkSeen = at("10:30") - 1;
    // extends the closed session past the watermark known: still a late row of a closed session
    UserSessions.Added extended = add(user, "e-2", "10:20", "p-2");
    assertThat(extended.late()).isTrue();
    assertThat(extended.session().closed).isTrue();
    user.watermarkSeen = at("12:00");
    UserSessions.Added old = add(user, "e-0", "09:00", "p-0"); // no overlap; ends (09:30) behind 12:00
    assertThat(old.late()).isTrue();
    assertThat(user.sessions).hasSize(2).startsWith(old.session());
    UserSessions.Added fresh = add(user, "e-4", "11:40", "p-4"); // ends 12:10, after 12:00: open
    assertThat(fresh.late()).isFalse();
    assertThat(fresh.session().closed).isFalse();
    assertThat(user.sessions).extracting(s -> s.first).containsExactly(at("09:00"), at("10:00"), at("11:40"));
  }

  @Test
  public void theStateSurvivesItsCoder() throws CoderException {
    UserSessions user = new UserSessions();
    add(user, "e-1", "10:00", "p-1");
    add(user, "e-2", "10:10", "p-2");
    add(user, "e-3", "11:00", "p-3");
    user.sessions.get(0).closed = true;
    user.sessions.get(1).dirty = true;
    user.watermarkSeen = at("10:40") - 1;
    user.closeTimer = at("11:30") - 1;
    user.flushPending = true;

    UserSessions copy = CoderUtils.clone(UserSessions.Coder.INSTANCE, user);

    assertThat(copy.watermarkSeen).isEqualTo(user.watermarkSeen);
    assertThat(copy.closeTimer).isEqualTo(user.closeTimer);
    assertThat(copy.flushPending).isTrue();
    assertThat(copy.sessions).hasSize(2);
    for (int i = 0; i < 2; i++) {
      UserSessions.Session a = user.sessions.get(i);
      UserSessions.Session b = copy.sessions.get(i);
      assertThat(List.of(b.first, b.last, b.closed, b.dirty)).isEqualTo(List.of(a.first, a.last, a.closed, a.dirty));
      assertThat(row(b)).isEqualTo(row(a));
    }
    UserSessions empty = CoderUtils.clone(UserSessions.Coder.INSTANCE, new UserSessions());
    assertThat(empty.sessions).isEmpty();
    assertThat(empty.closeTimer).isEqualTo(UserSessions.NONE);
  }

  @Test
  public void foreignBytesAreRefused() {
    assertThatThrownBy(() -> UserSessions.Coder.INSTANCE.decode(new ByteArrayInputStream(new byte[] {9, 0, 0})))
        .isInstanceOf(IOException.class).hasMessageContaining("version 9");
  }
}
