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
 * other module that spells one as a string literal ({@code "user_id"}) fails this test. The modules whose main sources
 * still did when the rule came in are listed, with their count, in {@code column-literals-outside-contract.txt}: a
 * listed module may only lose literals (then lower its count: the list only shrinks), a module not listed may have
 * none. Counted per module, not per file, so that moving a file within its module does not touch the list.
 */
class ColumnNamesOwnedByContractTest {
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  private static final Pattern LITERAL = Pattern.compile("\"([a-z_]+)\"");

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
    for (Path source : sources) {
      Matcher m = LITERAL.matcher(Files.readString(source, StandardCharsets.UTF_8));
      List<String> literals = new ArrayList<>();
      while (m.find()) {
        if (owned.contains(m.group(1))) {
          literals.add(m.group(1));
        }
      }
      if (!literals.isEmpty()) {
        found.put(ROOT.relativize(source).toString().replace('\\', '/'), literals);
      }
    }
    return found;
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
}
