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
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.WithKeys;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Duration;

/**
 * Events to rows of the contract's {@code sessions} table: per user, sessions with an inactivity gap of {@code gap}
 * (event time), the same as Beam's {@code Sessions} windows would make: an event's window is {@code [t, t + gap)}
 * and overlapping windows merge, whatever the order the events arrive in. Every row is the whole session so far and
 * the table's upsert on (user, {@code session_start}) keeps the latest: early rows ({@code earlyFiringDelay} of
 * processing time after the first change since the last row) while the session is open, the final one when the
 * watermark passes its end ({@code last event + gap}), late ones when data for it arrives later
 * ({@code lateFiringDelay} after the first late change; zero: at once).
 *
 * <p>It is one stateful step per user in the global window (input in the global window, as the pipeline's is), not
 * merging windows: one state value ({@link UserSessions}: the kept sessions' compact {@link Summary}s, start, end,
 * count, products in order of first appearance, conversion, revenue; order-independent, so out-of-order events give
 * the same row), one event-time timer and one processing-time timer per user. The profile of the whole graph on
 * Flink put Beam's merging windows (window sets, trigger state, a combine per pane) at about 27 % of the CPU. A
 * bounded input (a backfill) has no early rows: every session's row comes when the watermark passes its end.
 *
 * <p><b>Late data</b> (a stateful step does not see the watermark; what it knows of it per user is the newest
 * event-time timer that fired for that user). A session stays in state until the watermark passes its end + {@code
 * allowedLateness}, then it is forgotten; when the user has no session left, the state is cleared (the bound on
 * state is that TTL, as the merging windows' garbage collection was). An event that overlaps a kept session updates
 * that session: when the session's final row went out already, its row is written again (a late row; same key, an
 * upsert, unless the event starts the session earlier; a closed session stays closed, so every later change is a
 * late row and there is no second final row). An event that overlaps no kept session starts a new session: when its
 * end is behind the watermark the user's timers have shown, its row is written as late (at once, or after
 * {@code lateFiringDelay}), else when
 * the watermark passes its end (for a user with no state this is the next watermark advance when the event is
 * behind it: the step cannot tell it is late). <b>Nothing is dropped</b>, unlike the merging windows, which dropped
 * data later than the allowed lateness: such an event now gives a session row of its own (the event is in
 * {@code events} anyway), beside the row of the session it belonged to when that one was forgotten already. A change
 * of this step's state or graph means a Flink checkpoint of an earlier release cannot be restored (locally:
 * {@code --discard-pipeline-state}; Dataflow: drain and start).
 *
 * <p>Limitation: late data that starts a session earlier or merges two sessions changes {@code session_start}, the
 * key, so the earlier row stays beside the new one.
 *
 * <p>Counters (namespace: this class): {@code in} (events), {@code out} (session rows), {@code early} (rows of open
 * sessions before their end), {@code late} (rows of sessions whose final row went out already, or whose end was
 * behind the watermark known for the user).
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
        .apply("KeyByUser", WithKeys.of((Event e) -> e.userId()).withKeyType(TypeDescriptors.strings()))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), EventCoder.of()))
        .apply("SessionsPerUser", ParDo.of(new SessionFn(gap, earlyFiringDelay, lateFiringDelay, allowedLateness,
            events.isBounded() == PCollection.IsBounded.UNBOUNDED, clock)))
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

  /**
   * The stateful step: one {@link UserSessions} value per user, one event-time timer ({@code close}: the earliest
   * session end or forgetting time of the user's sessions; it only moves earlier when an event arrives, and moves
   * itself later when it fires before what is due, so an event that extends the session costs no timer move) and one
   * processing-time timer ({@code flush}: early rows, and late rows when {@code lateFiringDelay} is not zero).
   */
  static final class SessionFn extends DoFn<KV<String, Event>, TableRow> {
    @StateId("sessions")
    private final StateSpec<ValueState<UserSessions>> sessionsSpec = StateSpecs.value(UserSessions.Coder.INSTANCE);

    @TimerId("close")
    private final TimerSpec closeSpec = TimerSpecs.timer(TimeDomain.EVENT_TIME);

    @TimerId("flush")
    private final TimerSpec flushSpec = TimerSpecs.timer(TimeDomain.PROCESSING_TIME);

    private final Counter out = Metrics.counter(SessionizeEvents.class, "out");
    private final Counter early = Metrics.counter(SessionizeEvents.class, "early");
    private final Counter late = Metrics.counter(SessionizeEvents.class, "late");
    private final long gap;
    private final long allowedLateness;
    private final Duration earlyFiringDelay;
    private final Duration lateFiringDelay;
    private final boolean processingTimers;
    private final Clock clock;

    SessionFn(Duration gap, Duration earlyFiringDelay, Duration lateFiringDelay, Duration allowedLateness,
        boolean processingTimers, Clock clock) {
      this.gap = gap.getMillis();
      this.allowedLateness = allowedLateness.getMillis();
      this.earlyFiringDelay = earlyFiringDelay;
      this.lateFiringDelay = lateFiringDelay;
      this.processingTimers = processingTimers;
      this.clock = clock;
    }

    @ProcessElement
    public void process(@Element KV<String, Event> element, @Timestamp org.joda.time.Instant timestamp,
        @StateId("sessions") ValueState<UserSessions> state, @TimerId("close") Timer close,
        @TimerId("flush") Timer flush, OutputReceiver<TableRow> o) {
      UserSessions user = state.read();
      if (user == null) {
        user = new UserSessions();
      }
      UserSessions.Added added = user.add(element.getValue(), timestamp.getMillis(), gap);
      UserSessions.Session session = added.session();
      if (!added.late()) {
        session.dirty = true;
        if (processingTimers) {
          scheduleFlush(user, flush, earlyFiringDelay);
        }
      } else if (lateFiringDelay.isLongerThan(Duration.ZERO) && processingTimers) {
        session.dirty = true;
        scheduleFlush(user, flush, lateFiringDelay);
      } else {
        emit(element.getKey(), session, o);
        late.inc();
      }
      long due = user.nextDue(gap, allowedLateness);
      if (user.closeTimer == UserSessions.NONE || due < user.closeTimer) {
        close.set(new org.joda.time.Instant(due));
        user.closeTimer = due;
      }
      state.write(user);
    }

    private static void scheduleFlush(UserSessions user, Timer flush, Duration delay) {
      if (!user.flushPending) {
        flush.offset(delay).setRelative();
        user.flushPending = true;
      }
    }

    /**
     * The watermark passed {@code closeTimer}: sessions that ended by then get their final (on-time) row and are
     * closed; closed ones past their allowed lateness are forgotten (a late change still waiting for its flush goes
     * out first); the timer moves to the next due time, or the state is cleared when no session is left.
     */
    @OnTimer("close")
    public void onClose(@Key String userId, @StateId("sessions") ValueState<UserSessions> state,
        @TimerId("close") Timer close, OutputReceiver<TableRow> o) {
      UserSessions user = state.read();
      if (user == null) {
        return;
      }
      long now = user.closeTimer;
      user.watermarkSeen = Math.max(user.watermarkSeen, now);
      for (int i = 0; i < user.sessions.size(); ) {
        UserSessions.Session s = user.sessions.get(i);
        if (!s.closed && s.due(gap, allowedLateness) <= now) {
          emit(userId, s, o);
          s.closed = true;
        }
        if (s.closed && s.due(gap, allowedLateness) <= now) {
          if (s.dirty) {
            emit(userId, s, o);
            late.inc();
          }
          user.sessions.remove(i);
        } else {
          i++;
        }
      }
      if (user.sessions.isEmpty()) {
        state.clear(); // a pending flush finds no state and does nothing
        return;
      }
      user.closeTimer = user.nextDue(gap, allowedLateness);
      close.set(new org.joda.time.Instant(user.closeTimer));
      state.write(user);
    }

    /** Early rows of the open sessions that changed, late rows of the closed ones that did. */
    @OnTimer("flush")
    public void onFlush(@Key String userId, @StateId("sessions") ValueState<UserSessions> state,
        OutputReceiver<TableRow> o) {
      UserSessions user = state.read();
      if (user == null) {
        return;
      }
      user.flushPending = false;
      for (UserSessions.Session s : user.sessions) {
        if (s.dirty) {
          emit(userId, s, o);
          (s.closed ? late : early).inc();
        }
      }
      state.write(user);
    }

    private void emit(String userId, UserSessions.Session s, OutputReceiver<TableRow> o) {
      o.output(BigQueryTables.tableRow(s.summary.row(userId, clock.instant())));
      s.dirty = false;
      out.inc();
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

    long events() {
      return events;
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
