package dev.shopstream.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The local stack's command line: both option forms, one duration syntax (short or ISO-8601), errors naming. */
class MainCommandLineTest {
  private static LocalStack.Config parse(String... args) {
    return Main.parse(Main.normalize(args));
  }

  @Test
  void nameValueAndNameEqualsValueAreTheSame() {
    LocalStack.Config a = parse("--data-dir=/tmp/x", "--ingest-port=0", "--checkpoint-every=PT10S", "--runner=direct");
    LocalStack.Config b = parse("--data-dir", "/tmp/x", "--ingest-port", "0", "--checkpoint-every", "10s",
        "--runner", "direct");
    assertThat(b).isEqualTo(a);
    assertThat(a.dataDir()).isEqualTo(Path.of("/tmp/x"));
    assertThat(a.pipeline().checkpointEvery()).isEqualTo(Duration.ofSeconds(10));
    assertThat(parse("--discard-pipeline-state", "--status-port", "9").statusPort()).isEqualTo(9);
  }

  @Test
  void durationsShortOrIso() {
    assertThat(Main.metricsEvery(Main.normalize(new String[] {"--metrics-every", "30s"})))
        .isEqualTo(Duration.ofSeconds(30));
    assertThat(Main.metricsEvery(new String[] {"--metrics-every=PT0S"})).isZero();
    assertThat(Main.parseDuration("--x", "5m")).isEqualTo(Duration.ofMinutes(5));
    assertThat(Main.parseDuration("--x", "500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(Main.parseDuration("--x", "PT1H")).isEqualTo(Duration.ofHours(1));
    assertThat(Main.metricsEvery(new String[0])).isEqualTo(LocalStack.DEFAULT_METRICS_EVERY);
  }

  @Test
  void aBadValueOrAnUnknownOptionNamesIt() {
    assertThatThrownBy(() -> parse("--metrics-every", "soon")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--metrics-every").hasMessageContaining("soon");
    assertThatThrownBy(() -> parse("--checkpoint-every=-PT5S")).hasMessageContaining("--checkpoint-every");
    assertThatThrownBy(() -> parse("--parallelism", "many")).hasMessageContaining("--parallelism")
        .hasMessageContaining("many");
    assertThatThrownBy(() -> parse("--nope=1")).hasMessageContaining("unknown option --nope");
    assertThatThrownBy(() -> parse("--runner")).hasMessageContaining("--runner");
    assertThatThrownBy(() -> parse("stray")).hasMessageContaining("stray");
  }
}
