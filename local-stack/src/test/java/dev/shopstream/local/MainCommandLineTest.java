package dev.shopstream.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The local stack's command line (picocli): both option forms, one duration syntax (short or ISO-8601), --help exits
 * 0, an unknown option or a bad value exits 2 with a message naming the option and the value, and the usage.
 */
class MainCommandLineTest {
  private static Main parse(String... args) {
    Main main = new Main();
    Cli.of(main).parseArgs(args);
    return main;
  }

  private record Run(int code, String out, String err) {}

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = Main.commandLine();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int code = cl.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void nameValueAndNameEqualsValueAreTheSame() {
    LocalStack.Config a = parse("--data-dir=/tmp/x", "--ingest-port=0", "--checkpoint-every=PT10S", "--runner=direct")
        .config();
    LocalStack.Config b = parse("--data-dir", "/tmp/x", "--ingest-port", "0", "--checkpoint-every", "10s",
        "--runner", "direct").config();
    assertThat(b).isEqualTo(a);
    assertThat(a.dataDir()).isEqualTo(Path.of("/tmp/x"));
    assertThat(a.pipeline().checkpointEvery()).isEqualTo(Duration.ofSeconds(10));
    assertThat(a.pipeline().runner()).isEqualTo(LocalPipeline.Runner.DIRECT);
    Main flags = parse("--discard-pipeline-state", "--status-port", "9");
    assertThat(flags.config().statusPort()).isEqualTo(9);
    assertThat(flags.discardPipelineState).isTrue();
    assertThat(parse().config()).isEqualTo(LocalStack.Config.defaults());
  }

  @Test
  void durationsShortOrIso() {
    assertThat(parse("--metrics-every", "30s").metricsEvery).isEqualTo(Duration.ofSeconds(30));
    assertThat(parse("--metrics-every=PT0S").metricsEvery).isZero();
    assertThat(parse("--metrics-every=5m").metricsEvery).isEqualTo(Duration.ofMinutes(5));
    assertThat(parse("--checkpoint-every=500ms").config().pipeline().checkpointEvery())
        .isEqualTo(Duration.ofMillis(500));
    assertThat(parse().metricsEvery).isEqualTo(LocalStack.DEFAULT_METRICS_EVERY);
  }

  @Test
  void helpPrintsTheUsageAndExitsZero() {
    Run r = run("--help");
    assertThat(r.code()).isZero();
    assertThat(r.out()).contains("--metrics-every", "--data-dir", "--runner", "query");
    Run q = run("query", "--help");
    assertThat(q.code()).isZero();
    assertThat(q.out()).contains("--max-rows", "SQL");
  }

  @Test
  void aBadValueOrAnUnknownOptionExitsTwoNamingIt() {
    assertUsageError(run("--metrics-every", "soon"), "--metrics-every", "soon");
    assertUsageError(run("--checkpoint-every=-PT5S"), "--checkpoint-every", "-PT5S");
    assertUsageError(run("--checkpoint-every=10ms"), "--checkpoint-every", "PT0.01S");
    assertUsageError(run("--parallelism", "many"), "--parallelism", "many");
    assertUsageError(run("--parallelism", "0"), "--parallelism", "0");
    assertUsageError(run("--ingest-port=70000"), "--ingest-port", "70000");
    assertUsageError(run("--runner=spark"), "--runner", "spark");
    assertUsageError(run("--nope=1"), "--nope", "Unknown option");
    assertUsageError(run("--runner"), "--runner", "Missing required parameter");
    assertUsageError(run("stray"), "stray", "Unmatched argument");
  }

  private static void assertUsageError(Run r, String... mentions) {
    assertThat(r.code()).as(r.err()).isEqualTo(2);
    assertThat(r.err()).contains(mentions).contains("Usage:");
  }
}
