package dev.shopstream.pipeline.transforms;

import com.google.api.services.bigquery.model.TableRow;
import dev.shopstream.contract.Event;
import dev.shopstream.contract.EventType;
import dev.shopstream.contract.ProductLine;
import dev.shopstream.pipeline.coders.EventCoder;
import dev.shopstream.pipeline.warehouse.BigQueryTables;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.io.gcp.bigquery.TableRowJsonCoder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.WithKeys;
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
 * {@code gap}. A session is emitted when the watermark passes its end (on time), then again for late data within
 * {@code allowedLateness} ({@code lateFiringDelay} after the first late element of a pane; zero: at once), with
 * accumulating panes: every emission is the whole session so far, and the table's upsert keeps the latest.
 * Data later than that is dropped by the runner (counted by Beam as {@code droppedDueToLateness}).
 *
 * <p>Limitation: late data that starts a session earlier or merges two sessions changes {@code session_start}, the
 * key, so the earlier row stays beside the new one.
 *
 * <p>Counters (namespace: this class): {@code in} (events), {@code out} (session rows), {@code late} (rows from
 * late panes).
 */
public final class SessionizeEvents extends PTransform<PCollection<Event>, PCollection<TableRow>> {
  public static final Duration DEFAULT_GAP = Duration.standardMinutes(30);

  private final Duration gap;
  private final Duration allowedLateness;
  private final Duration lateFiringDelay;
  private final Clock clock;

  public SessionizeEvents(Duration gap, Duration allowedLateness, Duration lateFiringDelay) {
    this(gap, allowedLateness, lateFiringDelay, Clock.systemUTC());
  }

  private SessionizeEvents(Duration gap, Duration allowedLateness, Duration lateFiringDelay, Clock clock) {
    this.gap = Objects.requireNonNull(gap, "gap");
    this.allowedLateness = Objects.requireNonNull(allowedLateness, "allowedLateness");
    this.lateFiringDelay = Objects.requireNonNull(lateFiringDelay, "lateFiringDelay");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** The clock that stamps {@code updated_at} (serializable). */
  public SessionizeEvents withClock(Clock clock) {
    return new SessionizeEvents(gap, allowedLateness, lateFiringDelay, clock);
  }

  @Override
  public PCollection<TableRow> expand(PCollection<Event> events) {
    return events
        .apply("CountIn", ParDo.of(new CountFn<>(SessionizeEvents.class)))
        .setCoder(EventCoder.of())
        .apply("SessionWindows", Window.<Event>into(Sessions.withGapDuration(gap))
            .triggering(AfterWatermark.pastEndOfWindow().withLateFirings(Triggers.afterDelay(lateFiringDelay)))
            .withAllowedLateness(allowedLateness)
            .accumulatingFiredPanes())
        .apply("KeyByUser", WithKeys.of((Event e) -> e.userId()).withKeyType(TypeDescriptors.strings()))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), EventCoder.of()))
        .apply("GroupByUser", GroupByKey.create())
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

  static final class SessionRowFn extends DoFn<KV<String, Iterable<Event>>, TableRow> {
    private final Counter out = Metrics.counter(SessionizeEvents.class, "out");
    private final Counter late = Metrics.counter(SessionizeEvents.class, "late");
    private final Clock clock;

    SessionRowFn(Clock clock) {
      this.clock = clock;
    }

    @ProcessElement
    public void process(@Element KV<String, Iterable<Event>> session, PaneInfo pane, OutputReceiver<TableRow> o) {
      o.output(BigQueryTables.tableRow(row(session.getKey(), session.getValue(), clock.instant())));
      out.inc();
      if (pane.getTiming() == PaneInfo.Timing.LATE) {
        late.inc();
      }
    }
  }

  /** A {@code sessions} row (shape of {@link dev.shopstream.contract.Rows}) of one user's events. */
  static Map<String, Object> row(String userId, Iterable<Event> events, Instant updatedAt) {
    List<Event> sorted = new ArrayList<>();
    events.forEach(sorted::add);
    sorted.sort(Comparator.comparing(Event::eventTime).thenComparing(Event::eventId));
    Set<String> products = new LinkedHashSet<>();
    boolean converted = false;
    double revenue = 0;
    for (Event e : sorted) {
      for (ProductLine p : e.products()) {
        products.add(p.productId());
        if (e.eventType() == EventType.PURCHASE && p.price() != null) {
          revenue += p.quantity() * p.price();
        }
      }
      converted |= e.eventType() == EventType.PURCHASE;
    }
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("user_id", userId);
    row.put("session_start", sorted.get(0).eventTime().toString());
    row.put("session_end", sorted.get(sorted.size() - 1).eventTime().toString());
    row.put("events", (long) sorted.size());
    row.put("products", new ArrayList<>(products));
    row.put("converted", converted);
    row.put("revenue", revenue);
    row.put("updated_at", updatedAt.toString());
    return row;
  }
}
