package dev.shopstream.pipeline.metrics;

import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.metrics.Gauge;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.state.StateSpec;
import org.apache.beam.sdk.state.StateSpecs;
import org.apache.beam.sdk.state.TimeDomain;
import org.apache.beam.sdk.state.Timer;
import org.apache.beam.sdk.state.TimerSpec;
import org.apache.beam.sdk.state.TimerSpecs;
import org.apache.beam.sdk.state.ValueState;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.WithKeys;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PDone;
import org.joda.time.Instant;

/**
 * Reports how far the watermark of a stream has come, as the gauge {@value #NAMESPACE}/{@value #WATERMARK} (epoch
 * millis): {@link PipelineMetrics} turns it into the watermark lag ({@code now - watermark}). Beam gives a DoFn no
 * read of the watermark, so the probe asks the runner: it keeps an event-time timer at the newest element timestamp
 * seen; the timer fires once the watermark has passed that time, and the probe reports it and moves the timer to
 * the newest timestamp seen since. The gauge is a lower bound of the watermark, exact up to the spacing of the
 * elements; it stays put while no element arrives (an idle stream has no lag to speak of).
 *
 * <p>Cheap: one key, one value and one timer; elements are only compared. The probe's elements are in the global
 * window (the probe re-windows its own copy).
 */
public final class WatermarkProbe<T> extends PTransform<PCollection<T>, PDone> {
  public static final String NAMESPACE = "pipeline";
  public static final String WATERMARK = "watermark_millis";

  private WatermarkProbe() {}

  public static <T> WatermarkProbe<T> create() {
    return new WatermarkProbe<>();
  }

  @Override
  public PDone expand(PCollection<T> input) {
    input.apply("GlobalWindow", Window.<T>into(new GlobalWindows()))
        .apply("OneKey", WithKeys.of(0))
        .setCoder(KvCoder.of(VarIntCoder.of(), input.getCoder()))
        .apply("Probe", ParDo.of(new ProbeFn<>()));
    return PDone.in(input.getPipeline());
  }

  static final class ProbeFn<T> extends DoFn<KV<Integer, T>, Void> {
    private final Gauge watermark = Metrics.gauge(NAMESPACE, WATERMARK);

    /** The newest element timestamp seen (millis). */
    @StateId("newest")
    private final StateSpec<ValueState<Long>> newestSpec = StateSpecs.value(VarLongCoder.of());

    /** Where the timer is set (millis), absent when none is. */
    @StateId("armed")
    private final StateSpec<ValueState<Long>> armedSpec = StateSpecs.value(VarLongCoder.of());

    @TimerId("passed")
    private final TimerSpec passedSpec = TimerSpecs.timer(TimeDomain.EVENT_TIME);

    @ProcessElement
    public void process(@Timestamp Instant timestamp, @StateId("newest") ValueState<Long> newest,
        @StateId("armed") ValueState<Long> armed, @TimerId("passed") Timer passed) {
      if (!timestamp.isBefore(BoundedWindow.TIMESTAMP_MAX_VALUE)) {
        return;
      }
      Long seen = newest.read();
      if (seen == null || timestamp.getMillis() > seen) {
        newest.write(timestamp.getMillis());
      }
      if (armed.read() == null) {
        armed.write(timestamp.getMillis());
        passed.set(timestamp);
      }
    }

    @OnTimer("passed")
    public void onPassed(OnTimerContext context, @StateId("newest") ValueState<Long> newest,
        @StateId("armed") ValueState<Long> armed, @TimerId("passed") Timer passed) {
      long at = context.timestamp().getMillis();
      watermark.set(at);
      Long seen = newest.read();
      if (seen != null && seen > at) {
        armed.write(seen);
        passed.set(new Instant(seen));
      } else {
        armed.clear();
      }
    }
  }
}
