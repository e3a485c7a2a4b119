package dev.shopstream.pipeline.transforms;

import com.google.api.services.bigquery.model.TableRow;
import dev.shopstream.contract.Event;
import dev.shopstream.contract.EventType;
import dev.shopstream.contract.ProductLine;
import dev.shopstream.contract.SessionRow;
import dev.shopstream.pipeline.coders.EventCoder;
import dev.shopstream.pipeline.sink.BigQueryTables;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.beam.sdk.coders.AtomicCoder;
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
 * Events to rows of the contract's {@code sessions} table: per user, event-time session windows with a gap of
 * {@code gap}. Panes accumulate: early ones ({@code earlyFiringDelay} of processing time after the first element of a
 * pane) while the session is open, the on-time one when the watermark passes its end, late ones for data within
 * {@code allowedLateness} ({@code lateFiringDelay} after the first late element of a pane; zero: at once). Every
 * emission is the whole session so far, and the table's upsert keeps the latest. Data later than that is dropped by
 * the runner (counted by Beam as {@code droppedDueToLateness}).
 *
 * <p>The session is a {@link Combine.PerKey} of a compact {@link Summary} (start, end, count, products in order of
 * first appearance, conversion, revenue), not a {@code GroupByKey} of the events: a session's state stays small,
 * runners lift the combine before the shuffle, and the merging of windows is the runner's merging of accumulators.
 * (A {@code GroupByKey} under session windows gave wrong sessions on Flink's batch runner: its final reduce merges
 * the partial windows sorted by their end, so a long partial window that overlaps an earlier-ending one is left
 * unmerged. Its combine path for merging windows does not pre-combine and merges correctly.)
 *
 * <p>Limitation: late data that starts a session earlier or merges two sessions changes {@code session_start}, the
 * key, so the earlier row stays beside the new one.
 *
 * <p>Counters (namespace: this class): {@code in} (events), {@code out} (session rows), {@code late} (rows from
 * late panes), {@code empty_panes} (panes of an empty summary, not written; see {@link TrendingProducts}).
 */
public final class SessionizeEvents extends PTransform<PCollection<Event>, PCollection<TableRow>> {
  public static final Duration DEFAULT_GAP = Duration.standardMinutes(30);

  private final Duration gap;
  private final Duration earlyFiringDelay;
  private final Duration lateFiringDelay;
  private final Duration allowedLateness;
  private final Clock clock;

  public SessionizeEvents(Duration gap, Duration earlyFiringDelay, Duration lateFiringDelay,
      Duration allowedLateness) {
    this(gap, earlyFiringDelay, lateFiringDelay, allowedLateness, Clock.systemUTC());
  }

