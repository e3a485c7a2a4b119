package dev.shopstream.terraform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@code terraform fmt -check -recursive} when a terraform binary is on the PATH (it needs no providers). */
class TerraformFmtTest {
  @Test
  void filesAreFormattedAsTerraformFmtWants() throws Exception {
    Optional<Path> terraform = onPath("terraform");
    String missing = "no terraform binary on the PATH, so `terraform fmt -check -recursive` cannot run here";
    // A user's machine needs only a JDK, so it skips there; CI has terraform, so a lost binary must not pass as a skip.
    assertThat(terraform.isPresent() || !"true".equalsIgnoreCase(System.getenv("CI")))
        .as("CI=true, so not skipped: %s", missing).isTrue();
    assumeTrue(terraform.isPresent(), "skipped: " + missing);
    Process p = new ProcessBuilder(terraform.get().toString(), "fmt", "-check", "-recursive", "-diff", "-no-color")
        .directory(TerraformConfig.DIR.toFile())
        .redirectErrorStream(true)
        .start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("terraform fmt finished").isTrue();
    assertThat(p.exitValue()).as("terraform fmt -check -recursive in %s (run `terraform fmt -recursive` there):%n%s",
        TerraformConfig.DIR, out).isZero();
  }

  static Optional<Path> onPath(String name) {
    String path = System.getenv("PATH");
    if (path == null) {
      return Optional.empty();
    }
    return Arrays.stream(path.split(File.pathSeparator))
        .filter(d -> !d.isBlank())
        .flatMap(d -> java.util.stream.Stream.of(Path.of(d, name), Path.of(d, name + ".exe")))
        .filter(p -> Files.isRegularFile(p) && Files.isExecutable(p))
        .findFirst();
  }
}
