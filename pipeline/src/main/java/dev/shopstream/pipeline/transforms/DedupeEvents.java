package dev.shopstream.pipeline.transforms;

import dev.shopstream.contract.Event;
import dev.shopstream.pipeline.coders.EventCoder;
import org.apache.beam.sdk.coders.BooleanCoder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
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
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.WithKeys;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Duration;

/**
 * Exactly once per {@code event_id}, across minutes and hours: the Pub/Sub read drops redeliveries with the same id
 * attribute only within a short window (about ten minutes on Dataflow), so a client retry or a replay that comes
 * later would otherwise reach the warehouse twice (BigQuery's Storage Write API does not enforce primary keys).
 *
 * <p>Keyed by {@code event_id} (in the global window, whatever windowing the input had), a {@link ValueState}
 * remembers that the id was seen; a <b>processing-time</b> timer set {@code ttl} after the first sighting clears it.
 * So a duplicate that arrives within {@code ttl} of wall-clock time after the first copy is dropped and counted;
 * one that arrives later is treated as a new event (the state is gone: that bound is what keeps the state small —
 * one entry per distinct id seen in the last {@code ttl}). Processing time rather than event time because a
 * duplicate is a delivery phenomenon: a replay of old events must still be caught however old their event time is.
 * The first copy is the one kept; elements keep their timestamps.
 *
 * <p>Counters (namespace: this class): {@code in}, {@code out}, {@code duplicates}; {@code in = out + duplicates}.
 */
public final class DedupeEvents extends PTransform<PCollection<Event>, PCollection<Event>> {
  /** 24 hours: matches the contract's 24 h bound on future event times and a day of client retries. */
  public static final Duration DEFAULT_TTL = Duration.standardHours(24);

  private final Duration ttl;

  private DedupeEvents(Duration ttl) {
    if (!ttl.isLongerThan(Duration.ZERO)) {
      throw new IllegalArgumentException("the dedupe TTL must be positive, was " + ttl);
    }
    this.ttl = ttl;
  }

  /** Drops a repeated event id seen within {@code ttl} (wall-clock) of its first sighting. */
  public static DedupeEvents within(Duration ttl) {
    return new DedupeEvents(ttl);
  }

  public Duration ttl() {
    return ttl;
  }

  @Override
  public PCollection<Event> expand(PCollection<Event> events) {
    return events
        .apply("InGlobalWindow", Window.<Event>into(new GlobalWindows()))
        .apply("KeyByEventId", WithKeys.of((Event e) -> e.eventId()).withKeyType(TypeDescriptors.strings()))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), EventCoder.of()))
        .apply("FirstPerEventId", ParDo.of(new DedupeFn(ttl)))
        .setCoder(EventCoder.of());
  }

  static final class DedupeFn extends DoFn<KV<String, Event>, Event> {
    private final Counter in = Metrics.counter(DedupeEvents.class, "in");
    private final Counter out = Metrics.counter(DedupeEvents.class, "out");
    private final Counter duplicates = Metrics.counter(DedupeEvents.class, "duplicates");
    private final Duration ttl;

    @StateId("seen")
    private final StateSpec<ValueState<Boolean>> seenSpec = StateSpecs.value(BooleanCoder.of());

    @TimerId("expire")
    private final TimerSpec expireSpec = TimerSpecs.timer(TimeDomain.PROCESSING_TIME);

    DedupeFn(Duration ttl) {
      this.ttl = ttl;
    }

    @ProcessElement
    public void process(@Element KV<String, Event> element, @StateId("seen") ValueState<Boolean> seen,
        @TimerId("expire") Timer expire, OutputReceiver<Event> output) {
      in.inc();
      if (Boolean.TRUE.equals(seen.read())) {
        duplicates.inc();
        return;
      }
      seen.write(true);
      expire.offset(ttl).setRelative();
      output.output(element.getValue());
      out.inc();
    }

    @OnTimer("expire")
    public void onExpire(@StateId("seen") ValueState<Boolean> seen) {
      seen.clear();
    }
  }
}
