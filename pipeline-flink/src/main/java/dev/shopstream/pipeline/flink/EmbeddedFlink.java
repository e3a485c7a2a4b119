package dev.shopstream.pipeline.flink;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The events pipeline on an embedded Flink cluster ({@code --flinkMaster=[local]}) whose state outlives the process:
 * checkpoints are retained under one folder ({@code <stateDir>/checkpoints/<job id>/chk-<n>}) and the next start
 * restores the newest complete one. This is what the local stack runs; the same checkpoint and restore settings
 * apply to a real Flink cluster through its own configuration.
 *
 * <p>How: Beam's {@code FlinkRunner} loads a Flink configuration from {@code --flinkConfDir} and, for
 * {@code [local]}, hands it to the embedded cluster; its {@code --savepointPath} only reaches remote clusters. So
 * {@link #pipelineArgs} writes {@code <stateDir>/conf/flink-conf.yaml} with the checkpoint folder, retention and
 * {@code execution.savepoint.path} (a retained checkpoint restores like a savepoint) and points
 * {@code --flinkConfDir} at it.
 *
 * <p>What a restore keeps: every operator's state (dedupe ids, open sessions and trend windows, the item-to-item
 * model's counts) and the Pub/Sub source's un-acknowledged ack ids. Messages taken after that checkpoint were never
 * acknowledged (the source acknowledges when a checkpoint completes, after every operator's bundle, and so its
 * warehouse writes, finished): Pub/Sub delivers them again, and the idempotent writes absorb what was written twice.
 * A changed pipeline graph may not map onto old state: {@link #discardState} starts afresh.
 */
public final class EmbeddedFlink {
  private static final Logger LOG = Logger.getLogger(EmbeddedFlink.class.getName());
  private static final Pattern CHECKPOINT = Pattern.compile("chk-(\\d+)");
  /** Checkpoints kept per job: the newest may be taken while a kill lands, the one before is then still whole. */
  static final int RETAINED = 2;

  /**
   * Flink's and Beam's Flink runner's loggers, held here so that their levels stick (java.util.logging keeps loggers
   * weakly): their INFO lines (every task's state change, every checkpoint of every operator) are hundreds a minute.
   */
  private static final List<Logger> QUIETED = List.of(Logger.getLogger("org.apache.flink"),
      Logger.getLogger("org.apache.beam.runners.flink"));

  private final Path stateDir;

  private EmbeddedFlink(Path stateDir) {
    this.stateDir = stateDir.toAbsolutePath().normalize();
  }

  /** Checkpoints and configuration under {@code stateDir} (created when missing). */
  public static EmbeddedFlink in(Path stateDir) {
    return new EmbeddedFlink(stateDir);
  }

  /** Logs only Flink's warnings and errors (its INFO lines describe every task and every checkpoint). */
  public static void quietLogs() {
    QUIETED.forEach(l -> l.setLevel(java.util.logging.Level.WARNING));
  }

  public Path stateDir() {
    return stateDir;
  }

  public Path checkpointsDir() {
    return stateDir.resolve("checkpoints");
  }

  Path confDir() {
    return stateDir.resolve("conf");
  }

  /**
   * The newest complete checkpoint (a {@code chk-<n>} folder holding {@code _metadata}, which Flink writes last):
   * the highest number within a job, the newest job by the time its metadata was written.
   */
  public Optional<Path> newestCheckpoint() {
    if (!Files.isDirectory(checkpointsDir())) {
      return Optional.empty();
    }
    try (Stream<Path> jobs = Files.list(checkpointsDir())) {
      return jobs.filter(Files::isDirectory).flatMap(EmbeddedFlink::completeCheckpoints)
          .max(Comparator.comparing(EmbeddedFlink::metadataTime).thenComparing(EmbeddedFlink::number));
    } catch (IOException e) {
      throw new UncheckedIOException("listing " + checkpointsDir(), e);
    }
  }

  private static Stream<Path> completeCheckpoints(Path jobDir) {
    try (Stream<Path> children = Files.list(jobDir)) {
      return children.filter(p -> CHECKPOINT.matcher(p.getFileName().toString()).matches())
          .filter(p -> Files.isRegularFile(p.resolve("_metadata"))).toList().stream();
    } catch (IOException e) {
      throw new UncheckedIOException("listing " + jobDir, e);
    }
  }

  private static long number(Path checkpoint) {
    Matcher m = CHECKPOINT.matcher(checkpoint.getFileName().toString());
    return m.matches() ? Long.parseLong(m.group(1)) : -1;
  }

  private static long metadataTime(Path checkpoint) {
    try {
      return Files.getLastModifiedTime(checkpoint.resolve("_metadata")).toMillis();
    } catch (IOException e) {
      return Long.MIN_VALUE;
    }
  }

  /**
   * The FlinkRunner arguments of a streaming run on the embedded cluster: {@code parallelism} slots, a checkpoint
   * every {@code checkpointEvery} (exactly once, retained on cancellation), restoring {@code restoreFrom} when set.
   * Writes the Flink configuration these arguments point at.
   */
  public List<String> pipelineArgs(int parallelism, Duration checkpointEvery, Optional<Path> restoreFrom) {
    if (parallelism < 1) {
      throw new IllegalArgumentException("parallelism must be at least 1, was " + parallelism);
    }
    if (checkpointEvery.toMillis() < 1) {
      throw new IllegalArgumentException("the checkpoint interval must be positive, was " + checkpointEvery);
    }
    writeConfiguration(parallelism, restoreFrom);
    List<String> args = new ArrayList<>(List.of(
        "--runner=FlinkRunner",
        "--flinkMaster=[local]",
        "--streaming=true",
        "--attachedMode=false",
        "--parallelism=" + parallelism,
        "--flinkConfDir=" + confDir(),
        "--checkpointingInterval=" + checkpointEvery.toMillis(),
        "--checkpointingMode=EXACTLY_ONCE",
        // a slow checkpoint (a large model state) must not stall the next interval's work entirely
        "--minPauseBetweenCheckpoints=" + Math.max(1, checkpointEvery.toMillis() / 2),
        "--externalizedCheckpointsEnabled=true",
        "--retainExternalizedCheckpointsOnCancellation=true",
        // a checkpoint that fails (a full disk) is retried at the next interval; the job keeps running
        "--failOnCheckpointingErrors=false"));
    return args;
  }

  private void writeConfiguration(int parallelism, Optional<Path> restoreFrom) {
    StringBuilder conf = new StringBuilder()
        .append("# written by ").append(EmbeddedFlink.class.getName()).append(" at every start\n")
        .append("state.backend.type: hashmap\n")
        .append("state.checkpoints.dir: ").append(checkpointsDir().toUri()).append('\n')
        .append("state.checkpoints.num-retained: ").append(RETAINED).append('\n')
        .append("taskmanager.numberOfTaskSlots: ").append(parallelism).append('\n')
        .append("parallelism.default: ").append(parallelism).append('\n')
        // Beam's counters, live (a streaming job's PipelineResult has them only when it ends)
        .append("metrics.reporter.").append(InProcessMetrics.NAME).append(".factory.class: ")
        .append(InProcessMetrics.class.getName()).append('\n')
        // a failed task restarts the job from its last checkpoint, a few times, then the job fails for good
        .append("restart-strategy.type: fixed-delay\n")
        .append("restart-strategy.fixed-delay.attempts: 10\n")
        .append("restart-strategy.fixed-delay.delay: 2 s\n");
    restoreFrom.ifPresent(chk -> conf.append("execution.savepoint.path: ").append(chk.toUri()).append('\n')
        // the graph is the same code's; a removed operator's state is dropped rather than refusing to start
        .append("execution.savepoint.ignore-unclaimed-state: true\n"));
    try {
      Files.createDirectories(confDir());
      Files.createDirectories(checkpointsDir());
      Path tmp = Files.createTempFile(confDir(), "flink-conf", ".tmp");
      Files.writeString(tmp, conf);
      Files.move(tmp, confDir().resolve("flink-conf.yaml"), StandardCopyOption.ATOMIC_MOVE,
          StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("writing the Flink configuration under " + confDir(), e);
    }
  }

  /**
   * Deletes the checkpoints of every job but the one that holds {@code keep} (the running job's newest): earlier
   * runs' retained checkpoints are only needed until the running job has completed one of its own.
   */
  public int deleteCheckpointsOtherThan(Path keep) {
    Path keepJob = keep.toAbsolutePath().normalize().getParent();
    int deleted = 0;
    try (Stream<Path> jobs = Files.list(checkpointsDir())) {
      for (Path job : jobs.filter(Files::isDirectory).toList()) {
        if (!job.equals(keepJob)) {
          deleteRecursively(job);
          deleted++;
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cleaning " + checkpointsDir(), e);
    }
    return deleted;
  }

  /**
   * Checks every {@code every} whether the running job (the one that did not write {@code restoredFrom}) has completed
   * a checkpoint; once it has, deletes the checkpoints of every other job and stops checking. Close the result to
   * stop checking earlier.
   */
  public AutoCloseable deleteEarlierCheckpointsOnceOwnExists(Optional<Path> restoredFrom, Duration every) {
    java.util.concurrent.ScheduledExecutorService timer = java.util.concurrent.Executors
        .newSingleThreadScheduledExecutor(r -> {
          Thread t = new Thread(r, "checkpoint-cleanup");
          t.setDaemon(true);
          return t;
        });
    Optional<Path> restoredJob = restoredFrom.map(Path::getParent);
    timer.scheduleWithFixedDelay(() -> {
      try {
        Optional<Path> newest = newestCheckpoint();
        if (newest.isPresent() && !newest.map(Path::getParent).equals(restoredJob)) {
          int deleted = deleteCheckpointsOtherThan(newest.get());
          LOG.info(() -> "first checkpoint of this run: " + newest.get() + "; deleted " + deleted
              + " earlier run(s)' checkpoints");
          timer.shutdown();
        }
      } catch (RuntimeException e) {
        LOG.log(java.util.logging.Level.WARNING, "cleaning up earlier checkpoints failed (retried)", e);
      }
    }, every.toMillis(), every.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    return timer::shutdownNow;
  }

  /** Forgets every checkpoint: the next start begins with empty pipeline state. */
  public void discardState() {
    if (Files.exists(checkpointsDir())) {
      deleteRecursively(checkpointsDir());
      LOG.info(() -> "discarded the pipeline's retained state under " + checkpointsDir());
    }
  }

  private static void deleteRecursively(Path dir) {
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("deleting " + dir, e);
    }
  }
}
