package dev.shopstream.pipeline.recommender;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.google.api.services.bigquery.model.TableRow;
import dev.shopstream.contract.Event;
import dev.shopstream.contract.EventType;
import dev.shopstream.contract.ProductLine;
import dev.shopstream.model.CoOccurrenceModel;
import dev.shopstream.model.ModelConfig;
import dev.shopstream.model.Neighbor;
import dev.shopstream.model.Signal;
import dev.shopstream.model.Similarity;
import dev.shopstream.pipeline.coders.EventCoder;
import java.io.Serializable;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TimestampedValue;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(TestPipelineExtension.class)
public class ItemToItemModelTest implements Serializable {
  private transient TestPipeline pipeline;

  private static final Instant NOW = Instant.parse("2026-11-22T12:00:00Z");
  private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

  /** Events sorted by time; u1's basket at 10:30 makes A, B and C co-occur pairwise with their final counts. */
  private static final List<Event> SCENARIO = List.of(
      event("e1", EventType.VIEW, "u1", "10:00", "A"),
      event("e2", EventType.VIEW, "u3", "10:02", "B"),
      event("e3", EventType.VIEW, "u2", "10:05", "A"),
      event("e4", EventType.VIEW, "u1", "10:10", "B"),
      event("e5", EventType.VIEW, "u3", "10:12", "A"),
      event("e6", EventType.VIEW, "u2", "10:15", "C"),
      event("e7", EventType.ADD_TO_CART, "u1", "10:20", "B"),
      event("e8", EventType.SEARCH, "u2", "10:25"),
      event("e9", EventType.PURCHASE, "u1", "10:30", "B", "C"));

  @BeforeEach
  public void pipeline(TestPipeline pipeline) {
    this.pipeline = pipeline;
  }

  @Test
  public void neighbourRowsAreTheModelModulesTopKAndUserActivityFollowsEachUser() {
    ModelConfig config = ModelConfig.defaults().toBuilder().similarity(Similarity.COSINE).build(); // the anchors below are cosine
    CoOccurrenceModel expected = model(config);
    Map<String, Neighbor> expectedRows = expectedRows(expected, config);
    // hand-checked anchors: B and C were bought together once, and only together: co_purchase cosine 1
    assertThat(expectedRows.get(key("B", "C", "co_purchase")).score()).isEqualTo(1.0);
    assertThat(expectedRows.get(key("B", "C", "co_purchase")).coCount()).isEqualTo(5.0);
    // A–B co-viewed by u1 (10 min apart) and u3 (10 min apart): 2·2^(-1/6) over sqrt(n(A)=3 · n(B)=2)
    assertThat(expectedRows.get(key("A", "B", "co_view")).score())
        .isCloseTo(2 * Math.pow(0.5, 10.0 / 60) / Math.sqrt(6), within(1e-12));
    // next (directed): u1 A → B (view, then cart, then purchase of B), A → C and B → C (the basket: B first);
    // u2 A → C; u3 B → A. C is never followed by anything: no next rows of C
    assertThat(expectedRows.keySet()).filteredOn(k -> k.endsWith(" next"))
        .containsExactlyInAnyOrder(key("A", "B", "next"), key("A", "C", "next"), key("B", "A", "next"),
            key("B", "C", "next"));
    assertThat(expectedRows).hasSize(16);
    List<String> expectedU1 = expected.user("u1").recent().stream()
        .map(i -> i.productId() + " " + i.type().wireName() + " " + i.time()).toList();

    TestStream.Builder<Event> stream = scenarioStream();
    PCollectionTuple out = pipeline
        .apply(stream.advanceProcessingTime(org.joda.time.Duration.standardSeconds(30))
            .advanceWatermarkToInfinity())
        .apply(ItemToItemModel.create().withConfig(config).withClock(CLOCK));

    PAssert.that(out.get(ItemToItemModel.NEIGHBORS)).satisfies(rows -> {
      Map<String, TableRow> byKey = byKey(rows);
      int count = 0;
      for (TableRow row : rows) {
        count++;
        assertThat(row.get("updated_at")).isEqualTo("2026-11-22T12:00:00Z");
      }
      assertThat(count).as("throttled: one emission per item").isEqualTo(expectedRows.size());
      assertThat(byKey.keySet()).isEqualTo(expectedRows.keySet());
      expectedRows.forEach((k, n) -> {
        TableRow row = byKey.get(k);
        assertThat(((Number) row.get("rank")).intValue()).as(k).isEqualTo(n.rank());
        assertThat(((Number) row.get("score")).doubleValue()).as(k).isCloseTo(n.score(), within(1e-9));
        assertThat(((Number) row.get("co_count")).doubleValue()).as(k).isCloseTo(n.coCount(), within(1e-9));
      });
      return null;
    });

    PAssert.that(out.get(ItemToItemModel.USER_ACTIVITY)).satisfies(rows -> {
      Map<String, List<TableRow>> byUser = new HashMap<>();
      rows.forEach(r -> byUser.computeIfAbsent((String) r.get("user_id"), u -> new ArrayList<>()).add(r));
      assertThat(byUser.get("u1")).as("one row per update; the search adds none").hasSize(4);
      assertThat(byUser.get("u2")).hasSize(2);
      assertThat(byUser.get("u3")).hasSize(2);
      TableRow latest = byUser.get("u1").stream().max((x, y) -> Integer.compare(recent(x).size(),
          recent(y).size())).orElseThrow();
      assertThat(recent(latest)).containsExactly(
          "C purchase 2026-11-22T10:30:00Z", "B purchase 2026-11-22T10:30:00Z", "A view 2026-11-22T10:00:00Z");
      assertThat(recent(latest)).as("the model module's history").isEqualTo(expectedU1);
      assertThat(latest.get("purchased")).isEqualTo(List.of("C", "B"));
      assertThat(latest.get("updated_at")).isEqualTo("2026-11-22T12:00:00Z");
      return null;
    });
    pipeline.run().waitUntilFinish();
  }

