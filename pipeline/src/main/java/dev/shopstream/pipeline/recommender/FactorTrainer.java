package dev.shopstream.pipeline.recommender;

import com.google.api.services.bigquery.model.TableRow;
import dev.shopstream.contract.ItemFactorRow;
import dev.shopstream.model.FactorConfig;
import dev.shopstream.model.FactorModel;
import dev.shopstream.model.FactorModelCodec;
import dev.shopstream.pipeline.sink.BigQueryTables;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.BooleanCoder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.io.gcp.bigquery.TableRowJsonCoder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.state.StateSpec;
import org.apache.beam.sdk.state.StateSpecs;
import org.apache.beam.sdk.state.TimeDomain;
import org.apache.beam.sdk.state.Timer;
import org.apache.beam.sdk.state.TimerSpec;
import org.apache.beam.sdk.state.TimerSpecs;
import org.apache.beam.sdk.state.ValueState;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptor;
import org.apache.beam.sdk.values.TypeDescriptors;

/**
 * Trains the learned factor model ({@link FactorModel}: BPR with replay) online in the stream and writes its item
 * vectors as {@code item_factors} rows: a single learner, the code path evaluation runs. The examples
 * ({@link ItemToItemModel#FACTOR_EXAMPLES}: each interaction after the user's recent items before it) go to one
 * constant key; a stateful step holds the whole model in one {@code ValueState} (compact coder:
 * {@link FactorModelCodec}) and calls {@code model.observe(history, interaction)} per example, in the order they
 * arrive. The same examples in the same order give the same model, bit for bit, as evaluation's training; a restored
 * checkpoint goes on exactly where it was.
 *
 * <p>Emission: after a change, at most once per {@code emitEvery} of processing time (a timer), one row per item whose
 * parameters changed since the last emission ({@link FactorModel#takeChanged()}), with {@code model_version} (minted
 * once, when the state is created: a restored job keeps it, a fresh start mints another) and {@code model_steps};
 * {@code emitEvery} zero emits after every example; a bounded input emits what is pending at its end
 * ({@link #withEmitAtEndOfInput} emits only then).
 *
 * <p>One key is one worker thread: the ceiling is one core's training rate (docs/BENCHMARKS.md, "The factor model in
 * the pipeline"); sharding the learner is future work (docs/EVALUATION.md).
 *
 * <p>Counters (namespace: this class): {@code examples}, {@code emissions}, {@code rows}, {@code rows_refused} (an
 * item whose parameters are not finite: not written, logged).
 */
public final class FactorTrainer extends PTransform<PCollection<FactorExample>, PCollection<TableRow>> {
  private static final Logger LOG = Logger.getLogger(FactorTrainer.class.getName());
  /** The one key all examples go to. */
  static final String KEY = "factors";

  private final FactorConfig config;
  private final Duration emitEvery;
  private final boolean emitAtEnd;
  private final Clock clock;

  private FactorTrainer(FactorConfig config, Duration emitEvery, boolean emitAtEnd, Clock clock) {
    this.config = Objects.requireNonNull(config, "config");
    this.emitEvery = Objects.requireNonNull(emitEvery, "emitEvery");
    this.emitAtEnd = emitAtEnd;
    this.clock = Objects.requireNonNull(clock, "clock");
    if (emitEvery.isNegative()) {
      throw new IllegalArgumentException("emitEvery must be >= 0, was " + emitEvery);
    }
  }

  /** {@link FactorConfig#defaults()}, emission every 60 s, the system clock. */
  public static FactorTrainer create() {
    return new FactorTrainer(FactorConfig.defaults(), Duration.ofSeconds(60), false, Clock.systemUTC());
  }

  public FactorTrainer withConfig(FactorConfig value) {
    return new FactorTrainer(value, emitEvery, emitAtEnd, clock);
  }

  /** Minimum processing time between two emissions; zero emits after every example. */
  public FactorTrainer withEmitEvery(Duration value) {
    return new FactorTrainer(config, value, false, clock);
  }

  /** For bounded input (a backfill): one emission, of every item, when the input ends. */
  public FactorTrainer withEmitAtEndOfInput() {
    return new FactorTrainer(config, Duration.ZERO, true, clock);
  }

  /** The clock of {@code updated_at} and of the model version (serializable, e.g. {@link Clock#fixed}). */
  public FactorTrainer withClock(Clock value) {
    return new FactorTrainer(config, emitEvery, emitAtEnd, value);
  }

  /** The version of a model created at {@code createdAt}: its kind, dimensions and creation time. */
  static String version(FactorConfig config, java.time.Instant createdAt) {
    return "bpr-d" + config.dimensions() + "-" + createdAt;
  }

