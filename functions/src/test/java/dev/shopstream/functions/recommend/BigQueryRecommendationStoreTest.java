package dev.shopstream.functions.recommend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import com.google.cloud.bigquery.BigQuery;
import com.google.cloud.bigquery.BigQueryException;
import com.google.cloud.bigquery.Field;
import com.google.cloud.bigquery.FieldList;
import com.google.cloud.bigquery.FieldValue;
import com.google.cloud.bigquery.FieldValueList;
import com.google.cloud.bigquery.QueryJobConfiguration;
import com.google.cloud.bigquery.QueryParameterValue;
import com.google.cloud.bigquery.StandardSQLTypeName;
import com.google.cloud.bigquery.TableResult;
import dev.shopstream.contract.EventType;
import dev.shopstream.functions.recommend.RecommendationStore.CatalogEntry;
import dev.shopstream.functions.recommend.RecommendationStore.NeighborRow;
import dev.shopstream.functions.recommend.RecommendationStore.Trends;
import dev.shopstream.functions.recommend.RecommendationStore.UserActivity;
import dev.shopstream.model.Interaction;
import dev.shopstream.model.ModelConfig;
import dev.shopstream.model.Neighbor;
import dev.shopstream.model.Signal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.mockito.ArgumentCaptor;

/** The BigQuery store against a Mockito {@link BigQuery}: the queries it sends and how it reads the answers. */
class BigQueryRecommendationStoreTest {
  private static final String HOSTILE_USER = "u-1' OR '1'='1";
  private static final String DATASET = "my-project.shop_events";
  private static final String T = "1795176000.0"; // 2026-11-20T12:00:00Z in BigQuery's seconds

  private final BigQuery bigQuery = mock(BigQuery.class);
  private final BigQueryRecommendationStore store = new BigQueryRecommendationStore(bigQuery, DATASET);

  private static FieldValueList row(FieldList schema, String... values) {
    List<FieldValue> out = new ArrayList<>();
    for (String v : values) {
      out.add(FieldValue.of(FieldValue.Attribute.PRIMITIVE, v));
    }
    return FieldValueList.of(out, schema);
  }

  private static FieldList schema(Object... namesAndTypes) {
    List<Field> fields = new ArrayList<>();
    for (int i = 0; i < namesAndTypes.length; i += 2) {
      fields.add(Field.of((String) namesAndTypes[i], (StandardSQLTypeName) namesAndTypes[i + 1]));
    }
    return FieldList.of(fields);
  }

  private void answer(FieldValueList... rows) throws Exception {
    TableResult result = mock(TableResult.class);
    when(result.iterateAll()).thenReturn(List.of(rows));
    when(bigQuery.query(any(QueryJobConfiguration.class))).thenReturn(result);
  }

  private QueryJobConfiguration sent() throws Exception {
    ArgumentCaptor<QueryJobConfiguration> sent = ArgumentCaptor.forClass(QueryJobConfiguration.class);
    verify(bigQuery).query(sent.capture());
    QueryJobConfiguration query = sent.getValue();
    assertThat(query.useLegacySql()).isFalse();
    assertThat(query.getPositionalParameters()).isEmpty();
    return query;
  }

  @Test
  void userActivityTakesTheUserAsANamedParameterOnly() throws Exception {
    FieldList s = schema("kind", StandardSQLTypeName.STRING, "product_id", StandardSQLTypeName.STRING,
        "event_type", StandardSQLTypeName.STRING, "event_time", StandardSQLTypeName.TIMESTAMP,
        "position", StandardSQLTypeName.INT64, "updated_at", StandardSQLTypeName.TIMESTAMP);
    answer(row(s, "user", null, null, null, "0", T),
        row(s, "recent", "tea-02", "view", T, "0", null),
        row(s, "recent", "mug-01", "purchase", "1795168800.0", "1", null),
        row(s, "recent", "odd-1", "teleport", T, "2", null),
        row(s, "purchased", "mug-01", null, null, "0", null));

    Optional<UserActivity> activity = store.userActivity(HOSTILE_USER);

    QueryJobConfiguration query = sent();
    assertThat(query.getNamedParameters()).containsExactlyEntriesOf(
        java.util.Map.of("user_id", QueryParameterValue.string(HOSTILE_USER)));
    assertThat(query.getQuery()).contains("`my-project.shop_events.user_activity`", "@user_id")
        .doesNotContain(HOSTILE_USER, "u-1");
    Instant t = Instant.parse("2026-11-20T12:00:00Z");
    assertThat(activity).contains(new UserActivity(HOSTILE_USER, List.of(
        new Interaction("tea-02", EventType.VIEW, t),
        new Interaction("mug-01", EventType.PURCHASE, t.minusSeconds(7200))), List.of("mug-01"), t));
  }