  @Test
  public void atTheEndOfInputEachItemsFinalListsAreEmittedOnceWithoutProcessingTime() {
    ModelConfig config = ModelConfig.defaults().toBuilder().similarity(Similarity.COSINE).build();
    assertEachItemEmittedOnceAtTheEnd(config,
        ItemToItemModel.create().withConfig(config).withClock(CLOCK).withEmitAtEndOfInput());
  }

  @Test
  public void aBoundedInputInStreamingModeFlushesWhatIsStillPendingAtItsEnd() {
    // the default: throttled by a processing-time timer (10 s) that never fires here, as when a file or a bench's
    // input ends in a few seconds; the end of the input emits each pending item's lists once
    ModelConfig config = ModelConfig.defaults().toBuilder().similarity(Similarity.COSINE).build();
    assertEachItemEmittedOnceAtTheEnd(config, ItemToItemModel.create().withConfig(config).withClock(CLOCK));
  }

  private void assertEachItemEmittedOnceAtTheEnd(ModelConfig config, ItemToItemModel transform) {
    CoOccurrenceModel expected = model(config);
    Map<String, Neighbor> expectedRows = expectedRows(expected, config);
    TestStream.Builder<Event> stream = scenarioStream();
    // no processing time passes: only the end of the input (the watermark at infinity) emits
    PCollectionTuple out = pipeline.apply(stream.advanceWatermarkToInfinity()).apply(transform);

    PAssert.that(out.get(ItemToItemModel.NEIGHBORS)).satisfies(rows -> {
      Map<String, TableRow> byKey = byKey(rows);
      int count = 0;
      for (TableRow row : rows) {
        count++;
      }
      assertThat(count).as("one emission per item, at the end").isEqualTo(expectedRows.size());
      assertThat(byKey.keySet()).isEqualTo(expectedRows.keySet());
      expectedRows.forEach((k, n) -> assertThat(((Number) byKey.get(k).get("score")).doubleValue()).as(k)
          .isCloseTo(n.score(), within(1e-9)));
      return null;
    });
    org.apache.beam.sdk.PipelineResult result = pipeline.run();
    result.waitUntilFinish();
    assertThat(dev.shopstream.pipeline.testing.TestEvents.counter(result, ItemToItemModel.class, "in"))
        .isEqualTo(SCENARIO.size());
    assertThat(dev.shopstream.pipeline.testing.TestEvents.counter(result, ItemToItemModel.class, "neighbor_rows"))
        .isEqualTo(expectedRows.size());
  }

