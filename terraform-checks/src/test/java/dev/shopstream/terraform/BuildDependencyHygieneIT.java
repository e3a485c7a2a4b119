package dev.shopstream.terraform;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The build's dependency-hygiene rule (maven-enforcer-plugin {@code bannedDependencies} in the root pom) really
 * fails a build: {@code build-checks/vulnerable-dependency-probe} inherits the root pom and depends on
 * commons-collections 3.2.1 (CVE-2015-7501). Its {@code validate} must fail naming the artifact, and succeed with
 * the fixed 3.2.2, so the failure is the rule's and not some other error. Offline ({@code -o}), nothing downloaded.
 */
class BuildDependencyHygieneIT {
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  private static final Path PROBE = ROOT.resolve("build-checks/vulnerable-dependency-probe/pom.xml");

  private record Run(int exit, String output) {}

  private static Run validateProbe(String version) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(ROOT.resolve("mvnw").toString(), "-B", "-ntp", "-o",
        "-f", PROBE.toString(), "-Dprobe.version=" + version, "validate"));
    Path log = Files.createTempFile("probe", ".log");
    Process p = new ProcessBuilder(command).directory(ROOT.toFile()).redirectErrorStream(true)
        .redirectOutput(log.toFile()).start();
    if (!p.waitFor(3, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError("the probe build did not finish in 3 minutes");
    }
    String output = Files.readString(log, StandardCharsets.UTF_8);
    Files.delete(log);
    return new Run(p.exitValue(), output);
  }

  @Test
  void aKnownVulnerableVersionFailsTheBuildAndTheFixedOnePasses() throws Exception {
    assertThat(PROBE).exists();
    Run banned = validateProbe("3.2.1");
    assertThat(banned.exit()).as(banned.output()).isNotZero();
    assertThat(banned.output()).contains("BannedDependencies failed")
        .contains("commons-collections:commons-collections:jar:3.2.1");

    Run fixed = validateProbe("3.2.2");
    assertThat(fixed.exit()).as(fixed.output()).isZero();
    assertThat(fixed.output()).contains("BannedDependencies passed");
  }
}
