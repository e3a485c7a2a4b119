package dev.shopstream.pipeline.transforms;

import dev.shopstream.contract.DeadLetter;
import dev.shopstream.contract.DuplicateConflict;
import dev.shopstream.contract.Event;
import dev.shopstream.contract.EventCodec;
import dev.shopstream.pipeline.coders.DeadLetterCoder;
import dev.shopstream.pipeline.coders.EventCoder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.coders.BigEndianLongCoder;
import org.apache.beam.sdk.coders.BooleanCoder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.state.MapState;
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
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Duration;

/**
 * Exactly once per {@code event_id}, across minutes and hours: the Pub/Sub read drops redeliveries with the same id
 * attribute only within a short window (about ten minutes on Dataflow), so a client retry or a replay that comes
 * later would otherwise reach the warehouse twice (BigQuery's Storage Write API does not enforce primary keys).
 *
 * <p>Events are keyed by a shard of their id ({@code hash(event_id) mod shards}, in the global window, whatever
 * windowing the input had); per shard a {@link MapState} remembers when (processing time) each id was first seen.
 * A copy whose id was seen less than {@code ttl} of <b>processing time</b> ago is dropped and counted; one that
 * arrives later is treated as a new event and remembered anew. One processing-time timer per shard sweeps the
 * entries older than {@code ttl} every {@code ttl / 10}, which keeps the state at the distinct ids of the last
 * {@code ttl} (plus at most a tenth); the sweep only frees memory, the decision compares the stored time itself,
 * so the bound is exact. Processing time rather than event time because a duplicate is a delivery phenomenon: a
 * replay of old events must still be caught however old their event time is. The first copy is the one kept;
 * elements keep their timestamps. State and output are committed together per bundle, so a retried bundle neither
 * loses nor repeats an event.
 *
 * <p>Why shards rather than one key per id: a runner pays per key and per timer. On the DirectRunner (the local
 * stack) every key is its own bundle and every pending timer is scanned when timers are extracted, so a key and a
 * timer per event id made this step (and the one-row DuckDB writes behind it) the bottleneck of the pipeline. A
 * bounded number of keys with one timer each costs the same per event whatever the volume. On Dataflow the shards
 * bound this step's parallelism: raise {@code --dedupeShards} with the event rate.
 *
 * <p>A copy that reuses an id with <em>different content</em> (a client bug: two events under one id) is still
 * dropped, but not silently: it is counted ({@code conflicts}) and dead-lettered ({@link #CONFLICTS}, step
 * {@value #STEP}, error starting {@value #DUPLICATE_CONFLICT}) with the payload of {@link DuplicateConflict} (the
 * kept event's id, fingerprint and table; this one whole): the kept event is the {@code events} row of that id (its
 * primary key), so the state keeps only a 64-bit fingerprint of each id's first event (SHA-256 of its contract JSON,
 * truncated) for the TTL, not the event: 8 bytes per id beside the id, where a copy of every event of 24 hours would
 * multiply the state, and every checkpoint, several times. An id remembered before that state existed (restored
 * from an older checkpoint) has no fingerprint: its copies are
 * dropped as plain duplicates.
 *
 * <p>Outputs: {@link #EVENTS} (the first copy of each id) and {@link #CONFLICTS}. Counters (namespace: this class):
 * {@code in}, {@code out}, {@code duplicates}, {@code conflicts}; {@code in = out + duplicates}, {@code conflicts}
 * counts the duplicates whose content differs.
 */
public final class DedupeEvents extends PTransform<PCollection<Event>, PCollectionTuple> {
  public static final TupleTag<Event> EVENTS = new TupleTag<>() {};
  public static final TupleTag<DeadLetter> CONFLICTS = new TupleTag<>() {};
  /** The dead letters' step. */
  public static final String STEP = "dedupe";
  /** The reason, first word of the dead letter's error. */
  public static final String DUPLICATE_CONFLICT = DuplicateConflict.REASON;

  /** 24 hours: matches the contract's 24 h bound on future event times and a day of client retries. */
  public static final Duration DEFAULT_TTL = Duration.standardHours(24);
  /** Shards of the id space (keys of the state). */
  public static final int DEFAULT_SHARDS = 16;
  /** How many sweeps per TTL free the expired ids. */
  static final int SWEEPS_PER_TTL = 10;

  private final Duration ttl;
  private final int shards;

  private DedupeEvents(Duration ttl, int shards) {
    if (!ttl.isLongerThan(Duration.ZERO)) {
      throw new IllegalArgumentException("the dedupe TTL must be positive, was " + ttl);
    }
    if (shards < 1) {
      throw new IllegalArgumentException("the dedupe shards must be at least 1, was " + shards);
    }
    this.ttl = ttl;
    this.shards = shards;
  }

  /** Drops a repeated event id seen within {@code ttl} (wall-clock) of its first sighting. */
  public static DedupeEvents within(Duration ttl) {
    return new DedupeEvents(ttl, DEFAULT_SHARDS);
  }

  /** The same over {@code value} shards of the id space. */
  public DedupeEvents withShards(int value) {
    return new DedupeEvents(ttl, value);
  }

  public Duration ttl() {
    return ttl;
  }

  public int shards() {
    return shards;
  }

  /** The shard of an event id: {@link String#hashCode} is specified, so every worker agrees. */
  static int shard(String eventId, int shards) {
    return Math.floorMod(eventId.hashCode(), shards);
  }

