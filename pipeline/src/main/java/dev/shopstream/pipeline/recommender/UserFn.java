package dev.shopstream.pipeline.recommender;

import dev.shopstream.contract.Event;
import dev.shopstream.model.CoIncrement;
import dev.shopstream.model.Interaction;
import dev.shopstream.model.ModelConfig;
import dev.shopstream.model.Observation;
import dev.shopstream.model.Signal;
import dev.shopstream.model.UserHistory;
import dev.shopstream.pipeline.recommender.ItemMessages.ToItem;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.values.KV;
import org.joda.time.Instant;

/** Per user: the bounded recent history, co-occurrence increments, activity rows, expiry after the TTL. */
final class UserFn extends DoFn<KV<String, Event>, KV<String, ToItem>> {
  private final Counter in = Metrics.counter(ItemToItemModel.class, "in");
  private final Counter userActivityRows = Metrics.counter(ItemToItemModel.class, "user_activity_rows");
  private final Counter toItemMessages = Metrics.counter(ItemToItemModel.class, "to_item_messages");
  private final Counter toItemBatches = Metrics.counter(ItemToItemModel.class, "to_item_batches");
  private final Counter factorExamples = Metrics.counter(ItemToItemModel.class, "factor_examples");
  private final ModelConfig config;
  private final Duration ttl;
  private final Clock clock;
  /** Whether each interaction the factor model trains on goes out as a {@link FactorExample}. */
  private final boolean emitExamples;

  /** The history, the newest time seen and the pending expiry timer, in one value: one read and one write. */
  @StateId("user")
  private final StateSpec<ValueState<UserState>> userSpec =
      StateSpecs.value(ModelStateCoders.UserStateCoder.INSTANCE);

  @TimerId("expiry")
  private final TimerSpec expirySpec = TimerSpecs.timer(TimeDomain.EVENT_TIME);

  private transient BundleMerge.ToItems toItems;
  /** Users whose history changed in this bundle: their latest history and element timestamp, in first-seen order. */
  private transient Map<String, Changed> changed;

  /** A user's history as of its last event in the bundle (the state object itself), and that event's timestamp. */
  private record Changed(UserHistory history, Instant timestamp) {}

  UserFn(ModelConfig config, Duration ttl, Clock clock, boolean emitExamples) {
    this.config = config;
    this.ttl = ttl;
    this.clock = clock;
    this.emitExamples = emitExamples;
  }

  @StartBundle
  public void startBundle() {
    toItems = new BundleMerge.ToItems();
    changed = new LinkedHashMap<>();
  }

  /**
   * The bundle's messages, then one {@code user_activity} row per user whose history changed: the row its last
   * event in the bundle made (an upsert table keeps only the latest row of a user; the rows of its earlier events
   * in the bundle, superseded before they were written, are no longer built).
   */
  @FinishBundle
  public void finishBundle(FinishBundleContext context) {
    toItemMessages.inc(toItems.added());
    for (var message : toItems.drain()) {
      context.output(ItemToItemModel.TO_ITEMS, message.getValue(), message.getTimestamp(), GlobalWindow.INSTANCE);
      toItemBatches.inc();
    }
    java.time.Instant now = clock.instant();
    for (Map.Entry<String, Changed> user : changed.entrySet()) {
      context.output(ItemToItemModel.USER_ACTIVITY,
          ItemToItemModel.userActivityRow(user.getKey(), user.getValue().history(), now),
          user.getValue().timestamp(), GlobalWindow.INSTANCE);
      userActivityRows.inc();
    }
    changed.clear();
  }

  @ProcessElement
  public void process(@Element KV<String, Event> element, @Timestamp Instant timestamp,
      @StateId("user") ValueState<UserState> userState,
      @TimerId("expiry") Timer expiry, MultiOutputReceiver out) {
    in.inc();
    Event event = element.getValue();
    UserState state = userState.read();
    if (state == null) {
      state = UserState.empty();
    }
    UserHistory history = state.history();
    List<Observation> observed = new ArrayList<>(event.products().size());
    for (Interaction interaction : Interaction.of(event)) {
      if (emitExamples && config.weight(interaction.type()) > 0) {
        // what evaluation's factor training observes (FactorTraining): every interaction of a type weighing more
        // than 0, repeats included (no step, but a replay), after the user's recent items before it
        out.get(ItemToItemModel.FACTOR_EXAMPLES).output(new FactorExample(history.recent(), interaction));
        factorExamples.inc();
      }
      Observation o = history.observe(interaction, config);
      if (Signal.forType(interaction.type()) != null && config.weight(interaction.type()) > 0) {
        observed.add(o);
      }
    }
    if (observed.isEmpty()) {
      return;
    }
    // merged per item over the bundle (BundleMerge): the items' occurrences first, then the pairs, in the order of
    // the event's lines; a counter forwards a pair to the other item's list: so the increment of A's list (with
    // the directed transition A → B, the next signal) goes to B's counter, and B's (symmetric only) to A's
    toItems.startEvent(timestamp);
    for (Observation o : observed) {
      if (!o.occurrence().isZero()) {
        toItems.addOccurrence(o.interaction().productId(), o.occurrence());
      }
    }
    for (Observation o : observed) {
      for (CoIncrement p : o.pairs()) {
        toItems.addPair(p.itemA(), p.itemB(), p.incrementOfB());
        toItems.addPair(p.itemB(), p.itemA(), p.incrementOfA());
      }
    }
    long lastSeen = state.see(Math.max(event.eventTime().toEpochMilli(), timestamp.getMillis()));
    if (state.expiryTimer() == UserState.NONE) {
      // one timer per user at a time: the expiry only moves later, so the timer, when it fires, moves itself to
      // the newest expiry instead of being moved at every event (each move is a timer deletion and insertion)
      state.expiryTimer(setExpiry(expiry, lastSeen));
    }
    userState.write(state);
    // the row is built at the bundle's end from this history object, which only this user's events change
    changed.put(element.getKey(), new Changed(history, timestamp));
  }

  /** Sets the timer at {@code lastSeen} + the TTL; returns that time (millis). */
  private long setExpiry(Timer expiry, long lastSeen) {
    Instant at = new Instant(lastSeen).plus(org.joda.time.Duration.millis(ttl.toMillis()));
    expiry.set(at);
    return at.getMillis();
  }

  /** The state expires when the watermark passes the newest time seen + the TTL: else the timer moves there. */
  @OnTimer("expiry")
  public void expire(@StateId("user") ValueState<UserState> userState, @TimerId("expiry") Timer expiry) {
    UserState state = userState.read();
    if (state == null) {
      return;
    }
    long due = new Instant(state.lastSeen()).plus(org.joda.time.Duration.millis(ttl.toMillis())).getMillis();
    if (due > state.expiryTimer()) {
      state.expiryTimer(setExpiry(expiry, state.lastSeen()));
      userState.write(state);
    } else {
      userState.clear();
    }
  }
}
