package dev.shopstream.terraform;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One job per file: no main source file ({@code src/main/java} of any module) is longer than {@value #MAX_LINES}
 * lines. A file that grows past it fails the build with its path and length.
 */
class SourceFileSizeTest {
  static final int MAX_LINES = 500;
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

  /**
   * Known offenders, being split on other branches (issue 19): the lead empties this list when they merge. Paths
   * relative to the repository root.
   */
  private static final Set<String> ALLOWED = Set.of();

  /**
   * Every main source file under {@code root} longer than {@code maxLines}, by path relative to it (sorted); build
   * output ({@code target}) and {@code .git} are not read.
   */
  static Map<String, Integer> oversized(Path root, int maxLines) throws IOException {
    Map<String, Integer> found = new TreeMap<>();
    Files.walkFileTree(root, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attributes) {
        String name = dir.getFileName() == null ? "" : dir.getFileName().toString();
        return !dir.equals(root) && (name.equals("target") || name.equals(".git"))
            ? FileVisitResult.SKIP_SUBTREE
            : FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
        String relative = root.relativize(file).toString().replace('\\', '/');
        if (relative.endsWith(".java") && ("/" + relative).contains("/src/main/java/")) {
          int lines = Files.readAllLines(file, StandardCharsets.UTF_8).size();
          if (lines > maxLines) {
            found.put(relative, lines);
          }
        }
        return FileVisitResult.CONTINUE;
      }
    });
    return found;
  }

  @Test
  void noMainSourceFileIsLongerThan500Lines() throws IOException {
    Map<String, Integer> offenders = new TreeMap<>(oversized(ROOT, MAX_LINES));
    offenders.keySet().removeAll(ALLOWED);
    List<String> listed = new ArrayList<>();
    offenders.forEach((path, lines) -> listed.add(path + " (" + lines + " lines)"));
    assertThat(listed).as("main source files over %d lines: split them by their jobs", MAX_LINES).isEmpty();
  }

  @Test
  void theCheckFindsLongMainSourcesOnlyAndIgnoresTestsAndBuildOutput(@TempDir Path repo) throws IOException {
    write(repo.resolve("a/src/main/java/x/Long.java"), 11);
    write(repo.resolve("a/src/main/java/x/Exactly.java"), 10);
    write(repo.resolve("b/src/main/java/y/z/Deep.java"), 12);
    write(repo.resolve("a/src/test/java/x/LongTest.java"), 50);
    write(repo.resolve("a/target/generated-sources/src/main/java/x/Gen.java"), 50);
    write(repo.resolve("a/src/main/resources/long.txt"), 50);

    assertThat(oversized(repo, 10)).containsExactlyEntriesOf(new TreeMap<>(Map.of(
        "a/src/main/java/x/Long.java", 11, "b/src/main/java/y/z/Deep.java", 12)));
  }

  private static void write(Path file, int lines) throws IOException {
    Files.createDirectories(file.getParent());
    Files.write(file, Collections.nCopies(lines, "// line"), StandardCharsets.UTF_8);
  }
}
