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
    assertThat(out.toString(StandardCharsets.UTF_8)).contains("--protocol", "leave-last-out", "session", "--tune",
        "--input");
  }

  @Test
  void aMissingOnlineRetailFileIsNamedAndExitsNonZero() {
    assertThat(run("--online-retail=" + dir.resolve("absent.csv.gz"))).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("input file not found", "absent.csv.gz",
        "../shared/datasets/online-retail/");
  }

  @Test
  void usageErrorsNameTheOption() {
    assertThat(run("--protocol=z", "--input=x")).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("unknown protocol: z");
    assertThat(run("--bogus")).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("unknown option: --bogus");
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
