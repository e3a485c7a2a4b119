package dev.shopstream.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shopstream.contract.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code evaluate --report=DIR} on a log the test generates: report.json and report.html against the table. */
class EvaluationReportTest {
  @TempDir Path dir;
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private Path csv;

  @BeforeEach
  void log() throws IOException {
    List<String> lines = new ArrayList<>();
    lines.add("user_id,product_id,event_time,event_type");
    for (UserInteraction ui : Logs.clusteredBaskets(150, 4, 3)) {
      lines.add(ui.user() + "," + ui.item() + "," + ui.interaction().time() + "," + ui.interaction().type()
          .wireName());
    }
    lines.add("u1,,2024-01-01T00:00:00Z,purchase");
    csv = dir.resolve("shop <&> log.csv");
    Files.write(csv, lines);
  }

  private int run(String... args) {
    out.reset();
    err.reset();
    return EvaluateCommand.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  /** The printed table's rows: method → its cells. */
  private List<String[]> tableRows(String printed) {
    List<String[]> rows = new ArrayList<>();
    for (String line : printed.lines().toList()) {
      if (line.startsWith("| ") && !line.startsWith("| method")) {
        String[] cells = line.substring(2, line.length() - 2).split(" \\| ");
        rows.add(cells);
      }
    }
    return rows;
  }

  private static int count(String text, String needle) {
    int n = 0;
    for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
      n++;
    }
    return n;
  }

  @Test
  void theReportHasAPlotLinePerMethodAndTheFiguresOfThePrintedTable() throws IOException {
    Instant before = Instant.now().minusSeconds(1);
    Path reports = dir.resolve("reports/run-1");
    assertThat(run("--input", csv.toString(), "--protocol=a", "--test-fraction=0.2", "--report", reports.toString()))
        .as(err.toString(StandardCharsets.UTF_8)).isZero();
    String printed = out.toString(StandardCharsets.UTF_8);
    assertThat(printed).contains("report: " + reports.resolve("report.html").toAbsolutePath().normalize());

    JsonNode json = Json.MAPPER.readTree(reports.resolve("report.json").toFile());
    assertThat(json.path("schema_version").asInt()).isEqualTo(1);
    assertThat(Instant.parse(json.path("generated_at").asText())).isAfter(before).isBefore(Instant.now());
    assertThat(json.path("command").asText()).isEqualTo("java -jar evaluation/target/evaluate.jar --input '"
        + csv + "' --protocol=a --test-fraction=0.2 --report " + reports);
    assertThat(printed).contains("command: " + json.path("command").asText());
    assertThat(json.path("dataset").path("input").asText()).isEqualTo(csv.toAbsolutePath().normalize().toString());
    assertThat(json.path("dataset").path("skipped").path("missing item").asLong()).isEqualTo(1);
    assertThat(json.path("protocol").path("name").asText()).isEqualTo("time-split");
    assertThat(json.path("protocol").path("k").asInt()).isEqualTo(10);
    assertThat(json.path("protocol").path("settings").path("test_fraction").asText()).isEqualTo("0.2");
    Matcher split = Pattern.compile("protocol: time-split, k=10: ([\\d,]+) training interactions, ([\\d,]+) catalog"
        + " items, ([\\d,]+) trials").matcher(printed);
    assertThat(split.find()).isTrue();
    assertThat(json.path("split").path("training_interactions").asLong())
        .isEqualTo(Long.parseLong(split.group(1).replace(",", "")));
    assertThat(json.path("split").path("catalog_items").asLong()).isEqualTo(Long.parseLong(split.group(2)
        .replace(",", "")));
    assertThat(json.path("split").path("trials").asLong()).isEqualTo(Long.parseLong(split.group(3).replace(",", "")));

    List<String[]> table = tableRows(printed);
    // 10 method rows (9 recommender rows and the learned factors), the cart and product endpoints at ν = 0 and the
    // default
    assertThat(table).hasSize(14);
    JsonNode methods = json.path("methods");
    assertThat(methods).hasSize(table.size());
    String html = Files.readString(reports.resolve("report.html"));
    for (int i = 0; i < table.size(); i++) {
      String[] row = table.get(i);
      JsonNode m = methods.get(i);
      assertThat(m.path("name").asText()).isEqualTo(row[0]);
      assertThat(f4(m.path("hr").asDouble())).as(row[0]).isEqualTo(row[1]);
      assertThat(f4(m.path("ndcg").asDouble())).as(row[0]).isEqualTo(row[2]);
      assertThat(f4(m.path("mrr").asDouble())).as(row[0]).isEqualTo(row[3]);
      assertThat(String.format(Locale.ROOT, "%.4f (%,d items)", m.path("coverage").asDouble(),
          m.path("distinct_items").asLong())).isEqualTo(row[4]);
      assertThat(m.path("hr_at")).hasSize(20);
      assertThat(m.path("ndcg_at")).hasSize(20);
      assertThat(m.path("hr_at").get(9).asDouble()).as("HR@10 on the curve").isEqualTo(m.path("hr").asDouble());
      assertThat(m.path("ndcg_at").get(9).asDouble()).isEqualTo(m.path("ndcg").asDouble());
      double previous = 0;
      for (JsonNode v : m.path("hr_at")) {
        assertThat(v.asDouble()).as("HR@k never falls as k grows").isGreaterThanOrEqualTo(previous);
        previous = v.asDouble();
      }
      // one line per method in each plot, its row in the figures table and its coverage bar
      String name = EvaluationReport.esc(row[0]);
      assertThat(count(html, "<polyline class=\"series\" data-method=\"" + name + "\"")).as(row[0]).isEqualTo(2);
      assertThat(html).contains("<tr data-method=\"" + name + "\"><td>", "<g class=\"bar\" data-method=\""
          + name + "\"");
      String htmlRow = html.substring(html.indexOf("<tr data-method=\"" + name + "\""));
      htmlRow = htmlRow.substring(0, htmlRow.indexOf("</tr>"));
      assertThat(htmlRow).contains(">" + row[1] + "<", ">" + row[2] + "<", ">" + row[3] + "<");
      // 20 points per line
      Matcher points = Pattern.compile("data-method=\"" + Pattern.quote(name) + "\"[^>]* points=\"([^\"]*)\"")
          .matcher(html);
      assertThat(points.find()).isTrue();
      assertThat(points.group(1).split(" ")).hasSize(20);
    }
    assertThat(count(html, "<figure class=\"plot\"")).isEqualTo(2);
    assertThat(html).contains("HR@k by k", "NDCG@k by k", "k (length of the recommended list)",
        "Catalog coverage", "No tuning in this run", EvaluationReport.esc(json.path("command").asText()),
        EvaluationReport.esc(csv.toAbsolutePath().normalize().toString()), "shop &lt;&amp;&gt; log.csv");
    // static and self-contained: no script, nothing fetched
    assertThat(html.toLowerCase(Locale.ROOT)).doesNotContain("<script", "src=", "href=", "@import", "url(");
  }

