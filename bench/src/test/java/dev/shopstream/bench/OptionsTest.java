package dev.shopstream.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shopstream.local.Cli;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The benchmarks' command line (picocli): both option forms, one duration syntax, --help exits 0 and every usage
 * error exits 2 naming the option and the value, for every benchmark.
 */
class OptionsTest {
  private record Run(int code, String out, String err) {}

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = Bench.commandLine();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    return new Run(cl.execute(args), out.toString(), err.toString());
  }

  @Test
  void bothFormsAreAccepted() {
    IngestBench a = new IngestBench();
    Cli.of(a).parseArgs("--rates=5,6", "--concurrency", "30", "--batch", "2", "--journal=false");
    assertThat(a.rates).containsExactly(5, 6);
    assertThat(a.concurrency).isEqualTo(30);
    assertThat(a.batch).isEqualTo(2);
    assertThat(a.journal).isFalse();
    IngestBench defaults = new IngestBench();
    Cli.of(defaults).parseArgs();
    assertThat(defaults.rates).containsExactly(100, 250, 500, 1000);
    assertThat(defaults.journal).isTrue();
  }

  @Test
  void durationsArePlainSecondsOrTheCommonSyntax() {
    for (String v : List.of("30", "30s", "PT30S", "0.5m")) {
      ServingBench s = new ServingBench();
      Cli.of(s).parseArgs("--duration", v);
      assertThat(s.duration).as(v).isEqualTo(Duration.ofSeconds(30));
    }
    PubsubJournalBench p = new PubsubJournalBench();
    Cli.of(p).parseArgs("--seconds=2m");
    assertThat(p.duration).isEqualTo(Duration.ofMinutes(2));
  }

  @Test
  void helpIsZeroForTheToolAndEveryBenchmark() {
    Run top = run("--help");
    assertThat(top.code()).isZero();
    assertThat(top.out()).contains("ingest", "freshness", "serving", "upsert", "pubsub-journal", "soak");
    for (String bench : List.of("ingest", "freshness", "serving", "upsert", "pubsub-journal", "soak")) {
      Run r = run(bench, "--help");
      assertThat(r.code()).as(bench).isZero();
      assertThat(r.out()).as(bench).contains("Usage:", "--help");
    }
  }

  @Test
  void usageErrorsAreTwoNamingTheOptionAndValueForEveryBenchmark() {
    assertUsageError(run("ingest", "--rate=5"), "Unknown option", "--rate=5");
    assertUsageError(run("ingest", "--concurrency=fast"), "--concurrency", "fast");
    assertUsageError(run("freshness", "--probe-timeout", "soon"), "--probe-timeout", "soon");
    assertUsageError(run("serving", "--rates", "1,x"), "--rates", "x");
    assertUsageError(run("upsert", "--rows", "many"), "--rows", "many");
    assertUsageError(run("pubsub-journal", "--seconds=later"), "--seconds", "later");
    assertUsageError(run("soak", "--rate=-"), "--rate", "-");
    assertUsageError(run("ingest", "--batch"), "--batch");
    assertUsageError(run("nope"), "nope");
    assertUsageError(run(), "benchmark");
  }

  private static void assertUsageError(Run r, String... mentions) {
    assertThat(r.code()).as(r.err()).isEqualTo(2);
    assertThat(r.err()).contains(mentions).contains("Usage:");
  }
}
