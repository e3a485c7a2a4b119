package dev.shopstream.contract;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The warehouse's column names and the messages' attribute names belong to {@code contract}: a main source of any
 * other module that spells one as a string literal ({@code "user_id"}) fails this test. A module listed, with a
 * count, in {@code column-literals-outside-contract.txt} may spell that many (the list only shrinks: it is empty now,
 * and stays the way to phase in a stricter rule); a module not listed may spell none. Counted per module, not per
 * file, so that moving a file within its module does not touch the list.
 *
 * <p>Two kinds of literal are not ours, though they spell the same word:
 * <ul>
 *   <li>A module that can reach none of the contract's shapes: it depends on no module of ours but {@code contract}
 *       (its pom.xml), and its main sources import nothing from {@code contract} but its infrastructure (the JSON
 *       mapper, the command-line convention, the log lines). The emulators implement Google's APIs: their
 *       {@code "error"} is Google's error object, not our dead letter's column, and they must not take Google's
 *       names from our contract. Such a module is not scanned; once it imports a shape of ours (a row, a codec, the
 *       envelope) or depends on a module that speaks them, it is.</li>
 *   <li>A line that says why its literal is another thing's name, with a trailing {@value #NOT_OURS} comment and a
 *       reason (a log field, a command's name, a count in a report that happens to be called {@code events}).</li>
 * </ul>
 */
class ColumnNamesOwnedByContractTest {
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  private static final Pattern LITERAL = Pattern.compile("\"([a-z_]+)\"");
  /** The comment that marks a line's literals as another thing's names; a reason must follow it. */
  static final String NOT_OURS = "// not a contract name: ";
  /** What a module that speaks none of the contract's shapes may import from it. */
  private static final Pattern INFRASTRUCTURE_IMPORT = Pattern.compile(
      "import dev\\.shopstream\\.contract\\.(Json|cli\\.[A-Za-z.]+|logging\\.[A-Za-z.]+);");
  private static final Pattern PROJECT_DEPENDENCY =
      Pattern.compile("<groupId>dev\\.shopstream</groupId>\\s*<artifactId>([^<]+)</artifactId>");
  private static final Pattern CONTRACT_IMPORT =
      Pattern.compile("import (static )?dev\\.shopstream\\.contract\\.[^;]+;");

  static Set<String> ownedNames() {
    Set<String> names = new TreeSet<>();
    for (TableSchema table : TableSchemas.all()) {
      collect(table.columns(), names);
    }
    names.addAll(List.of(MessageEnvelope.EVENT_ID, MessageEnvelope.EVENT_TIME, MessageEnvelope.SCHEMA_VERSION,
        MessageEnvelope.PRODUCT_ID, MessageEnvelope.UPDATED_AT, MessageEnvelope.SOURCE_FILE,
        MessageEnvelope.SOURCE_LINE, MessageEnvelope.SOURCE_ERROR, MessageEnvelope.DEAD_LETTER_ERROR,
        MessageEnvelope.DEAD_LETTER_STEP, MessageEnvelope.DEAD_LETTER_FAILED_AT));
    return names;
  }

  private static void collect(List<TableSchema.Column> columns, Set<String> names) {
    for (TableSchema.Column c : columns) {
      names.add(c.name());
      collect(c.fields(), names);
    }
  }

  /** Per main source outside contract (path from the repository root), the literals of owned names it spells. */
  static Map<String, List<String>> literalsOutsideContract() throws IOException {
    Set<String> owned = ownedNames();
    Map<String, List<String>> found = new TreeMap<>();
    List<Path> sources;
    try (Stream<Path> files = Files.walk(ROOT, 12)) {
      sources = files.filter(p -> p.toString().endsWith(".java"))
          .filter(p -> ROOT.relativize(p).toString().replace('\\', '/').matches("[^/]+(/[^/]+)*/src/main/java/.*"))
          .filter(p -> !ROOT.relativize(p).startsWith("contract"))
          .filter(p -> !p.toString().contains("/target/"))
          .toList();
    }
    Map<String, Boolean> speaks = new TreeMap<>();
    for (Path source : sources) {
      String file = ROOT.relativize(source).toString().replace('\\', '/');
      if (!speaks.computeIfAbsent(module(file), m -> speaksContractShapes(sources, m))) {
        continue;
      }
      List<String> literals = ownedLiterals(Files.readString(source, StandardCharsets.UTF_8), owned);
      if (!literals.isEmpty()) {
        found.put(file, literals);
      }
    }
    return found;
  }

  /** The owned names a source spells as literals, leaving out lines marked {@link #NOT_OURS} with a reason. */
  static List<String> ownedLiterals(String text, Set<String> owned) {
    List<String> literals = new ArrayList<>();
    for (String line : text.split("\n")) {
      int marker = line.indexOf(NOT_OURS);
      if (marker >= 0 && !line.substring(marker + NOT_OURS.length()).isBlank()) {
        continue;
      }
      Matcher m = LITERAL.matcher(line);
      while (m.find()) {
        if (owned.contains(m.group(1))) {
          literals.add(m.group(1));
        }
      }
    }
    return literals;
  }

  /**
   * Whether a module can speak the contract's shapes: it depends on a module of ours other than {@code contract}, or
   * its main sources import anything from {@code contract} but its infrastructure.
   */
  static boolean speaksContractShapes(List<Path> sources, String module) {
    try {
      String pom = Files.readString(ROOT.resolve(module).resolve("pom.xml"), StandardCharsets.UTF_8)
          .replaceAll("(?s)<parent>.*?</parent>", "");
      Matcher dependency = PROJECT_DEPENDENCY.matcher(pom);
      while (dependency.find()) {
        if (!dependency.group(1).equals("contract")) {
          return true;
        }
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    for (Path source : sources) {
      if (module(ROOT.relativize(source).toString().replace('\\', '/')).equals(module)) {
        try {
          Matcher m = CONTRACT_IMPORT.matcher(Files.readString(source, StandardCharsets.UTF_8));
          while (m.find()) {
            if (!INFRASTRUCTURE_IMPORT.matcher(m.group()).matches()) {
              return true;
            }
          }
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }
    }
    return false;
  }

  static Map<String, Integer> allowed() throws IOException {
    Map<String, Integer> allowed = new TreeMap<>();
    try (InputStream in = ColumnNamesOwnedByContractTest.class.getResourceAsStream(
        "/column-literals-outside-contract.txt")) {
      for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        if (!line.isBlank() && !line.startsWith("#")) {
          String[] parts = line.trim().split("\\s+");
          allowed.put(parts[0], Integer.parseInt(parts[1]));
        }
      }
    }
    return allowed;
  }

  @Test
  void noMainSourceOutsideContractSpellsMoreColumnOrAttributeNamesThanListed() throws IOException {
    Map<String, List<String>> found = literalsOutsideContract();
    Map<String, Integer> perModule = new TreeMap<>();
    found.forEach((file, literals) -> perModule.merge(module(file), literals.size(), Integer::sum));
    Map<String, Integer> allowed = allowed();
    List<String> problems = new ArrayList<>();
    perModule.forEach((module, count) -> {
      int limit = allowed.getOrDefault(module, 0);
      if (count > limit) {
        List<String> where = new ArrayList<>();
        found.forEach((file, literals) -> {
          if (module(file).equals(module)) {
            where.add(file + " " + literals);
          }
        });
        problems.add(module + " spells " + count + " (allowed " + limit + "), use the contract's constants, rows or "
            + "envelope: " + where);
      }
    });
    allowed.forEach((module, limit) -> {
      int actual = perModule.getOrDefault(module, 0);
      if (actual < limit) {
        problems.add(module + " spells " + actual + ", fewer than the " + limit
            + " listed: lower its count in column-literals-outside-contract.txt");
      }
    });
    assertThat(problems).as("column and attribute names outside contract").isEmpty();
  }

  /** The module of a source path: the part before {@code /src/main/java/}. */
  private static String module(String file) {
    return file.substring(0, file.indexOf("/src/main/java/"));
  }

  @Test
  void theScanFindsALiteralWhereThereIsOne() throws IOException {
    assertThat(ownedNames()).contains("user_id", "recent_items", "co_count", "schema_version", "source_error");
    // the message publisher now takes its attribute names from the envelope: none left there
    assertThat(literalsOutsideContract()).doesNotContainKey(
        "functions/src/main/java/dev/shopstream/functions/EventMessages.java");
    assertThat(LITERAL.matcher("row.put(\"user_id\", id)").find()).isTrue();
  }

  @Test
  void aLineMarkedAsAnotherThingsNameIsSkippedOnlyWithAReason() {
    Set<String> owned = Set.of("step", "user_id");
    assertThat(ownedLiterals("""
        row.put("user_id", id);
        log.put("step", s); // not a contract name: the log line's field
        log.put("step", s); // not a contract name:
        """, owned)).containsExactly("user_id", "step");
  }

  @Test
  void onlyModulesThatSpeakNoneOfTheContractsShapesAreLeftOut() throws IOException {
    List<Path> sources;
    try (Stream<Path> files = Files.walk(ROOT, 12)) {
      sources = files.filter(p -> p.toString().endsWith(".java") && p.toString().contains("/src/main/java/"))
          .filter(p -> !p.toString().contains("/target/")).toList();
    }
    // the emulators use the contract's JSON mapper, logging and command line only: Google's names, not ours
    assertThat(speaksContractShapes(sources, "gcs-emulator")).isFalse();
    assertThat(speaksContractShapes(sources, "pubsub-emulator")).isFalse();
    // modules that depend on the contract and use its shapes are scanned, however few shapes they use
    for (String module : List.of("functions", "functions-duckdb", "local-stack", "bench", "datagen", "evaluation",
        "warehouse-duckdb")) {
      assertThat(speaksContractShapes(sources, module)).as(module).isTrue();
    }
  }
}
