package dev.shopstream.pipeline.recommender;

import com.google.api.services.bigquery.model.TableRow;
import dev.shopstream.contract.Event;
import dev.shopstream.contract.ItemNeighborRow;
import dev.shopstream.contract.UserActivityRow;
import dev.shopstream.model.Interaction;
import dev.shopstream.model.ItemNeighbors;
import dev.shopstream.model.ModelConfig;
import dev.shopstream.model.Neighbor;
import dev.shopstream.model.Signal;
import dev.shopstream.model.Similarity;
import dev.shopstream.model.UserHistory;
import dev.shopstream.pipeline.coders.EventCoder;
import dev.shopstream.pipeline.recommender.ItemMessages.Pair;
import dev.shopstream.pipeline.recommender.ItemMessages.ToItem;
import dev.shopstream.pipeline.recommender.ItemMessages.ToNeighbors;
import dev.shopstream.pipeline.sink.BigQueryTables;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.ListCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.io.gcp.bigquery.TableRowJsonCoder;
import org.apache.beam.sdk.state.StateSpec;
import org.apache.beam.sdk.state.StateSpecs;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.state.TimeDomain;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.state.Timer;
import org.apache.beam.sdk.state.TimerSpec;
import org.apache.beam.sdk.state.TimerSpecs;
import org.apache.beam.sdk.state.ValueState;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Instant;

/**
 * The real-time item-to-item model: events in, {@code item_neighbors} and {@code user_activity} rows out (both
 * upsert tables: the latest row per key wins). All math is the {@code model} module's.
 *
 * <ol>
 *   <li><b>Per user</b> (keyed by user_id, global window): a {@link UserHistory} in {@code ValueState}; each event's
 *       product lines are observed in order, producing occurrence and co-occurrence increments (with the directed
 *       transitions of the {@code next} signal: a pair's increment for the earlier item's list carries them, the
 *       later item's does not), and, at the end of a bundle, one {@code user_activity} row per user whose
 *       history changed in it (the row of its last event there: the table keeps the latest). The state (history,
 *       newest time seen, pending timer: one {@link UserState} value) is cleared once the watermark passes the
 *       user's newest event time (or element timestamp, the later) + {@code userStateTtl}: after that much
 *       inactivity the user's old items no longer co-occur with new ones. One event-time timer per user does it,
 *       set at the first event and moved by itself when it fires early, not at every event.
 *   <li><b>Per item counter</b> (keyed by product_id): the item's occurrence count; forwards every pair to the
 *       other item's neighbour list together with this item's current count, and reports its own count to its
 *       own list and to the lists of the items it co-occurred with (up to {@code maxNeighborsPerItem} of them:
 *       an {@link ItemCounter}). It cannot be one step with the lists: B's list needs A's count, kept under A's
 *       key, with every pair, so a pair goes user, A's counter, B's list (one step would have to send to itself).
 *   <li><b>Per item neighbour list</b> (keyed by product_id): an {@link ItemNeighbors} in {@code ValueState}
 *       (bounded to {@code maxNeighborsPerItem} candidates); after a change it emits the item's top-K rows for
 *       every signal, at most once per {@code emitEvery} of processing time (immediately when it is zero), or
 *       once when a bounded input ends ({@link #withEmitAtEndOfInput}).
 * </ol>
 *
 * <p>With {@link #withFactorExamples}, the per-user stage also outputs the factor model's training examples
 * ({@link #FACTOR_EXAMPLES}: each interaction after the user's recent items before it), which {@link FactorTrainer}
 * learns from.
 *
 * <p>State values have compact coders ({@link ModelStateCoders}), not Java serialization: changing them or the
 * state's layout needs a drain and start, not an in-place update (docs/DATAFLOW.md).
 *
 * <p>Between the stages, the messages of a bundle are merged per destination item ({@link BundleMerge}): one message
 * per item and bundle carries the summed increments and the largest counts, instead of one per event and pair.
 *
 * <p>A neighbour's count in a list is the latest one reported (the maximum of the reports: with a co-occurrence of
 * the pair, or broadcast by the neighbour's counter to its tracked partners when it grows); a partner the counter
 * evicted (beyond {@code maxNeighborsPerItem}) stops receiving broadcasts until the pair co-occurs again. Lift needs the global total
 * and is not supported here (cosine and Jaccard are). Neighbours that drop out of an item's top K keep their
 * older rows in the upsert table: readers take, per product and signal, the rows with the newest
 * {@code updated_at}.
 *
 * <p>Counters (namespace: this class): {@code in} (events), {@code user_activity_rows}, {@code neighbor_rows};
 * {@code to_item_messages} and {@code to_list_messages} (messages before the merge), {@code to_item_batches} and
 * {@code to_list_batches} (what was sent after it); {@code factor_examples} (with {@link #withFactorExamples}).
 */
