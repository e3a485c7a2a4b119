package dev.shopstream.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The benchmarks' options: both forms, and every usage error a UsageException naming the option (exit 2). */
class OptionsTest {
  @Test
  void bothFormsAreAccepted() {
    Options o = Options.parse("--rate=5", "--seconds", "30", "--sizes", "1,2");
    assertThat(o.integer("rate", 1)).isEqualTo(5);
    assertThat(o.integer("seconds", 1)).isEqualTo(30);
    assertThat(o.integers("sizes", "9")).containsExactly(1, 2);
    assertThat(o.done("usage")).isTrue();
    assertThat(o.help()).isFalse();
  }

  @Test
  void usageErrorsNameTheOptionAndValue() {
    assertThatThrownBy(() -> Options.parse("--rate=5", "--nope=1").done("usage: ..."))
        .isInstanceOf(Options.UsageException.class).hasMessageContaining("--nope").hasMessageContaining("usage: ...");
    assertThatThrownBy(() -> Options.parse("--rate=fast").integer("rate", 1))
        .isInstanceOf(Options.UsageException.class).hasMessageContaining("--rate").hasMessageContaining("fast");
    assertThatThrownBy(() -> Options.parse("--rate")).isInstanceOf(Options.UsageException.class)
        .hasMessageContaining("--rate needs a value");
    assertThatThrownBy(() -> Options.parse("rate=5")).isInstanceOf(Options.UsageException.class);
  }

  @Test
  void durationsArePlainSecondsOrTheCommonSyntax() {
    Options o = Options.parse("--a=30", "--b=30s", "--c=PT30S", "--d", "2m", "--e=soon");
    assertThat(o.seconds("a", 1)).isEqualTo(java.time.Duration.ofSeconds(30));
    assertThat(o.seconds("b", 1)).isEqualTo(java.time.Duration.ofSeconds(30));
    assertThat(o.seconds("c", 1)).isEqualTo(java.time.Duration.ofSeconds(30));
    assertThat(o.seconds("d", 1)).isEqualTo(java.time.Duration.ofMinutes(2));
    assertThat(o.seconds("missing", 7)).isEqualTo(java.time.Duration.ofSeconds(7));
    assertThatThrownBy(() -> o.seconds("e", 1)).isInstanceOf(Options.UsageException.class)
        .hasMessageContaining("--e").hasMessageContaining("soon");
  }

  @Test
  void helpIsNotAnError() {
    Options o = Options.parse("--help");
    assertThat(o.help()).isTrue();
    assertThat(o.done("usage")).isFalse();
  }
}