  @Test
  void aTuningRunWritesItsTraceWithTheChosenConfig() throws IOException {
    Path reports = dir.resolve("tuned");
    assertThat(run("--input=" + csv, "--protocol=a", "--test-fraction=0.2", "--tune", "--passes=1",
        "--tune-params=trend_weight,next_weight", "--report=" + reports)).as(err.toString(StandardCharsets.UTF_8))
        .isZero();
    String printed = out.toString(StandardCharsets.UTF_8);
    JsonNode tuning = Json.MAPPER.readTree(reports.resolve("report.json").toFile()).path("tuning");
    Matcher summary = Pattern.compile("tuned \\(validation HR@10=([\\d.]+), NDCG@10=([\\d.]+) over (\\d+) configs\\):"
        + " (.*)").matcher(printed);
    assertThat(summary.find()).as(printed).isTrue();
    JsonNode configs = tuning.path("configs");
    assertThat(configs).hasSize(Integer.parseInt(summary.group(3)));
    assertThat(configs.get(0).path("changes")).as("the start").isEmpty();
    int chosen = 0;
    for (JsonNode c : configs) {
      chosen += c.path("chosen").asBoolean() ? 1 : 0;
      for (JsonNode change : c.path("changes")) {
        assertThat(change.asText()).matches("(trend_weight|next_weight)=.*");
      }
    }
    assertThat(chosen).isEqualTo(1);
    assertThat(tuning.path("parameters")).extracting(JsonNode::asText).containsExactly("trend_weight", "next_weight");
    JsonNode best = tuning.path("chosen");
    assertThat(f4(best.path("hr").asDouble())).isEqualTo(summary.group(1));
    assertThat(f4(best.path("ndcg").asDouble())).isEqualTo(summary.group(2));
    assertThat(best.path("config").asText()).isEqualTo(summary.group(4).strip());
    JsonNode chosenConfig = configs.get(best.path("index").asInt() - 1);
    assertThat(chosenConfig.path("chosen").asBoolean()).isTrue();
    assertThat(chosenConfig.path("hr").asDouble()).isEqualTo(best.path("hr").asDouble());

    String html = Files.readString(reports.resolve("report.html"));
    assertThat(html).contains("Tuning trace", "<strong>Chosen: #" + best.path("index").asInt() + "</strong>");
    assertThat(count(html, "<tr class=\"chosen\">")).isEqualTo(1);
    assertThat(count(html, "<table class=\"trace\">")).isEqualTo(1);
    assertThat(html).contains("recommender (tuned)");
  }

  @Test
  void niceCeilingsForTheAxes() {
    assertThat(EvaluationReport.niceCeiling(0.37)).isCloseTo(0.5, within(1e-12));
    assertThat(EvaluationReport.niceCeiling(0.18)).isCloseTo(0.2, within(1e-12));
    assertThat(EvaluationReport.niceCeiling(0.021)).isCloseTo(0.025, within(1e-12));
    assertThat(EvaluationReport.niceCeiling(1.0)).isCloseTo(1.0, within(1e-12));
    assertThat(EvaluationReport.niceCeiling(0)).isCloseTo(1.0, within(1e-12));
  }

  private static String f4(double v) {
    return String.format(Locale.ROOT, "%.4f", v);
  }
}