  @Override
  public PCollectionTuple expand(PCollection<Event> events) {
    int n = shards;
    PCollectionTuple out = events
        .apply("InGlobalWindow", Window.<Event>into(new GlobalWindows()))
        .apply("KeyByIdShard", WithKeys.of((Event e) -> shard(e.eventId(), n)).withKeyType(TypeDescriptors.integers()))
        .setCoder(KvCoder.of(VarIntCoder.of(), EventCoder.of()))
        .apply("FirstPerEventId", ParDo.of(new DedupeFn(ttl)).withOutputTags(EVENTS, TupleTagList.of(CONFLICTS)));
    out.get(EVENTS).setCoder(EventCoder.of());
    out.get(CONFLICTS).setCoder(DeadLetterCoder.of());
    return out;
  }

  /** 64 bits of the SHA-256 of the event's contract JSON: equal content, equal fingerprint. */
  static long fingerprint(Event event) {
    try {
      byte[] digest = java.security.MessageDigest.getInstance("SHA-256")
          .digest(EventCodec.encode(event).getBytes(java.nio.charset.StandardCharsets.UTF_8));
      return java.nio.ByteBuffer.wrap(digest).getLong();
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JVM", e);
    }
  }

  /**
   * The dead letter of {@code dropped}, which reuses the id of an event with the fingerprint {@code kept} (different
   * content); the kept event itself is the {@code events} row of that id.
   */
  static DeadLetter conflict(long kept, Event dropped, Instant at) {
    return new DeadLetter(dropped.eventId(), DuplicateConflict.payload(dropped, kept),
        DuplicateConflict.attributes(dropped), DuplicateConflict.error(dropped), STEP, at);
  }

  static final class DedupeFn extends DoFn<KV<Integer, Event>, Event> {
    private final Counter in = Metrics.counter(DedupeEvents.class, "in");
    private final Counter out = Metrics.counter(DedupeEvents.class, "out");
    private final Counter duplicates = Metrics.counter(DedupeEvents.class, "duplicates");
    private final Counter conflicts = Metrics.counter(DedupeEvents.class, "conflicts");
    private final Duration ttl;

    /** Event id to its first event's {@link #fingerprint}, for as long as {@code seen} holds the id. */
    @StateId("fingerprint")
    private final StateSpec<MapState<String, Long>> fingerprintSpec =
        StateSpecs.map(StringUtf8Coder.of(), BigEndianLongCoder.of());

    /** Event id to the processing time (millis) it was first seen. */
    @StateId("seen")
    private final StateSpec<MapState<String, Long>> seenSpec = StateSpecs.map(StringUtf8Coder.of(), VarLongCoder.of());

    /** Whether a sweep is pending for this shard. */
    @StateId("sweeping")
    private final StateSpec<ValueState<Boolean>> sweepingSpec = StateSpecs.value(BooleanCoder.of());

    @TimerId("sweep")
    private final TimerSpec sweepSpec = TimerSpecs.timer(TimeDomain.PROCESSING_TIME);

    DedupeFn(Duration ttl) {
      this.ttl = ttl;
    }

    private Duration sweepEvery() {
      return Duration.millis(Math.max(1, ttl.getMillis() / SWEEPS_PER_TTL));
    }

    @ProcessElement
    public void process(@Element KV<Integer, Event> element, @StateId("seen") MapState<String, Long> seen,
        @StateId("fingerprint") MapState<String, Long> fingerprints,
        @StateId("sweeping") ValueState<Boolean> sweeping, @TimerId("sweep") Timer sweep,
        MultiOutputReceiver output) {
      in.inc();
      long now = sweep.getCurrentRelativeTime().getMillis();
      Event event = element.getValue();
      String id = event.eventId();
      Long firstSeen = seen.get(id).read();
      if (firstSeen != null && now - firstSeen < ttl.getMillis()) {
        duplicates.inc();
        Long kept = fingerprints.get(id).read();
        if (kept != null && kept != fingerprint(event)) {
          conflicts.inc();
          output.get(CONFLICTS).output(conflict(kept, event, Instant.ofEpochMilli(now)));
        }
        return;
      }
      seen.put(id, now);
      fingerprints.put(id, fingerprint(event));
      if (!Boolean.TRUE.equals(sweeping.read())) {
        sweeping.write(true);
        sweep.offset(sweepEvery()).setRelative();
      }
      output.get(EVENTS).output(event);
      out.inc();
    }

    /** Forgets the ids first seen {@code ttl} or more ago; sweeps again while any id is left. */
    @OnTimer("sweep")
    public void onSweep(@StateId("seen") MapState<String, Long> seen,
        @StateId("fingerprint") MapState<String, Long> fingerprints,
        @StateId("sweeping") ValueState<Boolean> sweeping, @TimerId("sweep") Timer sweep) {
      long now = sweep.getCurrentRelativeTime().getMillis();
      boolean left = false;
      List<String> expired = new ArrayList<>();
      for (Map.Entry<String, Long> entry : seen.entries().read()) {
        if (now - entry.getValue() >= ttl.getMillis()) {
          expired.add(entry.getKey());
        } else {
          left = true;
        }
      }
      expired.forEach(seen::remove);
      expired.forEach(fingerprints::remove);
      if (left) {
        sweep.offset(sweepEvery()).setRelative();
      } else {
        sweeping.clear();
      }
    }
  }
}