  @Test
  public void boundsAndJaccardFollowTheConfig() {
    ModelConfig config = ModelConfig.defaults().toBuilder().similarity(Similarity.JACCARD).topK(1).build();
    CoOccurrenceModel expected = model(config);
    Map<String, Neighbor> expectedRows = expectedRows(expected, config);
    // top 1 per item and signal: A co_view/combined/next, B co_view/co_purchase/combined/next, C
    // co_view/co_purchase/combined (nothing came after C)
    assertThat(expectedRows).hasSize(10);
    // B–C bought together: Jaccard 5 / (5 + 5 − 5) = 1
    assertThat(expectedRows.get(key("B", "C", "co_purchase")).score()).isEqualTo(1.0);

    TestStream.Builder<Event> stream = scenarioStream();
    PCollectionTuple out = pipeline
        .apply(stream.advanceProcessingTime(org.joda.time.Duration.standardSeconds(30))
            .advanceWatermarkToInfinity())
        .apply(ItemToItemModel.create().withConfig(config).withClock(CLOCK));
    PAssert.that(out.get(ItemToItemModel.NEIGHBORS)).satisfies(rows -> {
      Map<String, Double> got = new TreeMap<>();
      rows.forEach(r -> {
        assertThat(((Number) r.get("rank")).intValue()).isEqualTo(1);
        got.put(key((String) r.get("product_id"), (String) r.get("neighbor_id"), (String) r.get("signal")),
            ((Number) r.get("score")).doubleValue());
      });
      assertThat(got.keySet()).isEqualTo(expectedRows.keySet());
      expectedRows.forEach((k, n) -> assertThat(got.get(k)).as(k).isCloseTo(n.score(), within(1e-9)));
      return null;
    });
    pipeline.run().waitUntilFinish();
  }

