package dev.shopstream.pipeline.transforms;

import com.google.api.services.bigquery.model.TableRow;
import dev.shopstream.contract.Event;
import dev.shopstream.pipeline.coders.EventCoder;
import dev.shopstream.pipeline.sink.BigQueryTables;
import dev.shopstream.pipeline.transforms.SessionizeEvents.Summary;
import java.time.Clock;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderRegistry;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.io.gcp.bigquery.TableRowJsonCoder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.WithKeys;
import org.apache.beam.sdk.transforms.windowing.AfterProcessingTime;
import org.apache.beam.sdk.transforms.windowing.AfterWatermark;
import org.apache.beam.sdk.transforms.windowing.PaneInfo;
import org.apache.beam.sdk.transforms.windowing.Sessions;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Duration;

/**
 * The sessions step as it was before the stateful step (up to 47c642a): Beam's merging {@code Sessions} windows
 * per user, early/on-time/late panes over a {@link Combine} of the same {@link SessionizeEvents.Summary}. Kept in
 * test code only, as the reference the stateful step's final rows are compared with on on-time data
 * ({@code SessionizeEventsTest}).
 */
final class WindowedSessions extends PTransform<PCollection<Event>, PCollection<TableRow>> {
  private final Duration gap;
  private final Duration earlyFiringDelay;
  private final Duration lateFiringDelay;
  private final Duration allowedLateness;
  private final Clock clock;

  WindowedSessions(Duration gap, Duration earlyFiringDelay, Duration lateFiringDelay, Duration allowedLateness,
      Clock clock) {
    this.gap = gap;
    this.earlyFiringDelay = earlyFiringDelay;
    this.lateFiringDelay = lateFiringDelay;
    this.allowedLateness = allowedLateness;
    this.clock = clock;
  }

  @Override
  public PCollection<TableRow> expand(PCollection<Event> events) {
    return events
        .apply("SessionWindows", Window.<Event>into(Sessions.withGapDuration(gap))
            .triggering(AfterWatermark.pastEndOfWindow()
                .withEarlyFirings(AfterProcessingTime.pastFirstElementInPane().plusDelayOf(earlyFiringDelay))
                .withLateFirings(Triggers.afterDelay(lateFiringDelay)))
            .withAllowedLateness(allowedLateness)
            .accumulatingFiredPanes())
        .apply("KeyByUser", WithKeys.of((Event e) -> e.userId()).withKeyType(TypeDescriptors.strings()))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), EventCoder.of()))
        .apply("SummarizeSession", Combine.perKey(new SummarizeFn()))
        .apply("ToSessionRow", ParDo.of(new SessionRowFn(clock)))
        .setCoder(TableRowJsonCoder.of());
  }

  static final class SessionRowFn extends DoFn<KV<String, Summary>, TableRow> {
    private final Counter out = Metrics.counter(WindowedSessions.class, "out");
    private final Counter late = Metrics.counter(WindowedSessions.class, "late");
    private final Counter emptyPanes = Metrics.counter(WindowedSessions.class, "empty_panes");
    private final Clock clock;

    SessionRowFn(Clock clock) {
      this.clock = clock;
    }

    @ProcessElement
    public void process(@Element KV<String, Summary> session, PaneInfo pane, OutputReceiver<TableRow> o) {
      if (session.getValue().events() == 0) {
        emptyPanes.inc(); // see TrendingProducts: a runner's pane of an empty accumulator carries no session
        return;
      }
      o.output(BigQueryTables.tableRow(session.getValue().row(session.getKey(), clock.instant())));
      out.inc();
      if (pane.getTiming() == PaneInfo.Timing.LATE) {
        late.inc();
      }
    }
  }

  /**
   * Events of one session to its {@link Summary}; summaries of merged windows merge. Accumulators are changed in place
   * and returned (Flink's streaming combine keeps the accumulator it passed to {@code addInput}, see
   * {@link WindowedTrends.EventsAndUnits}).
   */
  static final class SummarizeFn extends Combine.CombineFn<Event, Summary, Summary> {
    @Override
    public Summary createAccumulator() {
      return new Summary();
    }

    @Override
    public Summary addInput(Summary summary, Event event) {
      summary.add(event);
      return summary;
    }

    @Override
    public Summary mergeAccumulators(Iterable<Summary> summaries) {
      Summary merged = null;
      for (Summary s : summaries) {
        if (merged == null) {
          merged = s;
        } else {
          merged.merge(s);
        }
      }
      return merged == null ? new Summary() : merged;
    }

    @Override
    public Summary extractOutput(Summary summary) {
      return summary;
    }

    @Override
    public Coder<Summary> getAccumulatorCoder(CoderRegistry registry, Coder<Event> input) {
      return SessionizeEvents.SummaryCoder.INSTANCE;
    }

    @Override
    public Coder<Summary> getDefaultOutputCoder(CoderRegistry registry, Coder<Event> input) {
      return SessionizeEvents.SummaryCoder.INSTANCE;
    }
  }
}
