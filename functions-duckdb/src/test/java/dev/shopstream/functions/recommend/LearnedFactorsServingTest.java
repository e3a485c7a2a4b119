package dev.shopstream.functions.recommend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shopstream.contract.EventType;
import dev.shopstream.contract.ItemFactorRow;
import dev.shopstream.contract.TableSchemas;
import dev.shopstream.functions.FakeExchange;
import dev.shopstream.functions.http.AccessPolicy;
import dev.shopstream.model.FactorConfig;
import dev.shopstream.model.FactorModel;
import dev.shopstream.model.Interaction;
import dev.shopstream.model.ModelConfig;
import dev.shopstream.model.Recommendation;
import dev.shopstream.warehouse.duckdb.DuckDbWarehouse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Serving with the learned factors: {@code item_factors} rows in a real DuckDB warehouse, written from a
 * {@link FactorModel} trained on a small planted log (two clusters of products, each user shopping in one), read
 * into the snapshot and ranked by the user endpoint at the default φ.
 */
class LearnedFactorsServingTest {
  private static final Instant NOW = ShopFixture.NOW;
  private static final Instant TRAINED = NOW.minus(Duration.ofHours(1));
  /** Defaults (φ = 4); full loads an hour apart, so the refreshes between read changed rows. */
  private static final RecommendConfig CONFIG = RecommendConfig.defaults(AccessPolicy.open())
      .withLimits(10, 3, 512)
      .withSnapshotReads(new RecommendConfig.SnapshotReads(Duration.ofSeconds(30), Duration.ofHours(1)));

