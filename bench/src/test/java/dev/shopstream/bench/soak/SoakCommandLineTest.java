package dev.shopstream.bench.soak;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shopstream.local.Cli;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The soak run's command line: --help is 0, an unknown option or a bad value is 2 naming it; both option forms. */
class SoakCommandLineTest {
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int execute(String... args) {
    CommandLine cl = Cli.of(new Soak.SoakCommand());
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    return cl.execute(args);
  }

  private static Soak.Options parse(String... args) {
    Soak.SoakCommand c = new Soak.SoakCommand();
    Cli.of(c).parseArgs(args);
    return c.options();
  }

  @Test
  void helpPrintsTheUsageAndIsZero() {
    assertThat(execute("--help")).isZero();
    assertThat(out.toString()).contains("Usage:", "--duration", "--rate");
    assertThat(err.toString()).isEmpty();
  }

  @Test
  void anUnknownOptionOrABadValueIsTwoNamingIt() {
    assertThat(execute("--nope", "1")).isEqualTo(2);
    assertThat(err.toString()).contains("Unknown option", "--nope", "Usage:");
    assertThat(execute("--rate=fast")).isEqualTo(2);
    assertThat(err.toString()).contains("--rate", "fast");
    assertThat(execute("--duration", "soon")).isEqualTo(2);
    assertThat(err.toString()).contains("--duration", "soon");
    assertThat(execute("--rate=0")).isEqualTo(2);
    assertThat(err.toString()).contains("--rate", "'0'");
    assertThat(execute("--duration=3h")).isEqualTo(2);
    assertThat(err.toString()).contains("at most 2h");
    assertThat(execute("--duration")).isEqualTo(2);
  }

  @Test
  void bothOptionFormsAndBothDurationSyntaxes() {
    Soak.Options a = parse("--duration=90s", "--rate", "5", "--upload-every=PT20S");
    Soak.Options b = parse("--duration", "PT1M30S", "--rate=5", "--upload-every", "20s");
    assertThat(a).isEqualTo(b);
    assertThat(a.duration()).isEqualTo(Duration.ofSeconds(90));
    assertThat(parse("--duration", "3m").duration()).isEqualTo(Duration.ofMinutes(3));
  }
}