  @Test
  public void aUsersStateExpiresAfterTheTtlSoOldItemsNoLongerCoOccur() {
    // baseline: no decay, every pair counts 1; the 24 h horizon would pair u1's A and B, the 1 h TTL does not
    ModelConfig config = ModelConfig.itemKnnBaseline();
    List<Event> events = List.of(event("e1", EventType.VIEW, "u1", "10:00", "A"),
        event("e2", EventType.VIEW, "u2", "10:00", "A"), event("e3", EventType.VIEW, "u2", "10:50", "B"),
        event("e4", EventType.VIEW, "u1", "11:31", "B"));
    CoOccurrenceModel replay = new CoOccurrenceModel(config, Duration.ofHours(1));
    events.forEach(replay::observe);
    assertThat(replay.neighbors("A", 5, Signal.CO_VIEW))
        .as("the model module's replay with the same TTL agrees")
        .containsExactly(new Neighbor("B", Signal.CO_VIEW, 0.5, 1, 1.0));
    TestStream<Event> stream = TestStream.create(EventCoder.of())
        .addElements(at(event("e1", EventType.VIEW, "u1", "10:00", "A")))
        .addElements(at(event("e2", EventType.VIEW, "u2", "10:00", "A")))
        .addElements(at(event("e3", EventType.VIEW, "u2", "10:50", "B")))
        .advanceWatermarkTo(org.joda.time.Instant.parse("2026-11-22T11:30:00Z"))  // u1 expires at 11:00
        .addElements(at(event("e4", EventType.VIEW, "u1", "11:31", "B")))
        .advanceProcessingTime(org.joda.time.Duration.standardMinutes(1))
        .advanceWatermarkToInfinity();
    PCollectionTuple out = pipeline.apply(stream).apply(ItemToItemModel.create().withConfig(config)
        .withUserStateTtl(Duration.ofHours(1)).withClock(CLOCK));

    PAssert.that(out.get(ItemToItemModel.NEIGHBORS)).satisfies(rows -> {
      List<String> got = new ArrayList<>();
      rows.forEach(r -> got.add(r.get("product_id") + "->" + r.get("neighbor_id") + " " + r.get("signal")
          + " rank " + r.get("rank") + " co " + ((Number) r.get("co_count")).doubleValue() + " score "
          + ((Number) r.get("score")).doubleValue()));
      // only u2's pair: c(A,B) = 1, n(A) = n(B) = 2 → cosine 1/sqrt(4) = 0.5 (1.0 with u1's expired A);
      // A's list learns n(B) = 2 from B's counter although u1's B did not co-occur with A
      assertThat(got).containsExactlyInAnyOrder(
          "A->B co_view rank 1 co 1.0 score 0.5", "A->B combined rank 1 co 1.0 score 0.5",
          "B->A co_view rank 1 co 1.0 score 0.5", "B->A combined rank 1 co 1.0 score 0.5");
      return null;
    });
    PAssert.that(out.get(ItemToItemModel.USER_ACTIVITY)).satisfies(rows -> {
      List<String> u1 = new ArrayList<>();
      rows.forEach(r -> {
        if ("u1".equals(r.get("user_id"))) {
          u1.add(String.join(",", recent(r)));
        }
      });
      assertThat(u1).containsExactlyInAnyOrder("A view 2026-11-22T10:00:00Z", "B view 2026-11-22T11:31:00Z");
      return null;
    });
    pipeline.run().waitUntilFinish();
  }

  /**
   * The expiry counts from the user's newest event, not the first: the timer set at the first event's time + TTL
   * moves itself when it fires for a user who was active since, and clears the state only once the watermark has
   * passed the newest event + TTL.
   */
  @Test
  public void aUserActiveSinceTheFirstExpiryKeepsTheStateUntilTheTtlAfterTheNewestEvent() {
    ModelConfig config = ModelConfig.itemKnnBaseline();
    TestStream<Event> stream = TestStream.create(EventCoder.of())
        .addElements(at(event("e1", EventType.VIEW, "u1", "10:00", "A")))
        .addElements(at(event("e2", EventType.VIEW, "u1", "10:40", "B")))
        .advanceWatermarkTo(org.joda.time.Instant.parse("2026-11-22T11:20:00Z"))  // past 10:00 + 1 h, not 10:40 + 1 h
        .addElements(at(event("e3", EventType.VIEW, "u1", "11:30", "C")))
        .advanceWatermarkTo(org.joda.time.Instant.parse("2026-11-22T12:20:00Z"))  // past 10:40 + 1 h, not 11:30 + 1 h
        .addElements(at(event("e4", EventType.VIEW, "u1", "12:25", "D")))
        .advanceWatermarkTo(org.joda.time.Instant.parse("2026-11-22T13:30:00Z"))  // past 12:25 + 1 h: expired
        .addElements(at(event("e5", EventType.VIEW, "u1", "13:31", "E")))
        .advanceWatermarkToInfinity();
    PCollectionTuple out = pipeline.apply(stream).apply(ItemToItemModel.create().withConfig(config)
        .withUserStateTtl(Duration.ofHours(1)).withClock(CLOCK));

    PAssert.that(out.get(ItemToItemModel.USER_ACTIVITY)).satisfies(rows -> {
      List<String> products = new ArrayList<>();
      rows.forEach(r -> products.add(String.join(",", recent(r).stream().map(i -> i.split(" ")[0]).toList())));
      assertThat(products).containsExactlyInAnyOrder("A", "B,A", "C,B,A", "D,C,B,A", "E");
      return null;
    });
    pipeline.run().waitUntilFinish();
  }

