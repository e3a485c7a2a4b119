package dev.shopstream.evaluation;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EvaluateCommandTest {
  @TempDir Path dir;
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int run(String... args) {
    return EvaluateCommand.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  @Test
  void helpListsProtocolsAndTuning() {
    assertThat(run("--help")).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8)).contains("Usage:", "--protocol", "leave-last-out", "session",
        "--tune", "--input", "--report=DIR");
    assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
  }

  @Test
  void aMissingOnlineRetailFileIsNamedAndExitsNonZero() {
    assertThat(run("--online-retail=" + dir.resolve("absent.csv.gz"))).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("input file not found", "absent.csv.gz",
        "../shared/datasets/online-retail/");
  }

  @Test
  void usageErrorsNameTheOptionAndTheValueAndPrintTheUsage() {
    assertThat(run("--protocol=z", "--input=x")).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("Invalid value for option '--protocol': 'z'",
        "Usage:");
    for (String[] bad : new String[][] {{"--bogus"}, {"--k=abc"}, {"--k", "0"}, {"--session-gap=30x"},
        {"--trending-window", "-1d"}, {"--test-fraction=2"}, {"--tune-params=nope", "--tune"}, {"--target=teleport"},
        {"--input=a.csv", "--online-retail=b.csv.gz"}}) {
      err.reset();
      assertThat(run(bad)).as(String.join(" ", bad)).isEqualTo(2);
      String message = err.toString(StandardCharsets.UTF_8);
      assertThat(message).as(String.join(" ", bad)).contains("Usage:");
      String option = bad[0].contains("=") ? bad[0].substring(0, bad[0].indexOf('=')) : bad[0];
      assertThat(message).as(String.join(" ", bad)).contains(option);
    }
    err.reset();
    run("--bogus");
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("Unknown option: '--bogus'");
    err.reset();
    run("--k=abc");
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("'--k'", "'abc'");
    err.reset();
    run("--k", "0");
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("'--k': '0' must be between 1 and 1000");
    err.reset();
    run("--session-gap=30x");
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("--session-gap", "'30x' is not a duration");
  }

  @Test
  void optionsTakeTheirValueAfterAnEqualsSignOrAsTheNextArgumentAndDurationsInEitherSyntax() {
    EvaluateCommand.Options o = new EvaluateCommand.Options();
    EvaluateCommand.commandLine(o, System.out, System.err).parseArgs("--protocol", "session", "--session-gap=PT30S",
        "--trending-window", "2h", "--k=5", "--tune", "--report", "out");
    assertThat(o.protocol).isEqualTo("session");
    assertThat(o.sessionGap).isEqualTo(java.time.Duration.ofSeconds(30));
    assertThat(o.trendingWindow).isEqualTo(java.time.Duration.ofHours(2));
    assertThat(o.k).isEqualTo(5);
    assertThat(o.tune).isTrue();
    assertThat(o.report).isEqualTo(Path.of("out"));
    EvaluateCommand.Options d = new EvaluateCommand.Options();
    EvaluateCommand.commandLine(d, System.out, System.err).parseArgs("--session-gap", "30s", "--tune=false");
    assertThat(d.sessionGap).isEqualTo(java.time.Duration.ofSeconds(30));
    assertThat(d.tune).isFalse();
    assertThat(d.trendingWindow).as("default").isEqualTo(java.time.Duration.ofDays(7));
    assertThat(d.protocol).isEqualTo("time-split");
    assertThat(Durations.parse("7d")).isEqualTo(java.time.Duration.ofDays(7));
    assertThat(Durations.parse("P7D")).isEqualTo(java.time.Duration.ofDays(7));
    assertThat(Durations.parse("90")).isEqualTo(java.time.Duration.ofSeconds(90));
    assertThat(Durations.parse("1.5m")).isEqualTo(java.time.Duration.ofSeconds(90));
  }

  @Test
  void theCommandLineIsQuotedForAShell() {
    assertThat(EvaluateCommand.commandLine(new String[] {"--rows=first-order;item-kNN", "--k=5"}))
        .isEqualTo("java -jar evaluation/target/evaluate.jar '--rows=first-order;item-kNN' --k=5");
    assertThat(EvaluateCommand.commandLine(new String[] {"--input=it's.csv"}))
        .isEqualTo("java -jar evaluation/target/evaluate.jar '--input=it'\\''s.csv'");
  }

  @Test
  void evaluatesACsvOfUserItemTimestampAndEventType() throws IOException {
    List<String> lines = new ArrayList<>();
    lines.add("user_id,product_id,event_time,event_type");
    for (UserInteraction ui : Logs.clusteredBaskets(200, 4, 2)) {
      lines.add(ui.user() + "," + ui.item() + "," + ui.interaction().time() + ",purchase");
    }
    lines.add("u1,,2024-01-01T00:00:00Z,purchase");
    lines.add("u1,g1-1,yesterday,purchase");
    lines.add("u1,g1-1,2024-01-01T00:00:00Z,teleport");
    Path csv = dir.resolve("shop.csv");
    Files.write(csv, lines);

    assertThat(run("--input", csv.toString(), "--protocol=a", "--test-fraction=0.2")).isZero();
    String table = out.toString(StandardCharsets.UTF_8);
    assertThat(table).contains("| method | HR@10 | NDCG@10 | MRR@10 | coverage |", "| popularity |",
        "| item-kNN |", "| recommender (defaults) |", "interactions used", "3 rows skipped",
        "| first-order Markov (transition counts) |", "| recommender (defaults, co-occurrence only) |",
        "| recommender (defaults, sequence-aware: + next, recency order) |",
        "| recommender (defaults, sequence-aware + popularity prior) |");

    // a run split over processes: only the rows asked for, the same figures
    String markovRow = table.lines().filter(l -> l.startsWith("| first-order Markov")).findFirst().orElseThrow();
    out.reset();
    assertThat(run("--input", csv.toString(), "--protocol=a", "--test-fraction=0.2", "--rows=first-order;popularity"))
        .isZero();
    String split = out.toString(StandardCharsets.UTF_8);
    assertThat(split).contains("| popularity |").doesNotContain("| item-kNN", "| recommender");
    String markovAgain = split.lines().filter(l -> l.startsWith("| first-order Markov")).findFirst().orElseThrow();
    assertThat(markovAgain.substring(0, markovAgain.lastIndexOf('|', markovAgain.length() - 2)))
        .isEqualTo(markovRow.substring(0, markovRow.lastIndexOf('|', markovRow.length() - 2))); // seconds differ
  }

  @Test
  void csvRowsParseWithOrWithoutHeaderAndBadRowsAreCountedByReason() throws IOException {
    Path csv = dir.resolve("plain.csv");
    Files.writeString(csv, "a,x,1700000000\na,y,1700000000000,view\nb,x,2024-01-01 10:00:00\n"
        + "b,,1700000000\nc,x,soon\nc,x,1700000000,teleport\n");
    InteractionLogs.Loaded loaded = InteractionLogs.csv(csv);
    assertThat(loaded.rowsRead()).isEqualTo(6);
    assertThat(loaded.log()).hasSize(3);
    assertThat(loaded.skipped()).containsEntry("missing item", 1L).containsEntry("bad timestamp", 1L)
        .containsEntry("unknown event_type", 1L);
    assertThat(loaded.log().get(0).interaction().type().wireName()).isEqualTo("purchase");
    assertThat(loaded.log().get(1).interaction().type().wireName()).isEqualTo("view");
    assertThat(loaded.log().get(2).user()).isEqualTo("b");

    Path reordered = dir.resolve("reordered.csv");
    Files.writeString(reordered, "timestamp,item,user\n2024-01-01T00:00:00Z,x,a\n");
    assertThat(InteractionLogs.csv(reordered).log().get(0).user()).isEqualTo("a");
    Path noUsable = dir.resolve("bad.csv");
    Files.writeString(noUsable, "a,x,never\n");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> InteractionLogs.csv(noUsable))
        .hasMessageContaining("no usable row");
  }
}
