package dev.shopstream.local.soak;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The soak run's command line: --help is 0, an unknown option or a bad value is 2 naming it; both option forms. */
class SoakCommandLineTest {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int usage(String... args) {
    return Soak.usage(args, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  @Test
  void helpPrintsTheUsageAndIsZero() {
    assertThat(usage("--help")).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8)).contains("usage:", "--duration", "--rate");
    assertThat(err.size()).isZero();
  }

  @Test
  void anUnknownOptionOrABadValueIsTwoNamingIt() {
    assertThat(usage("--nope", "1")).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("unknown option --nope", "usage:");
    err.reset();
    assertThat(usage("--rate=fast")).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("--rate", "fast");
    err.reset();
    assertThat(usage("--duration", "soon")).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("--duration", "soon");
    assertThat(usage("--duration")).isEqualTo(2);
    assertThat(usage("--duration=90s", "--rate", "5")).isEqualTo(-1);
  }

  @Test
  void bothOptionFormsAndBothDurationSyntaxes() {
    Soak.Options a = Soak.Options.parse(new String[] {"--duration=90s", "--rate", "5", "--upload-every=PT20S"});
    Soak.Options b = Soak.Options.parse(new String[] {"--duration", "PT1M30S", "--rate=5", "--upload-every", "20s"});
    assertThat(a).isEqualTo(b);
    assertThat(a.duration()).isEqualTo(Duration.ofSeconds(90));
    assertThat(Soak.Options.duration("3m")).isEqualTo(Duration.ofMinutes(3));
    assertThatThrownBy(() -> Soak.Options.parse(new String[] {"--duration=3h"}))
        .hasMessageContaining("at most 2h");
  }
}
