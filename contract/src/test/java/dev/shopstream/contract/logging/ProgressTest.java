package dev.shopstream.contract.logging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** Due once per interval of the injected clock, however many calls come in between. */
class ProgressTest {
  private static final class TestClock extends Clock {
    long millis;

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return Instant.ofEpochMilli(millis);
    }
  }

  @Test
  void dueOncePerIntervalOfTheClock() {
    TestClock clock = new TestClock();
    Progress p = new Progress(clock, Duration.ofSeconds(5));
    int due = 0;
    for (int i = 0; i < 100; i++) { // 100 calls, 200 ms apart: 20 s
      clock.millis += 200;
      due += p.due() ? 1 : 0;
    }
    assertThat(due).isEqualTo(4);
    assertThat(p.elapsedMillis()).isEqualTo(20_000);
    clock.millis += 4_999 - 0; // 4.999 s after the last due (at 20 s)
    assertThat(p.due()).isFalse();
    clock.millis += 1;
    assertThat(p.due()).isTrue();
  }

  @Test
  void zeroIsNeverAndNegativeIsRefused() {
    TestClock clock = new TestClock();
    Progress never = new Progress(clock, Duration.ZERO);
    clock.millis += 1_000_000;
    assertThat(never.due()).isFalse();
    assertThatThrownBy(() -> new Progress(clock, Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class);
  }
}