  @Test
  void userChangesTakeTheTimeAndTheLimitAsParameters() throws Exception {
    FieldList s = schema("user_id", StandardSQLTypeName.STRING, "updated_at", StandardSQLTypeName.TIMESTAMP);
    answer(row(s, "alice", T), row(s, HOSTILE_USER, "1795168800.0"));
    Instant t = Instant.parse("2026-11-20T12:00:00Z");

    List<RecommendationStore.UserChange> changes = store.userChanges(t.minusSeconds(30).plusNanos(1000), 500);

    QueryJobConfiguration query = sent();
    assertThat(query.getNamedParameters()).containsExactlyInAnyOrderEntriesOf(java.util.Map.of(
        "since", QueryParameterValue.timestamp(1_795_175_970_000_001L),
        "max_rows", QueryParameterValue.int64(500L)));
    assertThat(query.getQuery()).contains("`my-project.shop_events.user_activity`", "@since", "@max_rows",
        "GROUP BY user_id");
    assertThat(changes).containsExactly(new RecommendationStore.UserChange("alice", t),
        new RecommendationStore.UserChange(HOSTILE_USER, t.minusSeconds(7200)));
  }

  @Test
  void anUnknownUserIsEmpty() throws Exception {
    answer();
    assertThat(store.userActivity("nobody")).isEmpty();
  }

  @Test
  void neighboursAreTheLatestListsWithTheRowLimitAsAParameter() throws Exception {
    FieldList s = schema("product_id", StandardSQLTypeName.STRING, "neighbor_id", StandardSQLTypeName.STRING,
        "signal", StandardSQLTypeName.STRING, "score", StandardSQLTypeName.FLOAT64,
        "rank", StandardSQLTypeName.INT64, "co_count", StandardSQLTypeName.FLOAT64,
        "updated_at", StandardSQLTypeName.TIMESTAMP);
    answer(row(s, "tea-02", "pot-03", "co_view", "0.9", "1", "4.5", T),
        row(s, "tea-02", "mug-01", "combined", "0.6", "1", null, T),
        row(s, "tea-02", "x", "co_future", "0.6", "1", null, T));

    List<NeighborRow> rows = store.neighbors(1234);

    QueryJobConfiguration query = sent();
    assertThat(query.getNamedParameters()).containsEntry("max_rows", QueryParameterValue.int64(1234L));
    assertThat(query.getQuery()).contains("`my-project.shop_events.item_neighbors`", "QUALIFY", "MAX(updated_at)",
        "@max_rows");
    Instant t = Instant.parse("2026-11-20T12:00:00Z");
    assertThat(rows).containsExactly(
        new NeighborRow("tea-02", new Neighbor("pot-03", Signal.CO_VIEW, 0.9, 1, 4.5), t),
        new NeighborRow("tea-02", new Neighbor("mug-01", Signal.COMBINED, 0.6, 1, 0), t));
  }

  @Test
  void changedNeighboursFilterOnUpdatedAtSoThePartitionsArePruned() throws Exception {
    FieldList s = schema("product_id", StandardSQLTypeName.STRING, "neighbor_id", StandardSQLTypeName.STRING,
        "signal", StandardSQLTypeName.STRING, "score", StandardSQLTypeName.FLOAT64,
        "rank", StandardSQLTypeName.INT64, "co_count", StandardSQLTypeName.FLOAT64,
        "updated_at", StandardSQLTypeName.TIMESTAMP);
    answer(row(s, "tea-02", "pot-03", "co_view", "0.9", "1", "4.5", T));
    Instant t = Instant.parse("2026-11-20T12:00:00Z");

    List<NeighborRow> rows = store.neighborsChangedSince(t.minusSeconds(65), 1000);

    QueryJobConfiguration query = sent();
    assertThat(query.getNamedParameters()).containsExactlyInAnyOrderEntriesOf(java.util.Map.of(
        "since", QueryParameterValue.timestamp(1_795_175_935_000_000L),
        "max_rows", QueryParameterValue.int64(1000L)));
    assertThat(query.getQuery()).contains("`my-project.shop_events.item_neighbors`")
        .containsPattern("WHERE updated_at >= @since\\s+QUALIFY updated_at = MAX\\(updated_at\\) OVER "
            + "\\(PARTITION BY product_id, signal\\)");
    assertThat(rows).containsExactly(new NeighborRow("tea-02", new Neighbor("pot-03", Signal.CO_VIEW, 0.9, 1, 4.5),
        t));
  }