  /**
   * One {@code user_activity} row per user and bundle, the one its last event there made (the earlier ones would
   * be superseded in the upsert table): a TestStream's {@code addElements} is one bundle on the DirectRunner.
   */
  @Test
  public void aUsersEventsInOneBundleGiveOneRowWithItsLastHistory() {
    ModelConfig config = ModelConfig.itemKnnBaseline();
    TestStream<Event> stream = TestStream.create(EventCoder.of())
        .addElements(at(event("e1", EventType.VIEW, "u1", "10:00", "A")),
            at(event("e2", EventType.VIEW, "u2", "10:01", "A")),
            at(event("e3", EventType.VIEW, "u1", "10:02", "B")),
            at(event("e4", EventType.SEARCH, "u1", "10:03")),
            at(event("e5", EventType.ADD_TO_CART, "u1", "10:04", "B")))
        .addElements(at(event("e6", EventType.VIEW, "u1", "10:05", "C")))
        .addElements(at(event("e7", EventType.SEARCH, "u2", "10:06")))
        .advanceWatermarkToInfinity();
    PCollectionTuple out = pipeline.apply(stream).apply(ItemToItemModel.create().withConfig(config)
        .withClock(CLOCK));

    PAssert.that(out.get(ItemToItemModel.USER_ACTIVITY)).satisfies(rows -> {
      List<String> got = new ArrayList<>();
      rows.forEach(r -> got.add(r.get("user_id") + ": " + String.join(",", recent(r).stream()
          .map(i -> i.split(" ")[0] + " " + i.split(" ")[1]).toList())));
      // per event (before) u1 had three rows in the first bundle; the search of u2 changes nothing: no row
      assertThat(got).containsExactlyInAnyOrder("u1: B add_to_cart,A view", "u2: A view",
          "u1: C view,B add_to_cart,A view");
      return null;
    });
    pipeline.run().waitUntilFinish();
  }

  @Test
  public void theNextSignalIsDirectedAndIsTheModelModulesTransitions() {
    ModelConfig config = ModelConfig.defaults().toBuilder().halfLife(Duration.ZERO).build();
    List<Event> events = List.of(event("e1", EventType.VIEW, "u1", "10:00", "X"),
        event("e2", EventType.VIEW, "u2", "10:01", "X"), event("e3", EventType.VIEW, "u1", "10:02", "Y"),
        event("e4", EventType.VIEW, "u2", "10:03", "Y"), event("e5", EventType.VIEW, "u2", "10:04", "Z"));
    CoOccurrenceModel replay = new CoOccurrenceModel(config);
    events.forEach(replay::observe);
    Map<String, Neighbor> expectedNext = new TreeMap<>();
    for (String item : List.of("X", "Y", "Z")) {
      replay.neighbors(item, config.topK(), Signal.NEXT).forEach(n -> expectedNext.put(key(item, n.productId(),
          "next"), n));
    }
    TestStream.Builder<Event> stream = TestStream.create(EventCoder.of());
    for (Event e : events) {
      stream = stream.addElements(at(e));
    }
    PCollectionTuple out = pipeline.apply(stream.advanceProcessingTime(org.joda.time.Duration.standardSeconds(30))
        .advanceWatermarkToInfinity()).apply(ItemToItemModel.create().withConfig(config).withClock(CLOCK));

    PAssert.that(out.get(ItemToItemModel.NEIGHBORS)).satisfies(rows -> {
      Map<String, TableRow> byKey = byKey(rows);
      List<String> next = new ArrayList<>();
      byKey.forEach((k, row) -> {
        if (k.endsWith(" next")) {
          next.add(k + " co " + ((Number) row.get("co_count")).doubleValue());
        }
      });
      // X then Y twice: Y after X (2), never X after Y; Z after Y (1) and after X two steps back (1/2)
      assertThat(next).containsExactlyInAnyOrder("X->Y next co 2.0", "X->Z next co 0.5", "Y->Z next co 1.0");
      assertThat(byKey).containsKeys(key("Y", "X", "combined"), key("X", "Y", "combined"));
      assertThat(expectedNext).hasSize(3);
      expectedNext.forEach((k, n) -> {
        TableRow row = byKey.get(k);
        assertThat(((Number) row.get("score")).doubleValue()).as("the model module's score of " + k)
            .isCloseTo(n.score(), within(1e-12));
        assertThat(((Number) row.get("rank")).intValue()).isEqualTo(n.rank());
      });
      return null;
    });
    pipeline.run().waitUntilFinish();
  }