public final class ItemToItemModel extends PTransform<PCollection<Event>, PCollectionTuple> {
  /** Rows of {@code item_neighbors}. */
  public static final TupleTag<TableRow> NEIGHBORS = new TupleTag<>("item_neighbors") {};
  /** Rows of {@code user_activity}. */
  public static final TupleTag<TableRow> USER_ACTIVITY = new TupleTag<>("user_activity") {};
  /** The factor model's training examples ({@link #withFactorExamples}), for {@link FactorTrainer}. */
  public static final TupleTag<FactorExample> FACTOR_EXAMPLES = new TupleTag<>("factor_examples") {};

  static final TupleTag<KV<String, ToItem>> TO_ITEMS = new TupleTag<>("to_items") {};

  private final ModelConfig config;
  private final Duration userStateTtl;
  private final Duration emitEvery;
  private final boolean emitAtEnd;
  private final Clock clock;
  private final boolean factorExamples;

  private ItemToItemModel(ModelConfig config, Duration userStateTtl, Duration emitEvery, boolean emitAtEnd,
      Clock clock, boolean factorExamples) {
    this.config = Objects.requireNonNull(config, "config");
    this.userStateTtl = Objects.requireNonNull(userStateTtl, "userStateTtl");
    this.emitEvery = Objects.requireNonNull(emitEvery, "emitEvery");
    this.emitAtEnd = emitAtEnd;
    this.clock = Objects.requireNonNull(clock, "clock");
    this.factorExamples = factorExamples;
    if (config.similarity() == Similarity.LIFT) {
      throw new IllegalArgumentException("lift needs the global total occurrence: use cosine or jaccard");
    }
    if (userStateTtl.isNegative() || userStateTtl.isZero() || emitEvery.isNegative()) {
      throw new IllegalArgumentException("userStateTtl must be > 0 and emitEvery >= 0");
    }
  }

  /** {@link ModelConfig#defaults()}, user state TTL 24 h, emit every 10 s, system clock. */
  public static ItemToItemModel create() {
    return new ItemToItemModel(ModelConfig.defaults(), Duration.ofHours(24), Duration.ofSeconds(10), false,
        Clock.systemUTC(), false);
  }

  public ItemToItemModel withConfig(ModelConfig value) {
    return new ItemToItemModel(value, userStateTtl, emitEvery, emitAtEnd, clock, factorExamples);
  }

  /** Inactivity (event time) after which a user's state is cleared. */
  public ItemToItemModel withUserStateTtl(Duration value) {
    return new ItemToItemModel(config, value, emitEvery, emitAtEnd, clock, factorExamples);
  }

  /** Minimum processing time between two emissions of one item's neighbours; zero emits on every change. */
  public ItemToItemModel withEmitEvery(Duration value) {
    return new ItemToItemModel(config, userStateTtl, value, false, clock, factorExamples);
  }

  /**
   * For bounded input (a backfill): each item's neighbours are emitted once, when the input ends (an event-time
   * timer at the end of the global window), instead of after every change. The final lists are the same; a
   * backfill writes one set of rows per item instead of one per co-occurrence, which on the DirectRunner was most
   * of a backfill's time. On unbounded input the rows would only come at drain: use {@link #withEmitEvery} there.
   */
  public ItemToItemModel withEmitAtEndOfInput() {
    return new ItemToItemModel(config, userStateTtl, Duration.ZERO, true, clock, factorExamples);
  }

  /** The clock of {@code updated_at} (serializable, e.g. {@link Clock#fixed}). */
  public ItemToItemModel withClock(Clock value) {
    return new ItemToItemModel(config, userStateTtl, emitEvery, emitAtEnd, value, factorExamples);
  }

  /**
   * Whether the per-user stage also outputs, as {@link #FACTOR_EXAMPLES}, one {@link FactorExample} per interaction
   * of a type weighing more than 0 (the user's recent items before it, and it), in the order it observes them.
   */
  public ItemToItemModel withFactorExamples(boolean value) {
    return new ItemToItemModel(config, userStateTtl, emitEvery, emitAtEnd, clock, value);
  }

  public ModelConfig config() {
    return config;
  }

