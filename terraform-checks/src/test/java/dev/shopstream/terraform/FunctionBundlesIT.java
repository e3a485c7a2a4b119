package dev.shopstream.terraform;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.cloud.functions.HttpFunction;
import dev.shopstream.terraform.TerraformConfig.Block;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.spi.ToolProvider;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * One artifact per function, holding nothing it does not run: terraform deploys each function from its own bundle
 * (function-bundles/&lt;function&gt;), no bundle carries DuckDB, each carries only its own clients, and every class
 * the function's entry point can reach finds what it references in its bundle (jdeps), and loads from the bundle
 * alone.
 */
class FunctionBundlesIT {
  static final Path ROOT = TerraformConfig.DIR.getParent();

  /** Clients a function must not carry, by function (what the other functions use). */
  static final Map<String, List<String>> FORBIDDEN = Map.of(
      "ingest", List.of("google-cloud-bigquery-", "google-cloud-storage-", "model-", "caffeine-"),
      "recommend", List.of("google-cloud-pubsub-", "google-cloud-storage-"),
      "upload", List.of("google-cloud-bigquery-", "model-", "caffeine-"));

  /** In no cloud bundle: the local stack's warehouse and runner. */
  static final List<String> LOCAL_ONLY_JARS = List.of("duckdb_jdbc-", "warehouse-duckdb-", "beam-runners-direct-java-");

  static TerraformConfig tf;
  static Map<String, String> entryPoints = new HashMap<>();

  @BeforeAll
  static void load() {
    tf = TerraformConfig.load();
    tf.resources("google_cloudfunctions2_function").forEach(f -> entryPoints.put(f.label(1),
        TerraformConfig.unquote(f.block("build_config").flatMap(b -> b.text("entry_point")).orElseThrow())));
  }

  @Test
  void eachFunctionIsDeployedFromItsOwnBundle() {
    assertThat(entryPoints).containsOnlyKeys("ingest", "recommend", "upload");
    for (String fn : entryPoints.keySet()) {
      Block f = tf.resource("google_cloudfunctions2_function", fn);
      assertThat(f.block("build_config", "source", "storage_source").flatMap(s -> s.text("object")))
          .as(f.where()).hasValue("google_storage_bucket_object.functions[\"" + fn + "\"].name");
      assertThat(ROOT.resolve("function-bundles/" + fn + "/pom.xml")).exists();
    }
    Block archive = tf.ofType("data").filter(b -> b.label(0).equals("archive_file")).findFirst().orElseThrow();
    assertThat(archive.text("for_each")).hasValue("local.function_names");
    assertThat(archive.text("source_dir")).hasValue("\"${var.functions_build_dir}/${each.key}/target/deployment\"");
    assertThat(TerraformConfig.DIR.resolve(TerraformConfig.unquote(tf.variableDefault("functions_build_dir")
        .orElseThrow())).normalize()).isEqualTo(ROOT.resolve("function-bundles"));
    assertThat(tf.resource("google_storage_bucket_object", "functions").text("name"))
        .hasValue("\"${each.key}-${each.value.output_md5}.zip\"");
  }

  @Test
  void theBuildScriptAndTheReactorBuildEveryBundle() throws Exception {
    String script = Files.readString(TerraformConfig.DIR.resolve("build-functions.sh"));
    String pom = Files.readString(ROOT.resolve("pom.xml"));
    assertThat(script).contains("functions=(ingest recommend upload)").contains("-Pfunction-bundle")
        .doesNotContain(" install");
    for (String fn : entryPoints.keySet()) {
      assertThat(pom).contains("<module>function-bundles/" + fn + "</module>");
    }
  }

