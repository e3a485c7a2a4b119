package dev.shopstream.evaluation;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shopstream.contract.Json;
import dev.shopstream.model.ModelConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The report of one {@code evaluate --report=DIR} run: {@code DIR/report.json} (the figures, read by the local
 * stack's console) and {@code DIR/report.html}, a static self-contained page (inline SVG and CSS, no script, nothing
 * fetched) with HR@k and NDCG@k by k for every method, coverage, the tuning trace when {@code --tune} ran, the
 * protocol, the split sizes, the data set, the date and the command line. Both are written to a temporary file
 * and moved into place, so a reader never sees half a report.
 */
final class EvaluationReport {
  static final String JSON_FILE = "report.json";
  static final String HTML_FILE = "report.html";
  /** The version of report.json's shape. */
  static final int SCHEMA_VERSION = 1;
  /** The page's style sheet, inlined into every report (the page fetches nothing). */
  private static final String CSS = resource("report.css");
  /** One colour per method, in table order (the Tableau 10 palette and two more), cycled beyond. */
  static final List<String> COLORS = List.of("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948",
      "#b07aa1", "#ff9da7", "#9c755f", "#1b1b1b", "#8cd17d", "#bab0ac");

  /** Everything the report says about a run. */
  record Run(String command, Instant startedAt, Path input, boolean onlineRetail, InteractionLogs.Loaded loaded,
      Protocol protocol, Map<String, String> settings, Protocol.Report report, Tuner.Result tuned,
      Set<String> tunedParameters, double seconds) {}

  private EvaluationReport() {}

  /** Writes {@code report.json} and {@code report.html} into {@code dir} (created); returns the HTML file. */
  static Path write(Path dir, Run run) throws IOException {
    Files.createDirectories(dir);
    ObjectNode json = json(run);
    writeAtomically(dir.resolve(JSON_FILE), Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(json));
    Path html = dir.resolve(HTML_FILE);
    writeAtomically(html, html(json));
    return html;
  }

