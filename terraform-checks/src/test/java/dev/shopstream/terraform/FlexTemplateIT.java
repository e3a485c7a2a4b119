package dev.shopstream.terraform;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shopstream.pipeline.EventsPipeline;
import dev.shopstream.terraform.TerraformConfig.Block;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Flex Template terraform makes (template.tf) agrees with the Jib profile of module flex-template, and that
 * profile really builds the launcher image, into a tar instead of a registry: the pipeline and its runtime
 * dependencies, without the local stack's DuckDB and DirectRunner.
 */
class FlexTemplateIT {
  static final Path ROOT = TerraformConfig.DIR.getParent();
  static final Path POM = ROOT.resolve("flex-template/pom.xml");

  static TerraformConfig tf;
  static String pom;

  @BeforeAll
  static void load() throws IOException {
    tf = TerraformConfig.load();
    pom = Files.readString(POM);
  }

  @Test
  void theJobRunsTheSpecTerraformWritesFromTheMetadata() {
    Block job = tf.resources("google_dataflow_flex_template_job").findFirst().orElseThrow();
    assertThat(job.text("container_spec_gcs_path")).hasValue("local.pipeline_template_gcs_path");
    assertThat(job.dependsOn()).contains("google_storage_bucket_object.pipeline_template");
    Block spec = tf.resource("google_storage_bucket_object", "pipeline_template");
    String content = spec.text("content").orElseThrow();
    assertThat(content).contains("image    = local.pipeline_image").contains("language = \"JAVA\"")
        .contains("jsondecode(file(var.pipeline_metadata_file))");
    assertThat(spec.text("bucket")).hasValue("google_storage_bucket.templates.name");
    assertThat(spec.text("name").orElse("")).contains("local.pipeline_build_id");
    assertThat(spec.dependsOn()).contains("terraform_data.pipeline_image");
    String metadata = TerraformConfig.unquote(tf.variableDefault("pipeline_metadata_file").orElseThrow());
    assertThat(TerraformConfig.DIR.resolve(metadata).normalize())
        .isEqualTo(ROOT.resolve("pipeline/src/main/flex-template/metadata.json")).exists();
  }

  /** terraform's push command uses the profile and properties the pom declares, and the image it hashes. */
  @Test
  void thePushCommandMatchesTheJibProfile() throws IOException {
    Block image = tf.resource("terraform_data", "pipeline_image");
    assertThat(image.text("triggers_replace")).hasValue("[local.pipeline_image]");
    String command = image.block("provisioner").flatMap(p -> p.text("command")).orElseThrow();
    assertThat(command).startsWith("\"./mvnw ").contains(" -pl flex-template -am ").contains(" package ")
        .contains(" -Pflex-template ").contains(" -Dflex.image.skip.push=false ")
        .contains(" -Dflex.image=${local.pipeline_image} ").contains("-Djib.to.credHelper=gcloud");
    assertThat(image.block("provisioner").flatMap(p -> p.text("working_dir"))).hasValue("\"${path.module}/..\"");
    assertThat(pom).contains("<id>flex-template</id>").contains("<flex.image.skip.push>true</flex.image.skip.push>")
        .contains("<skip>${flex.image.skip.push}</skip>").contains("<image>${flex.image}</image>")
        .contains("<outputDirectory>${project.build.directory}/flex</outputDirectory>");
    String build = TerraformConfig.unquote(tf.variableDefault("pipeline_build_dir").orElseThrow());
    assertThat(TerraformConfig.DIR.resolve(build).normalize()).isEqualTo(ROOT.resolve("flex-template/target"));
    assertThat(Files.readString(ROOT.resolve("pom.xml"))).contains("<module>flex-template</module>");
    assertThat(pom).contains("<artifactId>pipeline</artifactId>");
  }

  @Test
  void theImageIsTheLauncherBaseWithThePipelinesMainClass() {
    assertThat(pom).contains("<image>gcr.io/dataflow-templates-base/java17-template-launcher-base:latest</image>")
        .contains("<entrypoint>INHERIT</entrypoint>")
        .contains("<FLEX_TEMPLATE_JAVA_MAIN_CLASS>" + EventsPipeline.class.getName() + "</FLEX_TEMPLATE_JAVA_MAIN_CLASS>")
        .contains("<FLEX_TEMPLATE_JAVA_CLASSPATH>/app/libs/*</FLEX_TEMPLATE_JAVA_CLASSPATH>");
  }