  @Override
  public PCollectionTuple expand(PCollection<Event> events) {
    var toItemCoder = KvCoder.of(StringUtf8Coder.of(), ItemMessageCoders.ToItemCoder.INSTANCE);
    PCollectionTuple perUser = events
        .apply("GlobalWindow", Window.<Event>into(new GlobalWindows()))
        .apply("KeyByUser", MapElements
            .into(TypeDescriptors.kvs(TypeDescriptors.strings(), org.apache.beam.sdk.values.TypeDescriptor.of(Event.class)))
            .via((Event e) -> KV.of(e.userId(), e)))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), EventCoder.of()))
        .apply("UserActivity", ParDo.of(new UserFn(config, userStateTtl, clock, factorExamples))
            .withOutputTags(TO_ITEMS, factorExamples ? TupleTagList.of(USER_ACTIVITY).and(FACTOR_EXAMPLES)
                : TupleTagList.of(USER_ACTIVITY)));
    perUser.get(USER_ACTIVITY).setCoder(TableRowJsonCoder.of());

    PCollection<TableRow> neighbors = perUser.get(TO_ITEMS).setCoder(toItemCoder)
        .apply("ItemCounts", ParDo.of(new CountFn(config.maxNeighborsPerItem())))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), ListCoder.of(ItemMessageCoders.ToNeighborsCoder.INSTANCE)))
        .apply("ItemNeighbors", ParDo.of(new NeighborsFn(config, emitEvery, emitAtEnd, clock)))
        .setCoder(TableRowJsonCoder.of());
    PCollectionTuple out = PCollectionTuple.of(NEIGHBORS, neighbors).and(USER_ACTIVITY, perUser.get(USER_ACTIVITY));
    return factorExamples
        ? out.and(FACTOR_EXAMPLES, perUser.get(FACTOR_EXAMPLES).setCoder(FactorExample.Coder.INSTANCE)) : out;
  }

  /** The {@code user_activity} row of a history. */
  static TableRow userActivityRow(String userId, UserHistory history, java.time.Instant updatedAt) {
    List<UserActivityRow.RecentItem> recent = new ArrayList<>();
    for (Interaction i : history.recent()) {
      recent.add(new UserActivityRow.RecentItem(i.productId(), i.type().wireName(), i.time()));
    }
    return BigQueryTables.tableRow(new UserActivityRow(userId, recent, history.purchased(), updatedAt).toRow());
  }

  /** The {@code item_neighbors} row of one neighbour. */
  static TableRow neighborRow(String productId, Neighbor n, java.time.Instant updatedAt) {
    return BigQueryTables.tableRow(new ItemNeighborRow(productId, n.productId(), n.signal().wireName(), n.score(),
        n.rank(), n.coCount(), updatedAt).toRow());
  }

  /**
   * Per item: its occurrence count and its co-occurring items (an {@link ItemCounter}: partner ids and the combined
   * co-counts that order their eviction, bounded like the neighbour lists). Forwards each pair to the other item's
   * list with this item's count; when the count grows, reports it to the item's own list and to every tracked
   * partner's list, so their scores use the current count: once per bundle with the count at its end
   * ({@link CountBroadcasts}), not once per event.
   */
  static final class CountFn extends DoFn<KV<String, ToItem>, KV<String, List<ToNeighbors>>> {
    private final Counter toListMessages = Metrics.counter(ItemToItemModel.class, "to_list_messages");
    private final Counter toListBatches = Metrics.counter(ItemToItemModel.class, "to_list_batches");
    private final int maxPartners;
    private transient CountBroadcasts broadcasts;
    private transient BundleMerge.ToLists toLists;

    @StateId("item")
    private final StateSpec<ValueState<ItemCounter>> itemSpec =
        StateSpecs.value(ModelStateCoders.ItemCounterCoder.INSTANCE);

    CountFn(int maxPartners) {
      this.maxPartners = maxPartners;
    }

    @StartBundle
    public void startBundle() {
      broadcasts = new CountBroadcasts();
      toLists = new BundleMerge.ToLists();
    }

    @ProcessElement
    public void process(@Element KV<String, ToItem> element, @Timestamp Instant timestamp,
        @StateId("item") ValueState<ItemCounter> itemState) {
      String item = element.getKey();
      ToItem message = element.getValue();
      ItemCounter state = itemState.read();
      if (state == null) {
        state = new ItemCounter(item);
      }
      if (!message.occurrence().isZero()) {
        state.addOccurrence(message.occurrence());
        broadcasts.grew(state, timestamp);
      }
      for (Pair p : message.pairs()) {
        state.addCoOccurrence(p.other(), p.increment(), maxPartners);
        toLists.add(p.other(), item, p.increment(), state.count(), timestamp);
      }
      itemState.write(state);
    }

    @FinishBundle
    public void finishBundle(FinishBundleContext context) {
      broadcasts.drainInto(toLists);
      toListMessages.inc(toLists.added());
      for (var message : toLists.drain()) {
        context.output(message.getValue(), message.getTimestamp(), GlobalWindow.INSTANCE);
        toListBatches.inc();
      }
    }
  }

  /** Per item: the bounded candidate neighbours; emits the top-K rows per signal, throttled. */
  static final class NeighborsFn extends DoFn<KV<String, List<ToNeighbors>>, TableRow> {
    private final Counter neighborRows = Metrics.counter(ItemToItemModel.class, "neighbor_rows");
    private final ModelConfig config;
    private final Duration emitEvery;
    private final Clock clock;

    @StateId("neighbors")
    private final StateSpec<ValueState<ItemNeighbors>> neighborsSpec =
        StateSpecs.value(ModelStateCoders.ItemNeighborsCoder.INSTANCE);

    @StateId("pending")
    private final StateSpec<ValueState<Boolean>> pendingSpec =
        StateSpecs.value(org.apache.beam.sdk.coders.BooleanCoder.of());

    @TimerId("emit")
    private final TimerSpec emitSpec = TimerSpecs.timer(TimeDomain.PROCESSING_TIME);

    @TimerId("end")
    private final TimerSpec endSpec = TimerSpecs.timer(TimeDomain.EVENT_TIME);

    private final boolean emitAtEnd;

    NeighborsFn(ModelConfig config, Duration emitEvery, boolean emitAtEnd, Clock clock) {
      this.config = config;
      this.emitEvery = emitEvery;
      this.emitAtEnd = emitAtEnd;
      this.clock = clock;
    }

    @ProcessElement
    public void process(@Element KV<String, List<ToNeighbors>> element,
        @StateId("neighbors") ValueState<ItemNeighbors> neighborsState,
        @StateId("pending") ValueState<Boolean> pendingState,
        @TimerId("emit") Timer emit,
        @TimerId("end") Timer end,
        OutputReceiver<TableRow> out) {
      ItemNeighbors neighbors = neighborsState.read();
      if (neighbors == null) {
        neighbors = new ItemNeighbors(element.getKey());
      }
      boolean changed = false;
      for (ToNeighbors message : element.getValue()) {
        changed |= apply(neighbors, message, config.maxNeighborsPerItem());
      }
      if (!changed) {
        return;
      }
      neighborsState.write(neighbors);
      if (emitAtEnd) {
        if (!Boolean.TRUE.equals(pendingState.read())) {
          pendingState.write(true);
          end.set(GlobalWindow.INSTANCE.maxTimestamp());
        }
      } else if (emitEvery.isZero()) {
        emitRows(neighbors, out);
      } else if (!Boolean.TRUE.equals(pendingState.read())) {
        pendingState.write(true);
        emit.offset(org.joda.time.Duration.millis(emitEvery.toMillis())).setRelative();
        // a bounded input read in streaming mode (a file, a test, a bench) ends before the processing-time timer
        // may fire: what is still pending then goes out at its end; an unbounded input never gets there
        end.set(GlobalWindow.INSTANCE.maxTimestamp());
      }
    }

    /** Applies one message to a list; false when it changed nothing (a count report for a non-candidate). */
    static boolean apply(ItemNeighbors neighbors, ToNeighbors message, int maxNeighbors) {
      if (message.neighbor() == null) {
        neighbors.reportCount(message.count());
        return true;
      }
      if (message.increment().isZero()) {
        return neighbors.reportNeighborCount(message.neighbor(), message.count());
      }
      neighbors.addCoOccurrence(message.neighbor(), message.increment(), message.count(), maxNeighbors);
      return true;
    }

    @OnTimer("emit")
    public void onEmit(@StateId("neighbors") ValueState<ItemNeighbors> neighborsState,
        @StateId("pending") ValueState<Boolean> pendingState, OutputReceiver<TableRow> out) {
      pendingState.clear();
      ItemNeighbors neighbors = neighborsState.read();
      if (neighbors != null) {
        emitRows(neighbors, out);
      }
    }

    @OnTimer("end")
    public void onEnd(@StateId("neighbors") ValueState<ItemNeighbors> neighborsState,
        @StateId("pending") ValueState<Boolean> pendingState, OutputReceiver<TableRow> out) {
      if (Boolean.TRUE.equals(pendingState.read())) { // else the last change was emitted already
        onEmit(neighborsState, pendingState, out);
      }
    }

    private void emitRows(ItemNeighbors neighbors, OutputReceiver<TableRow> out) {
      java.time.Instant now = clock.instant();
      for (Signal signal : Signal.values()) {
        for (Neighbor n : neighbors.top(config.topK(), signal, config.similarity(), 0)) {
          out.output(neighborRow(neighbors.itemId(), n, now));
          neighborRows.inc();
        }
      }
    }
  }
}