  @Override
  public PCollection<TableRow> expand(PCollection<FactorExample> examples) {
    return examples
        .apply("OneKey", MapElements
            .into(TypeDescriptors.kvs(TypeDescriptors.strings(), TypeDescriptor.of(FactorExample.class)))
            .via((FactorExample e) -> KV.of(KEY, e)))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), FactorExample.Coder.INSTANCE))
        .apply("Train", ParDo.of(new TrainFn(config, emitEvery, emitAtEnd, clock)))
        .setCoder(TableRowJsonCoder.of());
  }

  /** The model and its version: the one state value of the learner. */
  static final class FactorState {
    private final FactorModel model;
    private final String version;

    FactorState(FactorModel model, String version) {
      this.model = Objects.requireNonNull(model, "model");
      this.version = Objects.requireNonNull(version, "version");
    }

    FactorModel model() {
      return model;
    }

    String version() {
      return version;
    }
  }

  /** {@link FactorState}: the version string, then the model ({@link FactorModelCodec}). */
  static final class FactorStateCoder extends AtomicCoder<FactorState> {
    static final FactorStateCoder INSTANCE = new FactorStateCoder();

    @Override
    public void encode(FactorState state, OutputStream outStream) throws IOException {
      DataOutputStream out = new DataOutputStream(outStream);
      out.writeUTF(state.version());
      FactorModelCodec.write(state.model(), out);
      out.flush();
    }

    @Override
    public FactorState decode(InputStream inStream) throws IOException {
      DataInputStream in = new DataInputStream(inStream);
      String version = in.readUTF();
      return new FactorState(FactorModelCodec.read(in), version);
    }
  }

  /** The learner: one model in state, one step per example, the changed items' rows on a timer. */
  static final class TrainFn extends DoFn<KV<String, FactorExample>, TableRow> {
    private final Counter examples = Metrics.counter(FactorTrainer.class, "examples");
    private final Counter emissions = Metrics.counter(FactorTrainer.class, "emissions");
    private final Counter rows = Metrics.counter(FactorTrainer.class, "rows");
    private final Counter refused = Metrics.counter(FactorTrainer.class, "rows_refused");
    private final FactorConfig config;
    private final Duration emitEvery;
    private final boolean emitAtEnd;
    private final Clock clock;

    @StateId("model")
    private final StateSpec<ValueState<FactorState>> modelSpec = StateSpecs.value(FactorStateCoder.INSTANCE);

    @StateId("pending")
    private final StateSpec<ValueState<Boolean>> pendingSpec = StateSpecs.value(BooleanCoder.of());

    @TimerId("emit")
    private final TimerSpec emitSpec = TimerSpecs.timer(TimeDomain.PROCESSING_TIME);

    @TimerId("end")
    private final TimerSpec endSpec = TimerSpecs.timer(TimeDomain.EVENT_TIME);

    TrainFn(FactorConfig config, Duration emitEvery, boolean emitAtEnd, Clock clock) {
      this.config = config;
      this.emitEvery = emitEvery;
      this.emitAtEnd = emitAtEnd;
      this.clock = clock;
    }

    @ProcessElement
    public void process(@Element KV<String, FactorExample> element,
        @StateId("model") ValueState<FactorState> modelState,
        @StateId("pending") ValueState<Boolean> pendingState,
        @TimerId("emit") Timer emit, @TimerId("end") Timer end, OutputReceiver<TableRow> out) {
      FactorState state = modelState.read();
      if (state == null) {
        String version = version(config, clock.instant());
        state = new FactorState(new FactorModel(config), version);
        LOG.info(() -> "factor model " + describe(config) + " starts as version " + version);
      }
      FactorExample example = element.getValue();
      state.model().observe(example.history(), example.interaction());
      examples.inc();
      if (!emitAtEnd && emitEvery.isZero()) {
        emitRows(state, out);
      } else if (!Boolean.TRUE.equals(pendingState.read())) {
        pendingState.write(true);
        if (!emitAtEnd) {
          emit.offset(org.joda.time.Duration.millis(emitEvery.toMillis())).setRelative();
        }
        // a bounded input (a backfill, a test, a bench) ends before the processing-time timer may fire: what is
        // still pending then goes out at its end; an unbounded input never gets there
        end.set(GlobalWindow.INSTANCE.maxTimestamp());
      }
      modelState.write(state);
    }

    @OnTimer("emit")
    public void onEmit(@StateId("model") ValueState<FactorState> modelState,
        @StateId("pending") ValueState<Boolean> pendingState, OutputReceiver<TableRow> out) {
      pendingState.clear();
      FactorState state = modelState.read();
      if (state != null) {
        emitRows(state, out);
        modelState.write(state);
      }
    }

    @OnTimer("end")
    public void onEnd(@StateId("model") ValueState<FactorState> modelState,
        @StateId("pending") ValueState<Boolean> pendingState, OutputReceiver<TableRow> out) {
      if (Boolean.TRUE.equals(pendingState.read())) { // else the last change was emitted already
        onEmit(modelState, pendingState, out);
      }
    }

    /** One row per item changed since the last emission. */
    private void emitRows(FactorState state, OutputReceiver<TableRow> out) {
      FactorModel model = state.model();
      List<String> changed = model.takeChanged();
      if (changed.isEmpty()) {
        return;
      }
      java.time.Instant now = clock.instant();
      int written = 0;
      for (String id : changed) {
        FactorModel.Vectors v = model.vectors(id);
        ItemFactorRow row;
        try {
          row = new ItemFactorRow(id, v.context(), v.target(), v.bias(), state.version(), model.steps(), now);
        } catch (IllegalArgumentException e) { // a diverged item (not finite): the table keeps its last good row
          refused.inc();
          LOG.log(Level.SEVERE, "item_factors row refused for " + id + " (model " + state.version() + ", "
              + model.steps() + " steps): " + e.getMessage());
          continue;
        }
        out.output(BigQueryTables.tableRow(row.toRow()));
        written++;
      }
      rows.inc(written);
      emissions.inc();
      int n = written;
      LOG.fine(() -> "item_factors: " + n + " rows of model " + state.version() + " at " + model.steps()
          + " steps, " + model.items() + " items");
    }

    private static String describe(FactorConfig c) {
      return "(d=" + c.dimensions() + ", negatives=" + c.negatives() + ", replay=" + c.replaySteps() + " from "
          + c.reservoirSize() + " " + c.sampling() + ", seed=" + c.seed() + ")";
    }
  }
}