  @Test
  public void liftIsRefusedBecauseItNeedsTheGlobalTotal() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> ItemToItemModel.create()
        .withConfig(ModelConfig.defaults().toBuilder().similarity(Similarity.LIFT).build()))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @SuppressWarnings("unchecked")
  private static List<String> recent(TableRow row) {
    List<String> out = new ArrayList<>();
    for (Object o : (List<Object>) row.get("recent_items")) {
      Map<String, Object> item = (Map<String, Object>) o;
      out.add(item.get("product_id") + " " + item.get("event_type") + " " + item.get("event_time"));
    }
    return out;
  }

  /** The model module fed the scenario in time order: the reference. */
  private static CoOccurrenceModel model(ModelConfig config) {
    CoOccurrenceModel model = new CoOccurrenceModel(config);
    SCENARIO.forEach(model::observe);
    return model;
  }

  /** The reference's top-K per item and signal, by {@link #key}. */
  private static Map<String, Neighbor> expectedRows(CoOccurrenceModel model, ModelConfig config) {
    Map<String, Neighbor> rows = new TreeMap<>();
    for (String item : List.of("A", "B", "C")) {
      for (Signal signal : Signal.values()) {
        for (Neighbor n : model.neighbors(item, config.topK(), signal)) {
          rows.put(key(item, n.productId(), signal.wireName()), n);
        }
      }
    }
    return rows;
  }

  /** The scenario as a TestStream, each event at its event time, in order. */
  private static TestStream.Builder<Event> scenarioStream() {
    TestStream.Builder<Event> stream = TestStream.create(EventCoder.of());
    for (Event e : SCENARIO) {
      stream = stream.addElements(at(e));
    }
    return stream;
  }

  /** Neighbour rows by {@link #key} (the last row of a key wins). */
  private static Map<String, TableRow> byKey(Iterable<TableRow> rows) {
    Map<String, TableRow> byKey = new TreeMap<>();
    for (TableRow row : rows) {
      byKey.put(key((String) row.get("product_id"), (String) row.get("neighbor_id"), (String) row.get("signal")), row);
    }
    return byKey;
  }

  private static String key(String item, String neighbor, String signal) {
    return item + "->" + neighbor + " " + signal;
  }

  private static TimestampedValue<Event> at(Event e) {
    return TimestampedValue.of(e, org.joda.time.Instant.ofEpochMilli(e.eventTime().toEpochMilli()));
  }

  private static Event event(String id, EventType type, String user, String hhmm, String... products) {
    Instant time = Instant.parse("2026-11-22T" + hhmm + ":00Z");
    List<ProductLine> lines = Arrays.stream(products).map(p -> new ProductLine(p, 1, null)).toList();
    return type == EventType.SEARCH
        ? new Event(id, type, user, null, time, List.of(), null, "tea", Map.of())
        : new Event(id, type, user, null, time, lines, null, null, Map.of());
  }
}
