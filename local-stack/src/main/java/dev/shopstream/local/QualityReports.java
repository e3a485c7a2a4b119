package dev.shopstream.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shopstream.contract.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The evaluation reports the console shows: those that {@code evaluate --report=DIR} wrote under the stack's reports
 * folder ({@code <data-dir>/reports} by default), either directly in it or one folder down
 * ({@code reports/<run>/report.json}). The newest (by the time report.json was written) is summarized for the
 * console's Quality panel; a report's own files are served read-only, and nothing outside the folder ever is.
 */
final class QualityReports {
  static final String JSON_FILE = "report.json";
  static final String HTML_FILE = "report.html";
  /** The URL path under which the reports' files are served. */
  static final String PATH = "/reports/";
  /** What the page says to run when there is no report yet. */
  static final String EVALUATE = "java -jar evaluation/target/evaluate.jar";
  private static final Set<String> SERVED = Set.of(JSON_FILE, HTML_FILE);
  private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]{0,127}");
  /** The cut-offs the console shows. */
  static final int[] CUTOFFS = {10, 20};

  private final Path dir;

  QualityReports(Path dir) {
    this.dir = dir;
  }

  Path dir() {
    return dir;
  }

  /** The command that writes a report where the console finds it. */
  String command() {
    return EVALUATE + " --report=" + dir + "/$(date +%Y%m%d-%H%M%S)";
  }

  /**
   * {@code {"report": summary or null, "html_url", "json_url", "reports_dir", "command"}}: the newest readable
   * report's summary (its figures per method at k = 10 and 20, coverage, protocol, data set, date, command and
   * tuning), and links to its files; an unreadable newer report.json is named in {@code skipped}.
   */
  ObjectNode newest() {
    ObjectNode json = Json.MAPPER.createObjectNode();
    json.put("reports_dir", dir.toAbsolutePath().normalize().toString());
    json.put("command", command());
    ArrayNode skipped = json.putArray("skipped");
    for (Path file : candidates()) {
      JsonNode report;
      try {
        report = Json.MAPPER.readTree(file.toFile()); // trusted JSON: a report evaluate wrote
      } catch (IOException e) {
        report = null;
      }
      if (report == null || !report.path("methods").isArray()) {
        skipped.add(relative(file));
        continue;
      }
      String folder = relative(file.getParent());
      boolean servable = folder.isEmpty() || SEGMENT.matcher(folder).matches();
      json.set("report", summary(report));
      if (servable) {
        json.put("json_url", url(folder, JSON_FILE));
      } else {
        json.putNull("json_url");
      }
      if (servable && Files.isRegularFile(file.resolveSibling(HTML_FILE))) {
        json.put("html_url", url(folder, HTML_FILE));
      } else {
        json.putNull("html_url");
      }
      return json;
    }
    json.putNull("report");
    return json;
  }

  /** report.json files in the folder and one level down, newest first. */
  private List<Path> candidates() {
    List<Path> files = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return files;
    }
    files.add(dir.resolve(JSON_FILE));
    try (Stream<Path> children = Files.list(dir)) {
      children.filter(p -> Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS))
          .forEach(p -> files.add(p.resolve(JSON_FILE)));
    } catch (IOException e) {
      return List.of();
    }
    files.removeIf(p -> !Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS));
    files.sort((a, b) -> modified(b).compareTo(modified(a)));
    return files;
  }

  private static FileTime modified(Path p) {
    try {
      return Files.getLastModifiedTime(p);
    } catch (IOException e) {
      return FileTime.fromMillis(0);
    }
  }

  private String relative(Path p) {
    return dir.relativize(p).toString().replace('\\', '/');
  }

  private static String url(String folder, String file) {
    return PATH + (folder.isEmpty() ? "" : folder + "/") + file;
  }

  /** The figures the console shows, from a report.json. */
  static ObjectNode summary(JsonNode report) {
    ObjectNode s = Json.MAPPER.createObjectNode();
    s.put("generated_at", report.path("generated_at").asText(null));
    s.put("command", report.path("command").asText(null));
    s.put("protocol", report.path("protocol").path("name").asText(null));
    s.put("k", report.path("protocol").path("k").asInt());
    s.put("input", report.path("dataset").path("input").asText(null));
    s.put("interactions", report.path("dataset").path("interactions").asLong());
    s.put("trials", report.path("split").path("trials").asLong());
    s.put("catalog_items", report.path("split").path("catalog_items").asLong());
    ArrayNode methods = s.putArray("methods");
    for (JsonNode m : report.path("methods")) {
      ObjectNode out = methods.addObject();
      out.put("name", m.path("name").asText());
      for (int k : CUTOFFS) {
        putAt(out, "hr_at_" + k, m.path("hr_at"), k);
        putAt(out, "ndcg_at_" + k, m.path("ndcg_at"), k);
      }
      out.put("coverage", m.path("coverage").asDouble());
      out.put("distinct_items", m.path("distinct_items").asLong());
    }
    JsonNode tuning = report.path("tuning");
    if (tuning.isObject()) {
      s.putObject("tuning").put("configs", tuning.path("configs").size())
          .put("chosen", tuning.path("chosen").path("index").asInt())
          .put("config", tuning.path("chosen").path("config").asText());
    } else {
      s.putNull("tuning");
    }
    return s;
  }

  private static void putAt(ObjectNode out, String field, JsonNode curve, int k) {
    if (curve.isArray() && curve.size() >= k) {
      out.put(field, curve.get(k - 1).asDouble());
    } else {
      out.putNull(field);
    }
  }

  /**
   * The file a {@code /reports/...} path names, if it is a report's report.html or report.json in the folder or
   * one folder down; empty for anything else. Throws {@link IllegalArgumentException} for a path that tries to
   * leave the folder ({@code ..}, {@code .}, a separator or a name that is not plain).
   */
  Optional<Path> file(String path) {
    String rest = path.substring(PATH.length());
    String[] segments = rest.split("/", -1);
    if (segments.length < 1 || segments.length > 2) {
      throw new IllegalArgumentException("a report file is /reports/[<run>/]report.html or report.json");
    }
    for (String segment : segments) {
      if (!SEGMENT.matcher(segment).matches() || segment.contains("..")) {
        throw new IllegalArgumentException("not a plain name: " + segment);
      }
    }
    if (!SERVED.contains(segments[segments.length - 1])) {
      return Optional.empty();
    }
    Path file = dir.resolve(rest).normalize();
    try {
      Path root = dir.toRealPath();
      if (!Files.isRegularFile(file) || !file.toRealPath().startsWith(root)) {
        return Optional.empty(); // missing, or a link that leads out of the folder
      }
      return Optional.of(file.toRealPath());
    } catch (IOException e) {
      return Optional.empty();
    }
  }
}