  @TempDir
  Path folder;
  private DuckDbWarehouse warehouse;
  private final TestClock clock = new TestClock(NOW);
  /** Held: a logger nobody references can be collected, and its handler with it. */
  private final Logger factorLog = Logger.getLogger(FactorRows.class.getName());
  private final List<LogRecord> warnings = new ArrayList<>();
  private final Handler capture = new Handler() {
    @Override
    public void publish(LogRecord r) {
      warnings.add(r);
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  };

  @BeforeEach
  void open() throws Exception {
    warehouse = DuckDbWarehouse.open(folder.resolve("warehouse.duckdb"));
    factorLog.addHandler(capture);
  }

  @AfterEach
  void close() {
    factorLog.removeHandler(capture);
    warehouse.close();
  }

  /** Two clusters, a-1..a-6 and b-1..b-6; 60 users each view 6 products of one cluster, in a random order. */
  static FactorModel trainedOnPlantedLog() {
    FactorModel model = new FactorModel(FactorConfig.defaults().withDimensions(8));
    Random random = new Random(7);
    for (int u = 0; u < 60; u++) {
      String cluster = u % 2 == 0 ? "a-" : "b-";
      List<Interaction> history = new ArrayList<>();
      for (int step = 0; step < 6; step++) {
        Interaction x = new Interaction(cluster + (1 + random.nextInt(6)), EventType.VIEW,
            TRAINED.minus(Duration.ofDays(1)).plusSeconds(u * 100L + step));
        model.observe(history, x);
        history.add(x);
      }
    }
    return model;
  }

  private static List<Map<String, Object>> rows(FactorModel model, String version, Instant at) {
    List<Map<String, Object>> rows = new ArrayList<>();
    for (String id : model.ids()) {
      FactorModel.Vectors v = model.vectors(id);
      rows.add(new ItemFactorRow(id, v.context(), v.target(), v.bias(), version, model.steps(), at).toRow());
    }
    return rows;
  }

  /** carol viewed a-1 and bought nothing, an hour before NOW: not mid-session, so φ counts in full. */
  private void insertCarol() throws Exception {
    warehouse.insert(TableSchemas.userActivity(), List.of(ShopFixture.user("carol",
        List.of(ShopFixture.recent("a-1", "view", TRAINED)), List.of())));
  }

  private static JsonNode answer(RecommendFunction function, String user) throws Exception {
    FakeExchange x = FakeExchange.request("GET", "/recommendations").query("user_id", user).query("k", "5")
        .serve(function);
    assertThat(x.status()).as(x.text()).isEqualTo(200);
    return x.json();
  }

  private static List<String> ids(JsonNode body) {
    return body.get("items").findValuesAsText("product_id");
  }

  @Test
  void theUserEndpointRanksByTheLearnedFactorsAndSaysWhichOfTheUsersItemsLedThem() throws Exception {
    FactorModel model = trainedOnPlantedLog();
    warehouse.insert(TableSchemas.itemFactors(), rows(model, "run-1", TRAINED));
    insertCarol();
    RecommendFunction function = new RecommendFunction(new DuckDbRecommendationStore(warehouse), CONFIG, clock,
        mock(ScheduledExecutorService.class));
    assertThat(function.refreshSnapshot()).isTrue();

    JsonNode body = answer(function, "carol");

    // no neighbour lists, no trends: the factor part alone ranks, in the model's own order
    List<Interaction> history = List.of(new Interaction("a-1", EventType.VIEW, TRAINED));
    List<String> expected = model.recommend(history, 5, Set.of()).stream().map(Recommendation::productId).toList();
    assertThat(ids(body)).isEqualTo(expected);
    assertThat(ids(body).subList(0, 4)).as("the planted cluster first").allMatch(id -> id.startsWith("a-"));
    assertThat(body.get("items").findValuesAsText("reason")).containsOnly("because you viewed a-1");
    assertThat(body.has("fallback")).as(body.toString()).isFalse();

    RecommendFunction without = new RecommendFunction(new DuckDbRecommendationStore(warehouse),
        CONFIG.withModel(ModelConfig.defaults().toBuilder().factorWeight(0).build()), clock,
        mock(ScheduledExecutorService.class));
    assertThat(without.refreshSnapshot()).isTrue();
    assertThat(answer(without, "carol").get("items")).as("FACTOR_WEIGHT=0: no factors").isEmpty();
  }

  @Test
  void aNewModelVersionReplacesTheOldOneAndIncrementalRefreshesReadOnlyChangedRows() throws Exception {
    FactorModel model = trainedOnPlantedLog();
    warehouse.insert(TableSchemas.itemFactors(), rows(model, "run-1", TRAINED));
    DuckDbRecommendationStore store = new DuckDbRecommendationStore(warehouse);
    SnapshotRefresher refresher = new SnapshotRefresher(store, CONFIG, clock, mock(ScheduledExecutorService.class));
    assertThat(refresher.refresh()).isTrue();
    FactorModel first = refresher.current().orElseThrow().snapshot().factors();
    assertThat(first.ids()).containsExactlyInAnyOrderElementsOf(model.ids());
    assertThat(refresher.lastLoad().factorRowsRead()).isEqualTo(model.ids().size());

    // nothing changed: the next refresh reads no factor row and keeps the scorer built before
    clock.advance(Duration.ofMinutes(1));
    assertThat(refresher.refresh()).isTrue();
    assertThat(refresher.lastLoad().full()).isFalse();
    assertThat(refresher.lastLoad().factorRowsRead()).isZero();
    assertThat(refresher.current().orElseThrow().snapshot().factors()).isSameAs(first);

    // one product's row changes (same run): read alone, and scored with its new bias
    FactorModel.Vectors a2 = model.vectors("a-2");
    warehouse.insert(TableSchemas.itemFactors(), List.of(new ItemFactorRow("a-2", a2.context(), a2.target(),
        a2.bias() + 50, "run-1", model.steps() + 1, clock.instant()).toRow()));
    clock.advance(Duration.ofMinutes(1));
    assertThat(refresher.refresh()).isTrue();
    assertThat(refresher.lastLoad().full()).isFalse();
    assertThat(refresher.lastLoad().factorRowsRead()).isEqualTo(1);
    FactorModel changed = refresher.current().orElseThrow().snapshot().factors();
    assertThat(changed.vectors("a-2").bias()).isEqualTo(a2.bias() + 50);
    assertThat(changed.ids()).hasSameSizeAs(model.ids());

    // a new training run writes its first rows: from then on only its rows score, the old run's are ignored
    FactorModel second = new FactorModel(FactorConfig.defaults().withDimensions(4).withSeed(9));
    second.observe(List.of(), new Interaction("b-1", EventType.VIEW, NOW));
    second.observe(List.of(new Interaction("b-1", EventType.VIEW, NOW)), new Interaction("b-2", EventType.VIEW, NOW));
    warehouse.insert(TableSchemas.itemFactors(), rows(second, "run-2", clock.instant()));
    clock.advance(Duration.ofMinutes(1));
    assertThat(refresher.refresh()).isTrue();
    assertThat(refresher.lastLoad().full()).isFalse();
    FactorModel switched = refresher.current().orElseThrow().snapshot().factors();
    assertThat(switched.ids()).containsExactlyInAnyOrder("b-1", "b-2");
    assertThat(switched.config().dimensions()).isEqualTo(4);

    // a full load (a new instance) gives the same
    SnapshotRefresher fresh = new SnapshotRefresher(store, CONFIG, clock, mock(ScheduledExecutorService.class));
    assertThat(fresh.refresh()).isTrue();
    assertThat(fresh.current().orElseThrow().snapshot().factors().ids()).containsExactlyInAnyOrder("b-1", "b-2");
  }

  @Test
  void aModelOfMoreProductsThanTheScorersInitialCapacityLoadsWhole() throws Exception {
    // 400 products: past the 256 the scorer's arrays start with (a catalog, not a handful), under the row cap (512)
    Random random = new Random(3);
    List<Map<String, Object>> rows = new ArrayList<>();
    for (int i = 0; i < 400; i++) {
      double[] p = {random.nextGaussian(), random.nextGaussian()};
      double[] q = {random.nextGaussian(), random.nextGaussian()};
      rows.add(new ItemFactorRow("p-" + i, p, q, i / 400.0, "run-1", 1_000, TRAINED).toRow());
    }
    warehouse.insert(TableSchemas.itemFactors(), rows);
    SnapshotRefresher refresher = new SnapshotRefresher(new DuckDbRecommendationStore(warehouse), CONFIG, clock,
        mock(ScheduledExecutorService.class));

    assertThat(refresher.refresh()).isTrue();

    FactorModel scorer = refresher.current().orElseThrow().snapshot().factors();
    assertThat(scorer.items()).isEqualTo(400);
    for (int i : new int[] {0, 255, 256, 399}) {
      assertThat(scorer.vectors("p-" + i).bias()).isEqualTo(i / 400.0);
    }
  }

  @Test
  void badRowsAreSkippedWithAWarningNamingTheProductAndTheFieldAndTheRestServes() throws Exception {
    FactorModel model = trainedOnPlantedLog();
    warehouse.insert(TableSchemas.itemFactors(), rows(model, "run-1", TRAINED));
    try (var c = warehouse.connect(); var s = c.createStatement()) { // what no ItemFactorRow would write
      s.execute("INSERT INTO item_factors VALUES ('bad-nan', [1.0, 'nan'::DOUBLE, 0, 0, 0, 0, 0, 0], "
          + "[0, 0, 0, 0, 0, 0, 0, 0], 0, 'run-1', 1, '" + TRAINED + "')");
      s.execute("INSERT INTO item_factors VALUES ('bad-null', [1.0, 0, 0, 0, 0, 0, 0, 0], "
          + "[0, 0, NULL, 0, 0, 0, 0, 0], 0, 'run-1', 1, '" + TRAINED + "')");
      s.execute("INSERT INTO item_factors VALUES ('bad-lengths', [1.0, 0], [0, 0, 0], 0, 'run-1', 1, '"
          + TRAINED + "')");
      s.execute("INSERT INTO item_factors VALUES ('bad-dims', [1.0, 0], [0, 0], 0, 'run-1', 1, '" + TRAINED + "')");
    }
    insertCarol();
    RecommendFunction function = new RecommendFunction(new DuckDbRecommendationStore(warehouse), CONFIG, clock,
        mock(ScheduledExecutorService.class));

    assertThat(function.refreshSnapshot()).isTrue();

    JsonNode body = answer(function, "carol");
    assertThat(ids(body)).hasSize(5).allMatch(id -> !id.startsWith("bad-"));
    Map<String, String> fieldByProduct = new LinkedHashMap<>();
    for (LogRecord r : warnings) {
      ObjectNode fields = (ObjectNode) r.getParameters()[0];
      assertThat(fields.get("table").asText()).isEqualTo("item_factors");
      fieldByProduct.put(fields.get(ItemFactorRow.PRODUCT_ID).asText(), fields.get("field").asText());
    }
    assertThat(fieldByProduct).containsExactlyInAnyOrderEntriesOf(Map.of("bad-nan", "context_embedding",
        "bad-null", "target_embedding", "bad-lengths", "target_embedding", "bad-dims", "context_embedding"));
  }
}