  private static void writeAtomically(Path file, String text) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp"); // the umask's permissions, as any file written
    try {
      Files.writeString(tmp, text, StandardCharsets.UTF_8);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** report.json: the same figures as the printed table, plus HR and NDCG at every cut-off. */
  static ObjectNode json(Run run) {
    Protocol.Report r = run.report();
    ObjectNode json = Json.MAPPER.createObjectNode();
    json.put("schema_version", SCHEMA_VERSION); // not a contract name: report.json's own format version
    json.put("generated_at", run.startedAt().toString());
    json.put("command", run.command());
    json.put("seconds", round(run.seconds(), 1));
    ObjectNode data = json.putObject("dataset");
    data.put("input", run.input().toAbsolutePath().normalize().toString());
    data.put("format", run.onlineRetail() ? "online-retail" : "csv");
    data.put("rows_read", run.loaded().rowsRead());
    data.put("interactions", run.loaded().log().size());
    ObjectNode skipped = data.putObject("skipped");
    run.loaded().skipped().forEach(skipped::put);
    ObjectNode protocol = json.putObject("protocol");
    protocol.put("name", r.protocol());
    protocol.put("k", r.k());
    protocol.put("description", describe(r.protocol()));
    ObjectNode settings = protocol.putObject("settings");
    run.settings().forEach(settings::put);
    ObjectNode split = json.putObject("split");
    split.put("training_interactions", r.trainingInteractions());
    split.put("catalog_items", r.catalogSize());
    split.put("trials", r.trials());
    int depth = r.metrics().values().stream().mapToInt(RankingMetrics::depth).max().orElse(r.k());
    json.put("curve_depth", depth);
    ArrayNode methods = json.putArray("methods");
    r.metrics().forEach((name, m) -> {
      ObjectNode method = methods.addObject();
      method.put("name", name);
      method.put("hr", m.hitRate());
      method.put("ndcg", m.ndcg());
      method.put("mrr", m.mrr());
      method.put("coverage", m.coverage(r.catalogSize()));
      method.put("distinct_items", m.distinctRecommended());
      method.put("trials", m.trials());
      method.put("seconds", round(r.seconds().get(name), 1));
      ArrayNode hr = method.putArray("hr_at");
      for (double v : m.hitRateCurve()) {
        hr.add(v);
      }
      ArrayNode ndcg = method.putArray("ndcg_at");
      for (double v : m.ndcgCurve()) {
        ndcg.add(v);
      }
    });
    json.put("defaults", Tuner.describe(ModelConfig.defaults()));
    if (run.tuned() == null) {
      json.putNull("tuning");
    } else {
      ObjectNode tuning = json.putObject("tuning");
      List<Tuner.Trial> trials = run.tuned().trials();
      ModelConfig start = trials.get(0).config();
      tuning.put("k", r.k());
      ArrayNode params = tuning.putArray("parameters");
      run.tunedParameters().forEach(params::add);
      ArrayNode configs = tuning.putArray("configs");
      int chosen = -1;
      for (int i = 0; i < trials.size(); i++) {
        Tuner.Trial t = trials.get(i);
        boolean isChosen = t.config().equals(run.tuned().best().config());
        if (isChosen && chosen < 0) {
          chosen = i + 1;
        }
        ObjectNode c = configs.addObject();
        c.put("index", i + 1);
        ArrayNode changes = c.putArray("changes");
        Tuner.changes(start, t.config()).forEach(changes::add);
        c.put("hr", t.hitRate());
        c.put("ndcg", t.ndcg());
        c.put("trials", t.trials());
        c.put("chosen", isChosen && chosen == i + 1);
        ObjectNode values = c.putObject("config");
        Tuner.parameters(t.config()).forEach(values::put);
      }
      ObjectNode best = tuning.putObject("chosen");
      best.put("index", chosen);
      best.put("hr", run.tuned().best().hitRate());
      best.put("ndcg", run.tuned().best().ndcg());
      best.put("config", Tuner.describe(run.tuned().best().config()));
      ArrayNode changes = best.putArray("changes");
      Tuner.changes(start, run.tuned().best().config()).forEach(changes::add);
    }
    return json;
  }

  static String describe(String protocol) {
    return switch (protocol) {
      case "time-split" -> "(a) time split: the newest interactions are the test period; each customer's new items"
          + " in it are ranked among all items, from their earlier history";
      case "leave-last-out" -> "(b) leave-last-out: each user's last new item is ranked among sampled negatives";
      case "session" -> "(c) next item in a session, from the session so far, ranked among all items";
      default -> protocol;
    };
  }

  // ---------------------------------------------------------------- HTML

  /** The HTML page of a report.json. */
  static String html(ObjectNode json) {
    StringBuilder h = new StringBuilder(64 * 1024);
    String protocol = json.path("protocol").path("name").asText();
    int k = json.path("protocol").path("k").asInt();
    String date = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'", Locale.ROOT)
        .format(Instant.parse(json.path("generated_at").asText()).atOffset(ZoneOffset.UTC));
    h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
        .append("<title>Evaluation report: ").append(esc(protocol)).append(", k=").append(k).append("</title>\n")
        .append("<style>\n").append(CSS).append("</style>\n</head>\n<body>\n");
    h.append("<header><h1>Recommendation quality: ").append(esc(protocol)).append(", k = ").append(k)
        .append("</h1>\n<p class=\"sub\">").append(esc(json.path("protocol").path("description").asText()))
        .append("</p>\n");
    h.append("<dl class=\"facts\">");
    fact(h, "date", date);
    ObjectNode data = (ObjectNode) json.path("dataset");
    fact(h, "data set", data.path("input").asText() + " (" + data.path("format").asText() + ")");
    long skippedRows = 0;
    StringBuilder skipped = new StringBuilder();
    for (var e : data.path("skipped").properties()) {
      skippedRows += e.getValue().asLong();
      if (e.getValue().asLong() > 0) {
        skipped.append(skipped.isEmpty() ? "" : ", ").append(e.getKey()).append(' ')
            .append(String.format(Locale.ROOT, "%,d", e.getValue().asLong()));
      }
    }
    fact(h, "rows", String.format(Locale.ROOT, "%,d read, %,d interactions used, %,d left out%s",
        data.path("rows_read").asLong(), data.path("interactions").asLong(), skippedRows,
        skipped.isEmpty() ? "" : " (" + skipped + ")"));
    ObjectNode split = (ObjectNode) json.path("split");
    fact(h, "split", String.format(Locale.ROOT, "%,d training interactions, %,d catalog items, %,d test trials",
        split.path("training_interactions").asLong(), split.path("catalog_items").asLong(),
        split.path("trials").asLong()));
    StringBuilder settings = new StringBuilder();
    json.path("protocol").path("settings").properties().forEach(e -> settings.append(settings.isEmpty() ? "" : ", ")
        .append(e.getKey()).append(" = ").append(e.getValue().asText()));
    fact(h, "settings", settings.toString());
    fact(h, "run time", String.format(Locale.ROOT, "%.1f s", json.path("seconds").asDouble()));
    h.append("</dl>\n<p class=\"command\"><span>command</span> <code>").append(esc(json.path("command").asText()))
        .append("</code></p>\n</header>\n");

    List<ObjectNode> methods = new ArrayList<>();
    json.path("methods").forEach(m -> methods.add((ObjectNode) m));
    h.append("<section class=\"plots\">\n");
    h.append(plot("HR@k by k", "HR@k", "hr_at", methods, k));
    h.append(plot("NDCG@k by k", "NDCG@k", "ndcg_at", methods, k));
    h.append("</section>\n");

    h.append("<section class=\"row\">\n<div class=\"figures\">\n<h2>Figures at k = ").append(k).append("</h2>\n");
    table(h, methods, k);
    h.append("</div>\n<div class=\"coverage\">\n<h2>Catalog coverage at k = ").append(k).append("</h2>\n")
        .append(coverage(methods, split.path("catalog_items").asLong()))
        .append("<p class=\"note\">Distinct items in any top-").append(k)
        .append(" list over the training catalog's items.</p>\n</div>\n</section>\n");

    if (json.hasNonNull("tuning")) {
      TuningTrace.html(h, (ObjectNode) json.get("tuning"));
    } else {
      h.append("<section><h2>Tuning</h2><p class=\"note\">No tuning in this run (run with <code>--tune</code> to"
          + " tune on a validation split of the training part and see its trace here).</p></section>\n");
    }
    h.append("<footer>Defaults: <code>").append(esc(json.path("defaults").asText())).append("</code><br>")
        .append("Written by <code>evaluate --report</code>; the same figures are in report.json.</footer>\n");
    h.append("</body>\n</html>\n");
    return h.toString();
  }

  private static void fact(StringBuilder h, String name, String value) {
    h.append("<div><dt>").append(esc(name)).append("</dt><dd>").append(esc(value)).append("</dd></div>");
  }

  private static void table(StringBuilder h, List<ObjectNode> methods, int k) {
    double bestHr = methods.stream().mapToDouble(m -> m.path("hr").asDouble()).max().orElse(0);
    double bestNdcg = methods.stream().mapToDouble(m -> m.path("ndcg").asDouble()).max().orElse(0);
    double bestMrr = methods.stream().mapToDouble(m -> m.path("mrr").asDouble()).max().orElse(0);
    h.append("<table class=\"metrics\">\n<thead><tr><th>method</th><th>HR@").append(k).append("</th><th>NDCG@")
        .append(k).append("</th><th>MRR@").append(k).append("</th><th>coverage</th><th>items</th><th>seconds</th>")
        .append("</tr></thead>\n<tbody>\n");
    for (int i = 0; i < methods.size(); i++) {
      ObjectNode m = methods.get(i);
      h.append("<tr data-method=\"").append(esc(m.path("name").asText())).append("\"><td><span class=\"swatch\" ")
          .append("style=\"background:").append(color(i)).append("\"></span>").append(esc(m.path("name").asText()))
          .append("</td>");
      cell(h, m.path("hr").asDouble(), bestHr);
      cell(h, m.path("ndcg").asDouble(), bestNdcg);
      cell(h, m.path("mrr").asDouble(), bestMrr);
      h.append("<td>").append(f4(m.path("coverage").asDouble())).append("</td><td>")
          .append(String.format(Locale.ROOT, "%,d", m.path("distinct_items").asLong())).append("</td><td>")
          .append(String.format(Locale.ROOT, "%.1f", m.path("seconds").asDouble())).append("</td></tr>\n");
    }
    h.append("</tbody></table>\n<p class=\"note\">Bold: the best of the column. HR = hit rate, NDCG = normalized "
        + "discounted cumulative gain, MRR = mean reciprocal rank.</p>\n");
  }

  private static void cell(StringBuilder h, double v, double best) {
    h.append(v == best && best > 0 ? "<td class=\"best\">" : "<td>").append(f4(v)).append("</td>");
  }

  /** A line plot of one curve per method: x = k from 1 to the depth, y = the metric; legend below. */
  static String plot(String title, String yLabel, String field, List<ObjectNode> methods, int k) {
    int depth = methods.stream().mapToInt(m -> m.path(field).size()).max().orElse(k);
    double max = 0;
    for (ObjectNode m : methods) {
      for (var v : m.path(field)) {
        max = Math.max(max, v.asDouble());
      }
    }
    double top = niceCeiling(max);
    int width = 640;
    int left = 58;
    int right = 16;
    int plotTop = 44;
    int plotHeight = 250;
    int legendRow = 17;
    int legendTop = plotTop + plotHeight + 48;
    int height = legendTop + legendRow * methods.size() + 8;
    int plotWidth = width - left - right;
    StringBuilder s = new StringBuilder();
    s.append("<figure class=\"plot\" data-metric=\"").append(esc(field)).append("\">\n<svg xmlns=\"http://www.w3.org/2000/svg\" ")
        .append("width=\"").append(width).append("\" height=\"").append(height).append("\" viewBox=\"0 0 ")
        .append(width).append(' ').append(height).append("\" role=\"img\" aria-label=\"").append(esc(title))
        .append("\">\n<title>").append(esc(title)).append("</title>\n");
    s.append("<text class=\"title\" x=\"").append(left).append("\" y=\"20\">").append(esc(title)).append("</text>\n");
    // grid and y ticks
    int ticks = 5;
    for (int i = 0; i <= ticks; i++) {
      double v = top * i / ticks;
      double y = plotTop + plotHeight - plotHeight * v / top;
      s.append("<line class=\"grid\" x1=\"").append(left).append("\" x2=\"").append(left + plotWidth)
          .append("\" y1=\"").append(f1(y)).append("\" y2=\"").append(f1(y)).append("\"/>")
          .append("<text class=\"tick\" text-anchor=\"end\" x=\"").append(left - 6).append("\" y=\"")
          .append(f1(y + 4)).append("\">").append(trim(v)).append("</text>\n");
    }
    // x ticks
    int step = depth <= 20 ? 1 : depth <= 50 ? 5 : 10;
    for (int x = 1; x <= depth; x++) {
      if (x != 1 && x % step != 0) {
        continue;
      }
      double px = xAt(x, depth, left, plotWidth);
      s.append("<line class=\"axis\" x1=\"").append(f1(px)).append("\" x2=\"").append(f1(px)).append("\" y1=\"")
          .append(plotTop + plotHeight).append("\" y2=\"").append(plotTop + plotHeight + 4).append("\"/>")
          .append("<text class=\"tick\" text-anchor=\"middle\" x=\"").append(f1(px)).append("\" y=\"")
          .append(plotTop + plotHeight + 17).append("\">").append(x).append("</text>\n");
    }
    if (k <= depth) { // the table's cut-off
      double px = xAt(k, depth, left, plotWidth);
      s.append("<line class=\"cutoff\" x1=\"").append(f1(px)).append("\" x2=\"").append(f1(px)).append("\" y1=\"")
          .append(plotTop).append("\" y2=\"").append(plotTop + plotHeight).append("\"/>")
          .append("<text class=\"tick\" text-anchor=\"middle\" x=\"").append(f1(px)).append("\" y=\"")
          .append(plotTop - 5).append("\">table's k = ").append(k).append("</text>\n");
    }
    s.append("<line class=\"axis\" x1=\"").append(left).append("\" x2=\"").append(left).append("\" y1=\"")
        .append(plotTop).append("\" y2=\"").append(plotTop + plotHeight).append("\"/>")
        .append("<line class=\"axis\" x1=\"").append(left).append("\" x2=\"").append(left + plotWidth)
        .append("\" y1=\"").append(plotTop + plotHeight).append("\" y2=\"").append(plotTop + plotHeight)
        .append("\"/>\n");
    s.append("<text class=\"label\" text-anchor=\"middle\" x=\"").append(left + plotWidth / 2).append("\" y=\"")
        .append(plotTop + plotHeight + 34).append("\">k (length of the recommended list)</text>\n")
        .append("<text class=\"label\" text-anchor=\"middle\" transform=\"translate(14 ")
        .append(plotTop + plotHeight / 2).append(") rotate(-90)\">").append(esc(yLabel)).append("</text>\n");
    // series
    for (int i = 0; i < methods.size(); i++) {
      ObjectNode m = methods.get(i);
      StringBuilder points = new StringBuilder();
      int x = 1;
      for (var v : m.path(field)) {
        double y = plotTop + plotHeight - plotHeight * v.asDouble() / top;
        points.append(points.isEmpty() ? "" : " ").append(f1(xAt(x, depth, left, plotWidth))).append(',')
            .append(f1(y));
        x++;
      }
      String name = m.path("name").asText();
      s.append("<polyline class=\"series\" data-method=\"").append(esc(name)).append("\" fill=\"none\" stroke=\"")
          .append(color(i)).append("\" stroke-width=\"").append(isRecommender(name) ? "2.2" : "1.6").append('"')
          .append(dash(name)).append(" points=\"").append(points).append("\"><title>").append(esc(name))
          .append("</title></polyline>\n");
    }
    // legend, noting a line hidden under an earlier one with the same figures
    for (int i = 0; i < methods.size(); i++) {
      String name = methods.get(i).path("name").asText();
      String same = "";
      for (int j = 0; j < i; j++) {
        if (methods.get(j).path(field).equals(methods.get(i).path(field))) {
          same = "  (the same line as " + (j + 1) + ")";
          break;
        }
      }
      int y = legendTop + i * legendRow;
      s.append("<g class=\"legend\"><line x1=\"").append(left).append("\" x2=\"").append(left + 26).append("\" y1=\"")
          .append(y - 4).append("\" y2=\"").append(y - 4).append("\" stroke=\"").append(color(i))
          .append("\" stroke-width=\"2.2\"").append(dash(name)).append("/><text x=\"").append(left + 34)
          .append("\" y=\"").append(y).append("\">").append(i + 1).append(". ").append(esc(name)).append("<tspan class=\"same\">")
          .append(esc(same)).append("</tspan></text></g>\n");
    }
    s.append("</svg>\n</figure>\n");
    return s.toString();
  }

  /** Horizontal bars of coverage per method, with the count of items. */
  static String coverage(List<ObjectNode> methods, long catalog) {
    int row = 24;
    int labelWidth = 0;
    int width = 600;
    int barLeft = 10;
    int barWidth = width - barLeft - 150;
    int height = methods.size() * row * 2 + 10;
    StringBuilder s = new StringBuilder();
    s.append("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"bars\" viewBox=\"0 0 ").append(width).append(' ').append(height)
        .append("\" role=\"img\" aria-label=\"catalog coverage per method\">\n");
    for (int i = 0; i < methods.size(); i++) {
      ObjectNode m = methods.get(i);
      double c = m.path("coverage").asDouble();
      int y = 8 + i * row * 2;
      s.append("<g class=\"bar\" data-method=\"").append(esc(m.path("name").asText())).append("\"><text x=\"")
          .append(barLeft + labelWidth).append("\" y=\"").append(y + 12).append("\">")
          .append(esc(m.path("name").asText())).append("</text><rect x=\"").append(barLeft).append("\" y=\"")
          .append(y + 17).append("\" height=\"14\" width=\"").append(f1(Math.max(1, barWidth * c)))
          .append("\" fill=\"").append(color(i)).append("\"/><text class=\"value\" x=\"")
          .append(f1(barLeft + Math.max(1, barWidth * c) + 6)).append("\" y=\"").append(y + 29).append("\">")
          .append(f4(c)).append(String.format(Locale.ROOT, " (%,d of %,d)", m.path("distinct_items").asLong(),
              catalog)).append("</text></g>\n");
    }
    s.append("</svg>\n");
    return s.toString();
  }

  static String join(Iterable<com.fasterxml.jackson.databind.JsonNode> values) {
    StringBuilder b = new StringBuilder();
    values.forEach(v -> b.append(b.isEmpty() ? "" : ", ").append(v.asText()));
    return b.toString();
  }

  private static double xAt(int x, int depth, int left, int plotWidth) {
    return depth == 1 ? left + plotWidth / 2.0 : left + 8 + (plotWidth - 16) * (x - 1) / (double) (depth - 1);
  }

  /** The smallest of 0.05, 0.1, 0.2, 0.25, 0.5, 1 (times a power of ten) at or above {@code max}. */
  static double niceCeiling(double max) {
    if (!(max > 0)) {
      return 1;
    }
    double magnitude = Math.pow(10, Math.floor(Math.log10(max)));
    for (double m : new double[] {1, 2, 2.5, 5, 10}) {
      if (m * magnitude >= max - 1e-12) {
        return m * magnitude;
      }
    }
    return 10 * magnitude;
  }

  private static boolean isRecommender(String name) {
    return name.startsWith("recommender");
  }

  /** Baselines dashed, the recommender's rows solid. */
  private static String dash(String name) {
    return isRecommender(name) ? "" : " stroke-dasharray=\"6 3\"";
  }

  static String color(int i) {
    return COLORS.get(i % COLORS.size());
  }

  static String f4(double v) {
    return String.format(Locale.ROOT, "%.4f", v);
  }

  private static String f1(double v) {
    return String.format(Locale.ROOT, "%.1f", v);
  }

  private static String trim(double v) {
    String s = String.format(Locale.ROOT, "%.3f", v);
    s = s.replaceAll("0+$", "");
    return s.endsWith(".") ? s + "0" : s;
  }

  private static double round(double v, int decimals) {
    double f = Math.pow(10, decimals);
    return Math.round(v * f) / f;
  }

  /** Text for HTML and SVG content and attribute values. */
  static String esc(String text) {
    StringBuilder b = new StringBuilder(text.length());
    for (char c : text.toCharArray()) {
      switch (c) {
        case '&' -> b.append("&amp;");
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '"' -> b.append("&quot;");
        case '\'' -> b.append("&#39;");
        default -> b.append(c);
      }
    }
    return b.toString();
  }

  private static String resource(String name) {
    try (var in = EvaluationReport.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException(name + " is missing from the evaluation jar");
      }
      return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
