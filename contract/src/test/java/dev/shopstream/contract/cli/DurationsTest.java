package dev.shopstream.contract.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The one duration syntax: short units, plain seconds and ISO-8601; bad text is named in the error. */
class DurationsTest {
  @Test
  void shortUnits() {
    assertThat(Durations.parse("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(Durations.parse("30s")).isEqualTo(Duration.ofSeconds(30));
    assertThat(Durations.parse("5m")).isEqualTo(Duration.ofMinutes(5));
    assertThat(Durations.parse("1h")).isEqualTo(Duration.ofHours(1));
    assertThat(Durations.parse("7d")).isEqualTo(Duration.ofDays(7));
    assertThat(Durations.parse("1.5h")).isEqualTo(Duration.ofMinutes(90));
    assertThat(Durations.parse(" 10M ")).isEqualTo(Duration.ofMinutes(10));
  }

  @Test
  void plainNumbersAreSeconds() {
    assertThat(Durations.parse("30")).isEqualTo(Duration.ofSeconds(30));
    assertThat(Durations.parse("0.25")).isEqualTo(Duration.ofMillis(250));
    assertThat(Durations.parse("0")).isZero();
  }

  @Test
  void iso8601() {
    assertThat(Durations.parse("PT30S")).isEqualTo(Duration.ofSeconds(30));
    assertThat(Durations.parse("pt5m")).isEqualTo(Duration.ofMinutes(5));
    assertThat(Durations.parse("P7D")).isEqualTo(Duration.ofDays(7));
    assertThat(Durations.parse("PT0S")).isZero();
  }

  @Test
  void badTextIsNamed() {
    for (String bad : new String[] {"soon", "5 minutes", "-PT5S", "-5s", "5x", "", "1.0001ms", "PT"}) {
      assertThatThrownBy(() -> Durations.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("'" + bad + "'");
    }
    assertThatThrownBy(() -> Durations.parse(null)).isInstanceOf(IllegalArgumentException.class);
  }
}
