package dev.shopstream.pipeline.flink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedFlinkIT {
  @TempDir
  Path dir;

  private Path checkpoint(String job, int n, boolean complete, Instant written) throws Exception {
    Path chk = Files.createDirectories(dir.resolve("checkpoints").resolve(job).resolve("chk-" + n));
    if (complete) {
      Path metadata = Files.writeString(chk.resolve("_metadata"), "m");
      Files.setLastModifiedTime(metadata, FileTime.from(written));
    }
    return chk;
  }

  @Test
  void noCheckpointsNoRestore() {
    assertThat(EmbeddedFlink.in(dir).newestCheckpoint()).isEmpty();
  }

  @Test
  void theNewestCompleteCheckpointOfTheNewestJobIsRestored() throws Exception {
    Instant t = Instant.parse("2026-12-01T00:00:00Z");
    checkpoint("old-job", 40, true, t);
    checkpoint("new-job", 2, true, t.plusSeconds(60));
    Path newest = checkpoint("new-job", 3, true, t.plusSeconds(65));
    checkpoint("new-job", 4, false, t.plusSeconds(70)); // a kill landed while it was being written
    assertThat(EmbeddedFlink.in(dir).newestCheckpoint()).contains(newest);
  }

  @Test
  void theConfigurationRetainsCheckpointsInTheStateFolderAndRestoresTheOneGiven() throws Exception {
    EmbeddedFlink flink = EmbeddedFlink.in(dir);
    Path chk = checkpoint("job", 7, true, Instant.now());
    List<String> args = flink.pipelineArgs(2, Duration.ofSeconds(5), Optional.of(chk));
    assertThat(args).contains("--runner=FlinkRunner", "--flinkMaster=[local]", "--streaming=true",
        "--parallelism=2", "--checkpointingInterval=5000", "--checkpointingMode=EXACTLY_ONCE",
        "--externalizedCheckpointsEnabled=true", "--retainExternalizedCheckpointsOnCancellation=true",
        "--flinkConfDir=" + dir.toAbsolutePath().resolve("conf"));
    String conf = Files.readString(dir.resolve("conf/flink-conf.yaml"));
    assertThat(conf).contains("state.checkpoints.dir: " + dir.toAbsolutePath().resolve("checkpoints").toUri())
        .contains("execution.savepoint.path: " + chk.toAbsolutePath().toUri())
        .contains("state.checkpoints.num-retained: 2");

    flink.pipelineArgs(2, Duration.ofSeconds(5), Optional.empty());
    assertThat(Files.readString(dir.resolve("conf/flink-conf.yaml"))).doesNotContain("savepoint");
  }

  @Test
  void earlierRunsCheckpointsAreDeletedOnceTheRunningJobHasOne() throws Exception {
    Instant t = Instant.now();
    checkpoint("run-1", 9, true, t);
    checkpoint("run-2", 3, true, t.plusSeconds(1));
    Path own = checkpoint("run-3", 1, true, t.plusSeconds(2));
    EmbeddedFlink flink = EmbeddedFlink.in(dir);
    assertThat(flink.deleteCheckpointsOtherThan(own)).isEqualTo(2);
    assertThat(dir.resolve("checkpoints/run-1")).doesNotExist();
    assertThat(dir.resolve("checkpoints/run-2")).doesNotExist();
    assertThat(flink.newestCheckpoint()).contains(own);

    flink.discardState();
    assertThat(flink.newestCheckpoint()).isEmpty();
  }

  @Test
  void badSettingsAreRefused() {
    EmbeddedFlink flink = EmbeddedFlink.in(dir);
    assertThatThrownBy(() -> flink.pipelineArgs(0, Duration.ofSeconds(5), Optional.empty()))
        .hasMessageContaining("parallelism");
    assertThatThrownBy(() -> flink.pipelineArgs(2, Duration.ZERO, Optional.empty()))
        .hasMessageContaining("checkpoint interval");
  }
}
