package dev.shopstream.local;

import dev.shopstream.pipeline.EventsPipeline;
import dev.shopstream.pipeline.flink.EmbeddedFlink;
import dev.shopstream.pipeline.flink.InProcessMetrics;
import dev.shopstream.pipeline.metrics.PipelineMetrics;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.logging.Logger;
import org.apache.beam.sdk.PipelineResult;

/**
 * The local stack's running pipeline: started on its runner (an embedded Flink cluster whose newest retained
 * checkpoint is restored, or the DirectRunner), read for its live metrics and state, stopped so that no write reaches
 * the warehouse after the stack closes it.
 */
final class LocalPipeline implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(LocalPipeline.class.getName());

  /** DirectRunner worker threads (with {@code --runner=direct}). */
  static final int DIRECT_THREADS = 16;

  /** The runner of the local stack's pipeline: an embedded Flink cluster (the default) or Beam's DirectRunner. */
  public enum Runner {
    FLINK, DIRECT;

    /** {@code flink} or {@code direct}. */
    public static Runner parse(String value) {
      return switch (value.toLowerCase(Locale.ROOT)) {
        case "flink" -> FLINK;
        case "direct" -> DIRECT;
        default -> throw new IllegalArgumentException("--runner must be flink or direct, got " + value);
      };
    }
  }

  /**
   * How the pipeline runs: on {@code runner}, with {@code parallelism} parallel instances of each step (Flink's
   * slots; the DirectRunner's worker threads are {@link #DIRECT_THREADS}), checkpointing every
   * {@code checkpointEvery} (Flink: state and acknowledgements; the retained checkpoints under
   * {@code <data>/flink} are restored at the next start).
   */
  public record Settings(Runner runner, int parallelism, Duration checkpointEvery) {
    public Settings {
      if (parallelism < 1) {
        throw new IllegalArgumentException("--parallelism must be at least 1, got " + parallelism);
      }
      if (checkpointEvery.isNegative() || checkpointEvery.toMillis() < 100) {
        throw new IllegalArgumentException("--checkpoint-every must be at least 100 ms, got " + checkpointEvery);
      }
    }

    /** Flink, one slot per core, a checkpoint every 5 s. */
    public static Settings defaults() {
      return new Settings(Runner.FLINK, Runtime.getRuntime().availableProcessors(), Duration.ofSeconds(5));
    }

    public String describe() {
      return runner == Runner.FLINK
          ? "FlinkRunner (embedded cluster), parallelism " + parallelism + ", checkpoint every "
              + checkpointEvery.toMillis() + " ms"
          : "DirectRunner, " + DIRECT_THREADS + " worker threads";
    }
  }

  private final Settings settings;
  private final PipelineResult result;
  private final Optional<Path> restoredFrom;
  private final AutoCloseable checkpointCleanup;

  private LocalPipeline(Settings settings, PipelineResult result, Optional<Path> restoredFrom,
      AutoCloseable checkpointCleanup) {
    this.settings = settings;
    this.result = result;
    this.restoredFrom = restoredFrom;
    this.checkpointCleanup = checkpointCleanup;
  }

  /**
   * Starts the pipeline with {@code ioArgs} (its sources, sinks and project) on the runner of {@code settings}. On
   * Flink, the state of the newest checkpoint under {@code flinkDir} is restored (dedupe ids, open windows, the
   * item-to-item model's counts, the source's pending acknowledgements); once the new job has completed a
   * checkpoint of its own, earlier runs' checkpoints are deleted.
   */
  static LocalPipeline start(Settings settings, Path flinkDir, List<String> ioArgs) {
    List<String> args = new ArrayList<>();
    Optional<Path> restoredFrom = Optional.empty();
    EmbeddedFlink flink = null;
    if (settings.runner() == Runner.FLINK) {
      EmbeddedFlink.quietLogs();
      flink = EmbeddedFlink.in(flinkDir);
      restoredFrom = flink.newestCheckpoint();
      args.addAll(flink.pipelineArgs(settings.parallelism(), settings.checkpointEvery(), restoredFrom));
      restoredFrom.ifPresent(chk -> LOG.info(() -> "restoring the pipeline's state from " + chk));
    } else {
      args.addAll(List.of(
          "--runner=DirectRunner",
          "--streaming=true",
          "--blockOnRun=false",
          // the DirectRunner's per-element immutability and encodability checks are test aids; the pipeline's
          // own tests keep them on. Off here they cost several times the pipeline's real work.
          "--enforceImmutability=false",
          "--enforceEncodability=false",
          // the DuckDB writes of concurrent bundles share one commit (group commit): threads waiting for a commit
          // cost no CPU, and the more there are, the more bundles each commit carries
          "--targetParallelism=" + DIRECT_THREADS));
    }
    args.addAll(ioArgs);
    PipelineResult result = EventsPipeline.run(EventsPipeline.parseOptions(args.toArray(String[]::new)));
    AutoCloseable cleanup = flink == null ? () -> { }
        : flink.deleteEarlierCheckpointsOnceOwnExists(restoredFrom, settings.checkpointEvery());
    return new LocalPipeline(settings, result, restoredFrom, cleanup);
  }

  PipelineResult result() {
    return result;
  }

  /** The retained checkpoint this run's state came from, if any. */
  Optional<Path> restoredFrom() {
    return restoredFrom;
  }

  /** RUNNING, FAILED, ... (UNKNOWN when the runner cannot say). */
  String state() {
    try {
      return result.getState().toString();
    } catch (RuntimeException e) {
      return "UNKNOWN";
    }
  }

  /**
   * The pipeline's counters and watermark lag now: live Flink metrics on Flink (a streaming job's result has them
   * only at its end), the result's metrics on the DirectRunner.
   */
  PipelineMetrics metrics(Instant now) {
    return settings.runner() == Runner.FLINK ? InProcessMetrics.snapshot(now) : PipelineMetrics.of(result, now);
  }

  /** Cancels the pipeline and waits for it to stop, so that no write reaches the warehouse after it is closed. */
  @Override
  public void close() throws Exception {
    checkpointCleanup.close();
    result.cancel();
    PipelineResult.State state = result.waitUntilFinish(org.joda.time.Duration.standardSeconds(30));
    LOG.info(() -> "pipeline stopped: " + state);
  }
}
