package dev.shopstream.terraform;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.openrewrite.Cursor;
import org.openrewrite.InMemoryExecutionContext;
import org.openrewrite.PrintOutputCapture;
import org.openrewrite.SourceFile;
import org.openrewrite.hcl.HclIsoVisitor;
import org.openrewrite.hcl.HclParser;
import org.openrewrite.hcl.internal.HclPrinter;
import org.openrewrite.hcl.tree.BodyContent;
import org.openrewrite.hcl.tree.Expression;
import org.openrewrite.hcl.tree.Hcl;
import org.openrewrite.hcl.tree.Label;
import org.openrewrite.tree.ParseError;

/**
 * The terraform configuration in {@code ../terraform}, parsed losslessly with rewrite-hcl into a small model: the
 * blocks of every file (type, labels, attributes, nested blocks, the line of the header) and the references
 * ({@code var.x}, {@code google_x.y}, ...) each expression makes.
 */
final class TerraformConfig {
  /** The terraform folder: {@code ../terraform} from this module (Maven runs tests in the module folder). */
  static final Path DIR = Path.of(System.getProperty("basedir", System.getProperty("user.dir")))
      .resolve("../terraform").normalize();

  private static final Pattern REFERENCE = Pattern.compile(
      "^([A-Za-z_][A-Za-z0-9_-]*)(?:\\.([A-Za-z_][A-Za-z0-9_-]*))?(?:\\.([A-Za-z_][A-Za-z0-9_-]*))?");

  /** One parsed file, or the syntax errors that kept it from parsing. */
  record File(Path path, String text, Hcl.ConfigFile tree, List<String> errors) {}

  /** A block: {@code resource "google_x" "name" { ... }} has type resource and labels [google_x, name]. */
  record Block(Path file, int line, String type, List<String> labels, Map<String, Expression> attributes,
      List<Block> blocks, Hcl.Block tree) {

    String label(int i) {
      return labels.size() > i ? labels.get(i) : "";
    }

    String where() {
      return DIR.relativize(file) + ":" + line + " (" + type + " " + String.join(".", labels) + ")";
    }

    Optional<String> text(String attribute) {
      return Optional.ofNullable(attributes.get(attribute)).map(TerraformConfig::print);
    }

    /** A nested block by its type, e.g. {@code build_config}, or a path {@code service_config} then ... */
    Optional<Block> block(String... path) {
      Block current = this;
      for (String type : path) {
        Optional<Block> next = current.blocks.stream().filter(b -> b.type.equals(type)).findFirst();
        if (next.isEmpty()) {
          return Optional.empty();
        }
        current = next.get();
      }
      return Optional.of(current);
    }

    List<Block> blocks(String type) {
      return blocks.stream().filter(b -> b.type.equals(type)).toList();
    }

    /** Every reference in the block, e.g. [var, project_id] or [google_service_account, ingest, email]. */
    List<List<String>> references() {
      return TerraformConfig.references(tree);
    }

    /** The resource addresses in {@code depends_on}. */
    List<String> dependsOn() {
      Expression e = attributes.get("depends_on");
      if (!(e instanceof Hcl.Tuple tuple)) {
        return List.of();
      }
      return tuple.getValues().stream().map(TerraformConfig::print).toList();
    }

    String address() {
      return type.equals("data") ? "data." + label(0) + "." + label(1) : label(0) + "." + label(1);
    }
  }

  final List<File> files;
  final List<Block> blocks;

  private TerraformConfig(List<File> files) {
    this.files = files;
    List<Block> all = new ArrayList<>();
    for (File f : files) {
      if (f.tree() == null) {
        continue;
      }
      for (BodyContent c : f.tree().getBody()) {
        if (c instanceof Hcl.Block b) {
          all.add(block(f, b, -1));
        }
      }
    }
    this.blocks = all;
  }