  /**
   * The profile builds the image without a registry or Docker (offline, once the Jib plugin is in the local
   * repository): `package -Pflex-template` with the tar execution on and scratch as base (the launcher base image
   * is on gcr.io, which a build machine may not reach; the pushed image takes it). The image holds exactly the jars
   * of target/flex, the files terraform hashes into the tag: the pipeline's among them, DuckDB's and the DirectRunner's not.
   */
  @Test
  void theProfileBuildsTheImageOffline() throws Exception {
    Path log = Files.createTempFile("flex-image", ".log");
    Path flex = ROOT.resolve("flex-template/target/flex"); // copy-dependencies never removes a stale jar
    if (Files.isDirectory(flex)) {
      try (Stream<Path> s = Files.list(flex)) {
        for (Path f : s.toList()) {
          Files.delete(f);
        }
      }
    }
    List<String> command = new ArrayList<>(List.of(ROOT.resolve("mvnw").toString(), "-B", "-ntp", "-q", "-pl",
        "flex-template", "-am", "-DskipTests", "package", "-Pflex-template", "-Dflex.image.skip.tar=false",
        "-Djib.from.image=scratch", "-Dflex.image=shopstream/events-pipeline:test"));
    // Offline once the Jib plugin is in the local repository (the default build never resolves it); a fresh
    // machine fetches it from Maven Central the first time. No registry and no Docker either way.
    if (Files.isDirectory(Path.of(System.getProperty("user.home"),
        ".m2/repository/com/google/cloud/tools/jib-maven-plugin"))) {
      command.add("-o");
    }
    Process p = new ProcessBuilder(command)
        .directory(ROOT.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    if (!p.waitFor(8, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError("the image build did not finish in 8 minutes");
    }
    String output = Files.readString(log);
    Files.delete(log);
    assertThat(p.exitValue()).as(output).isZero();

    Path tar = ROOT.resolve("flex-template/target/jib-image.tar");
    Set<String> files = new TreeSet<>();
    String config = null;
    try (InputStream in = Files.newInputStream(tar)) {
      for (Entry e : entries(in)) {
        if (e.name().equals("config.json")) {
          config = new String(e.data(), StandardCharsets.UTF_8);
        } else if (e.name().endsWith(".tar.gz")) {
          try (InputStream layer = new GZIPInputStream(new java.io.ByteArrayInputStream(e.data()))) {
            entries(layer).forEach(x -> files.add(x.name()));
          }
        }
      }
    }
    assertThat(config).contains("FLEX_TEMPLATE_JAVA_MAIN_CLASS=" + EventsPipeline.class.getName())
        .contains("FLEX_TEMPLATE_JAVA_CLASSPATH=/app/libs/*");
    Set<String> libs = new TreeSet<>();
    files.stream().filter(f -> f.startsWith("app/libs/") && f.endsWith(".jar"))
        .forEach(f -> libs.add(f.substring("app/libs/".length())));
    Set<String> flexJars = new TreeSet<>();
    try (Stream<Path> s = Files.list(flex)) {
      s.forEach(f -> flexJars.add(f.getFileName().toString()));
    }
    assertThat(libs).as("the image's libs are target/flex").isEqualTo(flexJars);
    assertThat(libs).anySatisfy(l -> assertThat(l).startsWith("beam-sdks-java-core-"))
        .anySatisfy(l -> assertThat(l).startsWith("contract-"))
        .anySatisfy(l -> assertThat(l).matches("pipeline-[0-9.]+(-SNAPSHOT)?\\.jar"))
        .noneSatisfy(l -> assertThat(l).startsWith("duckdb_jdbc-"))
        .noneSatisfy(l -> assertThat(l).startsWith("warehouse-duckdb-"))
        .noneSatisfy(l -> assertThat(l).as("the DirectRunner runs locally only").startsWith("beam-runners-direct-java-"));
    try (java.util.zip.ZipFile pipeline = new java.util.zip.ZipFile(flex.resolve(libs.stream()
        .filter(l -> l.matches("pipeline-[0-9.]+(-SNAPSHOT)?\\.jar")).findFirst().orElseThrow()).toFile())) {
      assertThat(pipeline.getEntry(EventsPipeline.class.getName().replace('.', '/') + ".class"))
          .as("the main class in the image's pipeline jar").isNotNull();
    }
  }

  record Entry(String name, byte[] data) {}

  /** The entries of a tar stream (ustar headers; names may be "./x"). */
  static List<Entry> entries(InputStream in) throws IOException {
    List<Entry> out = new ArrayList<>();
    byte[] header = new byte[512];
    while (in.readNBytes(header, 0, 512) == 512) {
      String name = cstring(header, 0, 100);
      if (name.isEmpty()) {
        break;
      }
      String prefix = cstring(header, 345, 155);
      if (!prefix.isEmpty()) {
        name = prefix + "/" + name;
      }
      long size = Long.parseLong(cstring(header, 124, 12).trim().isEmpty() ? "0" : cstring(header, 124, 12).trim(), 8);
      byte[] data = in.readNBytes((int) size);
      long pad = (512 - size % 512) % 512;
      in.skipNBytes(pad);
      out.add(new Entry(name.replaceFirst("^\\.?/", ""), data));
    }
    return out;
  }

  private static String cstring(byte[] b, int off, int len) {
    int end = off;
    while (end < off + len && b[end] != 0) {
      end++;
    }
    return new String(b, off, end - off, StandardCharsets.US_ASCII);
  }
}