  private static FieldValue numbers(String... values) {
    List<FieldValue> out = new ArrayList<>();
    for (String v : values) {
      out.add(FieldValue.of(FieldValue.Attribute.PRIMITIVE, v));
    }
    return FieldValue.of(FieldValue.Attribute.REPEATED, out);
  }

  private static FieldValueList factorRow(String product, FieldValue context, FieldValue target, String bias) {
    FieldList s = FieldList.of(Field.of("product_id", StandardSQLTypeName.STRING),
        Field.newBuilder("context_embedding", StandardSQLTypeName.FLOAT64).setMode(Field.Mode.REPEATED).build(),
        Field.newBuilder("target_embedding", StandardSQLTypeName.FLOAT64).setMode(Field.Mode.REPEATED).build(),
        Field.of("bias", StandardSQLTypeName.FLOAT64), Field.of("model_version", StandardSQLTypeName.STRING),
        Field.of("model_steps", StandardSQLTypeName.INT64), Field.of("updated_at", StandardSQLTypeName.TIMESTAMP));
    return FieldValueList.of(List.of(FieldValue.of(FieldValue.Attribute.PRIMITIVE, product), context, target,
        FieldValue.of(FieldValue.Attribute.PRIMITIVE, bias), FieldValue.of(FieldValue.Attribute.PRIMITIVE, "run-1"),
        FieldValue.of(FieldValue.Attribute.PRIMITIVE, "12"), FieldValue.of(FieldValue.Attribute.PRIMITIVE, T)), s);
  }

  @Test
  void factorRowsReadTheRepeatedEmbeddingsFilterOnUpdatedAtAndSkipBadRows() throws Exception {
    answer(factorRow("tea-02", numbers("0.5", "-0.25"), numbers("1.5", "0"), "-0.75"),
        factorRow("bad-nan", numbers("0.5", "NaN"), numbers("1.5", "0"), "0"),
        factorRow("bad-null", numbers("0.5", null), numbers("1.5", "0"), "0"),
        factorRow("bad-lengths", numbers("0.5"), numbers("1.5", "0"), "0"));
    Instant t = Instant.parse("2026-11-20T12:00:00Z");

    List<dev.shopstream.contract.ItemFactorRow> rows = store.factorsChangedSince(t.minusSeconds(30), 500);

    QueryJobConfiguration query = sent();
    assertThat(query.getNamedParameters()).containsExactlyInAnyOrderEntriesOf(java.util.Map.of(
        "since", QueryParameterValue.timestamp(1_795_175_970_000_000L),
        "max_rows", QueryParameterValue.int64(500L)));
    assertThat(query.getQuery()).contains("`my-project.shop_events.item_factors`", "WHERE updated_at >= @since",
        "PARTITION BY product_id ORDER BY updated_at DESC", "@max_rows");
    assertThat(rows).containsExactly(new dev.shopstream.contract.ItemFactorRow("tea-02", new double[] {0.5, -0.25},
        new double[] {1.5, 0}, -0.75, "run-1", 12, t));
  }

  @Test
  void aFullReadOfFactorRowsHasNoFilter() throws Exception {
    answer();
    assertThat(store.factors(7)).isEmpty();
    QueryJobConfiguration query = sent();
    assertThat(query.getNamedParameters()).containsExactlyEntriesOf(
        java.util.Map.of("max_rows", QueryParameterValue.int64(7L)));
    assertThat(query.getQuery()).contains("`my-project.shop_events.item_factors`", "WHERE TRUE")
        .doesNotContain("@since");
  }

  @Test
  void changedTrendRowsFilterOnUpdatedAtAndTakeTheNewestPaneOfWindowsNotExpired() throws Exception {
    FieldList s = schema("product_id", StandardSQLTypeName.STRING, "event_type", StandardSQLTypeName.STRING,
        "window_start", StandardSQLTypeName.TIMESTAMP, "window_end", StandardSQLTypeName.TIMESTAMP,
        "events", StandardSQLTypeName.INT64, "units", StandardSQLTypeName.INT64,
        "timing", StandardSQLTypeName.STRING, "updated_at", StandardSQLTypeName.TIMESTAMP);
    answer(row(s, "tea-02", "view", "1795172400.0", T, "6", "9", "ON_TIME", T));
    Instant t = Instant.parse("2026-11-20T12:00:00Z");

    List<RecommendationStore.TrendRow> rows = store.trendRowsChangedSince(t.minusSeconds(65),
        Duration.ofDays(7), 1000);

    QueryJobConfiguration query = sent();
    assertThat(query.getNamedParameters()).containsExactlyInAnyOrderEntriesOf(java.util.Map.of(
        "since", QueryParameterValue.timestamp(1_795_175_935_000_000L),
        "window_seconds", QueryParameterValue.int64(7 * 86_400L),
        "max_rows", QueryParameterValue.int64(1000L)));
    assertThat(query.getQuery()).contains("`my-project.shop_events.product_trends`", "WHERE updated_at >= @since",
        "PARTITION BY product_id, event_type, window_start ORDER BY updated_at DESC",
        "window_end > TIMESTAMP_SUB(MAX(window_end) OVER (), INTERVAL @window_seconds SECOND)");
    assertThat(rows).containsExactly(new RecommendationStore.TrendRow("tea-02", "view", t.minusSeconds(3600), t, 6,
        t));
  }

