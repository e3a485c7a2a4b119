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
import dev.shopstream.contract.Json;
import dev.shopstream.functions.FakeExchange;
import dev.shopstream.functions.http.AccessPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.mockito.ArgumentCaptor;

/** The BigQuery store against a Mockito {@link BigQuery}: the query it sends and how it reads the answer. */
class BigQueryRecommendationStoreTest {
  private static final String HOSTILE_USER = "u-1' OR '1'='1";
  private static final FieldList SCHEMA = FieldList.of(
      Field.of("as_of", StandardSQLTypeName.TIMESTAMP),
      Field.of("product_id", StandardSQLTypeName.STRING),
      Field.of("purchases", StandardSQLTypeName.INT64),
      Field.of("add_to_carts", StandardSQLTypeName.INT64),
      Field.of("views", StandardSQLTypeName.INT64),
      Field.of("score", StandardSQLTypeName.INT64),
      Field.of("position", StandardSQLTypeName.INT64));

  private final BigQuery bigQuery = mock(BigQuery.class);

  /** One row of the query's answer; nulls are SQL NULLs. */
  private static FieldValueList row(String asOfSeconds, String productId, Long... counts) {
    List<FieldValue> values = new ArrayList<>();
    values.add(value(asOfSeconds));
    values.add(value(productId));
    for (Long c : counts) {
      values.add(value(c == null ? null : c.toString()));
    }
    return FieldValueList.of(values, SCHEMA);
  }

  private static FieldValue value(String v) {
    return FieldValue.of(FieldValue.Attribute.PRIMITIVE, v);
  }

  private void answer(FieldValueList... rows) throws Exception {
    TableResult result = mock(TableResult.class);
    when(result.iterateAll()).thenReturn(List.of(rows));
    when(bigQuery.query(any(QueryJobConfiguration.class))).thenReturn(result);
  }

  @Test
  void sendsOneStandardSqlQueryWithNamedParametersAndNoUserInputInTheText() throws Exception {
    answer(row("1795176000.0", null, null, null, null, null, 0L));

    new BigQueryRecommendationStore(bigQuery, "my-project.shop_events").trending(HOSTILE_USER, Duration.ofDays(7), 5);

    ArgumentCaptor<QueryJobConfiguration> sent = ArgumentCaptor.forClass(QueryJobConfiguration.class);
    verify(bigQuery).query(sent.capture());
    QueryJobConfiguration query = sent.getValue();
    assertThat(query.useLegacySql()).isFalse();
    assertThat(query.getPositionalParameters()).isEmpty();
    assertThat(query.getNamedParameters()).containsEntry("user_id", QueryParameterValue.string(HOSTILE_USER))
        .containsEntry("window_seconds", QueryParameterValue.int64(604_800L))
        .containsEntry("k", QueryParameterValue.int64(5L))
        .containsEntry("purchase_weight", QueryParameterValue.int64(RecommendationStore.PURCHASE_WEIGHT))
        .containsEntry("add_to_cart_weight", QueryParameterValue.int64(RecommendationStore.ADD_TO_CART_WEIGHT))
        .containsEntry("view_weight", QueryParameterValue.int64(RecommendationStore.VIEW_WEIGHT));
    assertThat(query.getQuery())
        .contains("`my-project.shop_events.events`")
        .contains("@user_id", "@window_seconds", "@k", "@purchase_weight", "@add_to_cart_weight", "@view_weight")
        .doesNotContain(HOSTILE_USER, "u-1", "604800");
  }

  @Test
  void mapsTheResultToItemsThroughTheFunction() throws Exception {
    answer(
        row("1795176000.0", null, null, null, null, null, 0L),
        row(null, "p-a", 2L, 0L, 1L, 11L, 1L),
        row(null, "p-b", 0L, 1L, 3L, 6L, 2L));
    RecommendFunction function = new RecommendFunction(
        new BigQueryRecommendationStore(bigQuery, "my-project.shop_events"),
        new RecommendConfig(Duration.ofDays(7), AccessPolicy.open()));

    FakeExchange x = FakeExchange.request("GET", "/recommendations").query("user_id", "u-1").serve(function);

    assertThat(x.status()).isEqualTo(200);
    assertThat(x.json()).isEqualTo(Json.MAPPER.readTree("""
        {"user_id": "u-1", "as_of": "2026-11-20T12:00:00Z", "strategy": "trending", "items": [
          {"product_id": "p-a", "score": 11, "reason": "trending: 2 purchases, 1 view in the last 7 days"},
          {"product_id": "p-b", "score": 6, "reason": "trending: 1 add-to-cart, 3 views in the last 7 days"}
        ]}"""));
  }

  @Test
  void emptyTableMeansNoAsOfAndNoProducts() throws Exception {
    answer(row(null, null, null, null, null, null, 0L));

    RecommendationStore.Trending trending = new BigQueryRecommendationStore(bigQuery, "my-project.shop_events")
        .trending("u-1", Duration.ofDays(7), 10);

    assertThat(trending.asOf()).isNull();
    assertThat(trending.products()).isEmpty();
  }

  @Test
  void queryFailureBecomesStoreException() throws Exception {
    when(bigQuery.query(any(QueryJobConfiguration.class))).thenThrow(new BigQueryException(503, "backend error"));

    assertThatThrownBy(() -> new BigQueryRecommendationStore(bigQuery, "my-project.shop_events")
        .trending("u-1", Duration.ofDays(7), 10))
        .isInstanceOf(StoreException.class).hasMessageContaining("backend error");
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