  private SessionizeEvents(Duration gap, Duration earlyFiringDelay, Duration lateFiringDelay,
      Duration allowedLateness, Clock clock) {
    this.gap = Objects.requireNonNull(gap, "gap");
    this.earlyFiringDelay = Objects.requireNonNull(earlyFiringDelay, "earlyFiringDelay");
    this.lateFiringDelay = Objects.requireNonNull(lateFiringDelay, "lateFiringDelay");
    this.allowedLateness = Objects.requireNonNull(allowedLateness, "allowedLateness");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** The clock that stamps {@code updated_at} (serializable). */
  public SessionizeEvents withClock(Clock clock) {
    return new SessionizeEvents(gap, earlyFiringDelay, lateFiringDelay, allowedLateness, clock);
  }

  @Override
  public PCollection<TableRow> expand(PCollection<Event> events) {
    return events
        .apply("CountIn", ParDo.of(new CountFn<>(SessionizeEvents.class)))
        .setCoder(EventCoder.of())
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

  /** Counts elements into the namespace's {@code in} counter and passes them on. */
  static final class CountFn<T> extends DoFn<T, T> {
    private final Counter in;

    CountFn(Class<?> namespace) {
      this.in = Metrics.counter(namespace, "in");
    }

    @ProcessElement
    public void process(@Element T element, OutputReceiver<T> out) {
      in.inc();
      out.output(element);
    }
  }

  static final class SessionRowFn extends DoFn<KV<String, Summary>, TableRow> {
    private final Counter out = Metrics.counter(SessionizeEvents.class, "out");
    private final Counter late = Metrics.counter(SessionizeEvents.class, "late");
    private final Counter emptyPanes = Metrics.counter(SessionizeEvents.class, "empty_panes");
    private final Clock clock;

    SessionRowFn(Clock clock) {
      this.clock = clock;
    }

    @ProcessElement
    public void process(@Element KV<String, Summary> session, PaneInfo pane, OutputReceiver<TableRow> o) {
      if (session.getValue().events == 0) {
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
   * {@link TrendingProducts.EventsAndUnits}).
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
      return SummaryCoder.INSTANCE;
    }

    @Override
    public Coder<Summary> getDefaultOutputCoder(CoderRegistry registry, Coder<Event> input) {
      return SummaryCoder.INSTANCE;
    }
  }

  /**
   * What a session row needs of its events, independent of the order they are added or merged in: the first and
   * last event time, the event count, each product's first appearance (ordered by event time, event id and position
   * in the event's lines, as the events sorted by time would list them), whether anything was bought and the revenue
   * (exact decimal sum of quantity × price of purchase lines, so no merge order changes it).
   */
  static final class Summary {
    private Instant start;
    private Instant end;
    private long events;
    private boolean converted;
    private BigDecimal revenue = BigDecimal.ZERO;
    private final Map<String, FirstSeen> products = new HashMap<>();

    /** Where a product first appears: the event's time and id, and the line's position in it. */
    record FirstSeen(Instant time, String eventId, int line) implements Comparable<FirstSeen> {
      private static final Comparator<FirstSeen> ORDER = Comparator.comparing(FirstSeen::time)
          .thenComparing(FirstSeen::eventId).thenComparingInt(FirstSeen::line);

      @Override
      public int compareTo(FirstSeen other) {
        return ORDER.compare(this, other);
      }
    }

    void add(Event e) {
      events++;
      extend(e.eventTime(), e.eventTime());
      boolean purchase = e.eventType() == EventType.PURCHASE;
      converted |= purchase;
      List<ProductLine> lines = e.products();
      for (int i = 0; i < lines.size(); i++) {
        ProductLine p = lines.get(i);
        see(p.productId(), new FirstSeen(e.eventTime(), e.eventId(), i));
        if (purchase && p.price() != null) {
          revenue = revenue.add(BigDecimal.valueOf(p.price()).multiply(BigDecimal.valueOf(p.quantity())));
        }
      }
    }

    void merge(Summary other) {
      if (other.events == 0) {
        return;
      }
      events += other.events;
      extend(other.start, other.end);
      converted |= other.converted;
      revenue = revenue.add(other.revenue);
      other.products.forEach(this::see);
    }

    private void extend(Instant from, Instant to) {
      start = start == null || from.isBefore(start) ? from : start;
      end = end == null || to.isAfter(end) ? to : end;
    }

    private void see(String productId, FirstSeen at) {
      products.merge(productId, at, (a, b) -> a.compareTo(b) <= 0 ? a : b);
    }

    Map<String, Object> row(String userId, Instant updatedAt) {
      List<Map.Entry<String, FirstSeen>> ordered = new ArrayList<>(products.entrySet());
      ordered.sort(Map.Entry.<String, FirstSeen>comparingByValue().thenComparing(Map.Entry.comparingByKey()));
      return new SessionRow(userId, start, end, events, ordered.stream().map(Map.Entry::getKey).toList(), converted,
          revenue.doubleValue(), updatedAt).toRow();
    }
  }

  /** {@link Summary} in a compact binary form. */
  static final class SummaryCoder extends AtomicCoder<Summary> {
    static final SummaryCoder INSTANCE = new SummaryCoder();

    @Override
    public void encode(Summary s, OutputStream out) throws IOException {
      DataOutputStream data = new DataOutputStream(out);
      data.writeLong(s.events);
      if (s.events > 0) {
        writeInstant(data, s.start);
        writeInstant(data, s.end);
      }
      data.writeBoolean(s.converted);
      data.writeUTF(s.revenue.toString());
      data.writeInt(s.products.size());
      for (Map.Entry<String, Summary.FirstSeen> p : s.products.entrySet()) {
        StringUtf8Coder.of().encode(p.getKey(), data);
        writeInstant(data, p.getValue().time());
        StringUtf8Coder.of().encode(p.getValue().eventId(), data);
        data.writeInt(p.getValue().line());
      }
      data.flush();
    }

    @Override
    public Summary decode(InputStream in) throws IOException {
      DataInputStream data = new DataInputStream(in);
      Summary s = new Summary();
      s.events = data.readLong();
      if (s.events > 0) {
        s.start = readInstant(data);
        s.end = readInstant(data);
      }
      s.converted = data.readBoolean();
      s.revenue = new BigDecimal(data.readUTF());
      int products = data.readInt();
      for (int i = 0; i < products; i++) {
        String id = StringUtf8Coder.of().decode(data);
        Instant time = readInstant(data);
        String eventId = StringUtf8Coder.of().decode(data);
        s.products.put(id, new Summary.FirstSeen(time, eventId, data.readInt()));
      }
      return s;
    }

    @Override
    public void verifyDeterministic() throws NonDeterministicException {
      throw new NonDeterministicException(this, "a HashMap of products");
    }

    private static void writeInstant(DataOutputStream data, Instant t) throws IOException {
      data.writeLong(t.getEpochSecond());
      data.writeInt(t.getNano());
    }

    private static Instant readInstant(DataInputStream data) throws IOException {
      return Instant.ofEpochSecond(data.readLong(), data.readInt());
    }
  }
}