  @Test
  void trendsPassTheModelsWeightsAndTheWindowAsParameters() throws Exception {
    FieldList s = schema("product_id", StandardSQLTypeName.STRING, "trend_score", StandardSQLTypeName.FLOAT64,
        "events", StandardSQLTypeName.INT64, "newest", StandardSQLTypeName.TIMESTAMP,
        "updated", StandardSQLTypeName.TIMESTAMP);
    answer(row(s, "mug-03", "15.0", "3", T, T));

    Trends trends = store.trends(Duration.ofDays(7), ModelConfig.defaults(), 99);

    QueryJobConfiguration query = sent();
    assertThat(query.getNamedParameters())
        .containsEntry("view_weight", QueryParameterValue.float64(1.0))
        .containsEntry("add_to_cart_weight", QueryParameterValue.float64(3.0))
        .containsEntry("purchase_weight", QueryParameterValue.float64(5.0))
        .containsEntry("window_seconds", QueryParameterValue.int64(604_800L))
        .containsEntry("max_rows", QueryParameterValue.int64(99L));
    assertThat(query.getQuery()).contains("`my-project.shop_events.product_trends`").doesNotContain("604800");
    assertThat(trends.products()).containsExactly(new RecommendationStore.TrendScore("mug-03", 15.0, 3));
    assertThat(trends.newestWindowEnd()).isEqualTo(Instant.parse("2026-11-20T12:00:00Z"));
  }

  @Test
  void catalogTreatsAMissingAvailabilityAsAvailable() throws Exception {
    FieldList s = schema("product_id", StandardSQLTypeName.STRING, "title", StandardSQLTypeName.STRING,
        "category", StandardSQLTypeName.STRING, "available", StandardSQLTypeName.BOOL,
        "updated_at", StandardSQLTypeName.TIMESTAMP);
    answer(row(s, "a", "A", "home", "true", T), row(s, "b", null, null, null, T),
        row(s, "c", "C", "home", "false", T));

    assertThat(store.catalog(10)).containsExactly(new CatalogEntry("a", "A", "home", true),
        new CatalogEntry("b", null, null, true), new CatalogEntry("c", "C", "home", false));
    assertThat(sent().getQuery()).contains("`my-project.shop_events.products`", "ROW_NUMBER()");
  }

  @Test
  void queryFailureBecomesStoreException() throws Exception {
    when(bigQuery.query(any(QueryJobConfiguration.class))).thenThrow(new BigQueryException(503, "backend error"));

    assertThatThrownBy(() -> store.neighbors(10))
        .isInstanceOf(StoreException.class).hasMessageContaining("backend error");
    assertThatThrownBy(() -> store.userActivity("u"))
        .isInstanceOf(StoreException.class).hasMessageContaining("user_activity");
  }

  @Test
  void aFailingPageIsAStoreExceptionToo() throws Exception {
    TableResult result = mock(TableResult.class);
    when(result.iterateAll()).thenThrow(new BigQueryException(500, "page failed"));
    when(bigQuery.query(any(QueryJobConfiguration.class))).thenReturn(result);

    assertThatThrownBy(() -> store.catalog(10)).isInstanceOf(StoreException.class).hasMessageContaining("page failed");
  }

  @Test
  void datasetMustBeProjectDotDataset() {
    for (String bad : new String[] {"shop_events", "my-project.shop-events", "my-project.shop`; DROP TABLE x; --",
        "My-Project.shop", "my-project.shop.events"}) {
      assertThatThrownBy(() -> new BigQueryRecommendationStore(bigQuery, bad))
          .isInstanceOf(IllegalArgumentException.class);
    }
    new BigQueryRecommendationStore(bigQuery, "example.com:my-project.shop_events");
  }
}