  @Test
  void eachBundleHoldsWhatItsFunctionRunsAndNothingElse() throws Exception {
    build();
    Path api = jarOf(HttpFunction.class);
    Path cloudEvents = jarOf(io.cloudevents.CloudEvent.class);
    List<String> problems = new ArrayList<>();
    for (Map.Entry<String, String> e : entryPoints.entrySet()) {
      String fn = e.getKey();
      Path bundle = ROOT.resolve("function-bundles/" + fn + "/target/bundle");
      List<Path> jars;
      try (Stream<Path> s = Files.list(bundle)) {
        jars = s.filter(p -> p.toString().endsWith(".jar")).sorted().toList();
      }
      Path functionsJar = jars.stream().filter(p -> p.getFileName().toString().startsWith("functions-")).findFirst()
          .orElseThrow(() -> new AssertionError(bundle + ": no functions jar"));
      for (Path jar : jars) {
        String name = jar.getFileName().toString();
        Stream.concat(LOCAL_ONLY_JARS.stream(), FORBIDDEN.get(fn).stream()).filter(name::startsWith)
            .forEach(x -> problems.add(fn + ": carries " + name));
      }
      problems.addAll(unresolved(fn, e.getValue(), functionsJar, jars, List.of(api, cloudEvents)));

      // The entry point links and initializes from the bundle (and the runtime's API) alone.
      List<URL> urls = new ArrayList<>();
      for (Path p : jars) {
        urls.add(p.toUri().toURL());
      }
      urls.add(api.toUri().toURL());
      urls.add(cloudEvents.toUri().toURL());
      try (URLClassLoader loader = new URLClassLoader(urls.toArray(URL[]::new), ClassLoader.getPlatformClassLoader())) {
        Class.forName(e.getValue(), true, loader);
      } catch (LinkageError | ClassNotFoundException x) {
        problems.add(fn + ": " + e.getValue() + " does not load from its bundle: " + x);
      }
    }
    assertThat(problems).isEmpty();
  }

  /** References of the classes reachable from the entry point that no jar of the bundle (or the runtime) has. */
  static List<String> unresolved(String fn, String entry, Path functionsJar, List<Path> jars, List<Path> provided) {
    List<String> classPath = new ArrayList<>();
    jars.stream().filter(j -> !j.equals(functionsJar)).forEach(j -> classPath.add(j.toString()));
    provided.forEach(p -> classPath.add(p.toString()));
    ToolProvider jdeps = ToolProvider.findFirst("jdeps").orElseThrow();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exit = jdeps.run(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true,
        StandardCharsets.UTF_8), "--multi-release", "17", "-verbose:class", "-cp",
        String.join(java.io.File.pathSeparator, classPath), functionsJar.toString());
    assertThat(exit).as("jdeps: %s", err.toString(StandardCharsets.UTF_8)).isZero();
    Pattern edge = Pattern.compile("^\\s+(\\S+)\\s+->\\s+(\\S+)\\s+(.+?)\\s*$");
    Map<String, List<String[]>> edges = new HashMap<>();
    for (String line : out.toString(StandardCharsets.UTF_8).split("\n")) {
      Matcher m = edge.matcher(line);
      if (m.matches()) {
        edges.computeIfAbsent(m.group(1), k -> new ArrayList<>()).add(new String[] {m.group(2), m.group(3)});
      }
    }
    assertThat(edges).as("jdeps edges of %s", functionsJar).containsKey(entry);
    Set<String> seen = new TreeSet<>();
    Deque<String> todo = new ArrayDeque<>(List.of(entry));
    List<String> missing = new ArrayList<>();
    while (!todo.isEmpty()) {
      String c = todo.pop();
      if (!seen.add(c)) {
        continue;
      }
      for (String[] to : edges.getOrDefault(c, List.of())) {
        if (to[1].equals("not found")) {
          missing.add(fn + ": " + c + " -> " + to[0] + " not in the bundle");
        } else if (edges.containsKey(to[0])) {
          todo.push(to[0]); // a class of the functions jar
        }
      }
    }
    assertThat(seen).as("classes reachable from %s", entry).hasSizeGreaterThan(3);
    return missing;
  }

  private static Path jarOf(Class<?> type) throws Exception {
    return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
  }

  /** The bundles, as terraform/build-functions.sh builds them (its Maven step). */
  private static void build() throws Exception {
    for (String fn : List.of("ingest", "recommend", "upload")) { // copy-dependencies never removes a stale jar
      Path bundle = ROOT.resolve("function-bundles/" + fn + "/target/bundle");
      if (Files.isDirectory(bundle)) {
        try (Stream<Path> s = Files.list(bundle)) {
          for (Path p : s.toList()) {
            Files.delete(p);
          }
        }
      }
    }
    List<String> command = new ArrayList<>(List.of(ROOT.resolve("mvnw").toString(), "-B", "-ntp", "-q", "-pl", "function-bundles/ingest,function-bundles/recommend,function-bundles/upload", "-am", "-DskipTests",
        "package", "-Pfunction-bundle"));
    Path log = Files.createTempFile("function-bundles", ".log");
    Process p = new ProcessBuilder(command).directory(ROOT.toFile()).redirectErrorStream(true)
        .redirectOutput(log.toFile()).start();
    if (!p.waitFor(8, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError("the bundle build did not finish in 8 minutes");
    }
    String output = Files.readString(log);
    Files.delete(log);
    assertThat(p.exitValue()).as(output).isZero();
  }
}