  /** Parses every {@code .tf} file under {@link #DIR} (not {@code .terraform/}). */
  static TerraformConfig load() {
    try (Stream<Path> walk = Files.walk(DIR)) {
      List<Path> paths = walk.filter(p -> p.toString().endsWith(".tf"))
          .filter(p -> !DIR.relativize(p).toString().startsWith(".terraform"))
          .sorted().toList();
      List<File> files = new ArrayList<>();
      for (Path p : paths) {
        files.add(parse(p, Files.readString(p)));
      }
      return new TerraformConfig(files);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A configuration from in-memory files (name → text), for testing the checks themselves. */
  static TerraformConfig fromText(Map<String, String> files) {
    return new TerraformConfig(files.entrySet().stream()
        .map(e -> parse(DIR.resolve(e.getKey()), e.getValue())).toList());
  }

  /** The text of every {@code .tf} file under {@link #DIR} by its path relative to it (for mutation tests). */
  static Map<String, String> texts() {
    Map<String, String> out = new LinkedHashMap<>();
    for (File f : load().files) {
      out.put(DIR.relativize(f.path()).toString(), f.text());
    }
    return out;
  }

  /**
   * The files with the given resources ({@code type.name}) removed: what the configuration was without them, e.g.
   * before a grant was added. The block runs from its header to the matching closing brace at line start.
   */
  static Map<String, String> withoutResources(Map<String, String> files, java.util.Set<String> addresses) {
    Map<String, String> out = new LinkedHashMap<>();
    java.util.Set<String> removed = new java.util.HashSet<>();
    files.forEach((name, text) -> {
      String t = text;
      for (String address : addresses) {
        String[] parts = address.split("\\.");
        Matcher m = Pattern.compile("(?m)^resource\\s+\"" + Pattern.quote(parts[0]) + "\"\\s+\""
            + Pattern.quote(parts[1]) + "\"\\s*\\{[\\s\\S]*?^\\}\\n?").matcher(t);
        if (m.find()) {
          t = t.substring(0, m.start()) + t.substring(m.end());
          removed.add(address);
        }
      }
      out.put(name, t);
    });
    java.util.Set<String> missing = new java.util.TreeSet<>(addresses);
    missing.removeAll(removed);
    if (!missing.isEmpty()) {
      throw new AssertionError("no such resources to remove: " + missing);
    }
    return out;
  }

  /** Parses one file's text; syntax errors come back as messages with file:line:column. */
  static File parse(Path path, String text) {
    List<String> errors = new ArrayList<>();
    InMemoryExecutionContext ctx = new InMemoryExecutionContext(t -> errors.add(String.valueOf(t.getMessage())));
    List<SourceFile> parsed = HclParser.builder().build()
        .parseInputs(List.of(new org.openrewrite.Parser.Input(path, () ->
            new java.io.ByteArrayInputStream(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)))), null, ctx)
        .toList();
    Hcl.ConfigFile tree = null;
    for (SourceFile s : parsed) {
      if (s instanceof Hcl.ConfigFile c) {
        tree = c;
      } else if (s instanceof ParseError pe) {
        errors.add(pe.toException().getMessage());
      }
    }
    if (tree != null && !tree.printAll().equals(text)) {
      errors.add("rewrite-hcl did not read the file back identically (unsupported syntax)");
    }
    if (tree == null && errors.isEmpty()) {
      errors.add("no parse result");
    }
    List<String> located = errors.stream().map(m -> DIR.relativize(path) + ": " + m).toList();
    return new File(path, text, errors.isEmpty() ? tree : null, located);
  }

  private Block block(File f, Hcl.Block b, int parentLine) {
    String type = b.getType() == null ? "" : b.getType().getName();
    List<String> labels = b.getLabels().stream().map(TerraformConfig::label).toList();
    Map<String, Expression> attributes = new LinkedHashMap<>();
    List<Block> nested = new ArrayList<>();
    int line = parentLine < 0 ? line(f.text(), type, labels) : parentLine;
    for (BodyContent c : b.getBody()) {
      if (c instanceof Hcl.Attribute a) {
        attributes.put(a.getSimpleName(), a.getValue());
      } else if (c instanceof Hcl.Block nb) {
        nested.add(block(f, nb, line));
      }
    }
    return new Block(f.path(), line, type, labels, attributes, nested, b);
  }

  private static String label(Label l) {
    if (l instanceof Hcl.Literal lit) {
      return String.valueOf(lit.getValue()).replaceAll("^\"|\"$", "");
    }
    if (l instanceof Hcl.Identifier id) {
      return id.getName();
    }
    return print((Hcl) l).replaceAll("^\"|\"$", "");
  }

  /** The line of a top-level block header. */
  private static int line(String text, String type, List<String> labels) {
    StringBuilder re = new StringBuilder("(?m)^\\s*").append(Pattern.quote(type));
    for (String l : labels) {
      re.append("\\s+\"?").append(Pattern.quote(l)).append("\"?");
    }
    Matcher m = Pattern.compile(re.append("\\s*\\{").toString()).matcher(text);
    if (!m.find()) {
      return 0;
    }
    int start = m.start() + (m.group().length() - m.group().stripLeading().length());
    return (int) text.substring(0, start).chars().filter(c -> c == '\n').count() + 1;
  }

  static String print(Hcl tree) {
    PrintOutputCapture<Integer> out = new PrintOutputCapture<>(0);
    new HclPrinter<Integer>().visit(tree, out, new Cursor(null, Cursor.ROOT_VALUE));
    return out.getOut().trim();
  }

  /** Every reference inside {@code tree}: the leading names of each attribute-access chain. */
  static List<List<String>> references(Hcl tree) {
    List<List<String>> out = new ArrayList<>();
    new HclIsoVisitor<List<List<String>>>() {
      @Override
      public Hcl.AttributeAccess visitAttributeAccess(Hcl.AttributeAccess access, List<List<String>> refs) {
        Matcher m = REFERENCE.matcher(print(access));
        if (m.find()) {
          List<String> names = new ArrayList<>();
          for (int i = 1; i <= 3; i++) {
            if (m.group(i) != null) {
              names.add(m.group(i));
            }
          }
          refs.add(names);
        }
        return super.visitAttributeAccess(access, refs);
      }
    }.visit(tree, out);
    return out;
  }

  Stream<Block> ofType(String blockType) {
    return blocks.stream().filter(b -> b.type.equals(blockType));
  }

  Stream<Block> resources(String resourceType) {
    return ofType("resource").filter(b -> b.label(0).equals(resourceType));
  }

  Block resource(String resourceType, String name) {
    return resources(resourceType).filter(b -> b.label(1).equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no resource " + resourceType + "." + name + " in " + DIR));
  }

  /** A variable's default as terraform source text. */
  Optional<String> variableDefault(String name) {
    return ofType("variable").filter(b -> b.label(0).equals(name)).findFirst().flatMap(b -> b.text("default"));
  }

  /** An HCL object literal's keys and value texts, e.g. environment_variables = { A = "x" }. */
  static Map<String, String> objectEntries(Expression e) {
    Map<String, String> out = new LinkedHashMap<>();
    if (e instanceof Hcl.ObjectValue o) {
      for (Expression entry : o.getAttributes()) {
        if (entry instanceof Hcl.Attribute a) {
          out.put(a.getSimpleName().replaceAll("^\"|\"$", ""), print(a.getValue()));
        }
      }
    }
    return out;
  }

  /** A quoted string literal's value. */
  static String unquote(String text) {
    return text.replaceAll("^\"|\"$", "");
  }
}
