package dev.shopstream.functions.recommend;

import com.google.cloud.bigquery.BigQuery;
import com.google.cloud.bigquery.BigQueryException;
import com.google.cloud.bigquery.FieldValue;
import com.google.cloud.bigquery.FieldValueList;
import com.google.cloud.bigquery.JobException;
import com.google.cloud.bigquery.QueryJobConfiguration;
import com.google.cloud.bigquery.QueryParameterValue;
import com.google.cloud.bigquery.TableResult;
import dev.shopstream.contract.TableSchemas;
import dev.shopstream.functions.Settings;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * {@link RecommendationStore} on BigQuery, table {@code <project>.<dataset>.events}. Values travel only as named
 * query parameters. The table path is the one piece of SQL text from configuration: the dataset must match
 * {@link #DATASET} (checked here, so no caller can inject through it) and the table is the contract's.
 */
public final class BigQueryRecommendationStore implements RecommendationStore {
  /** {@code project.dataset}: a Google Cloud project id and a dataset id. */
  public static final Pattern DATASET = Pattern.compile(Settings.PROJECT_ID.pattern() + "\\.[A-Za-z0-9_]{1,1024}");

  /** Same shape and meaning as {@link DuckDbRecommendationStore#TRENDING_SQL}, in GoogleSQL. */
  static final String TRENDING_SQL = """
      WITH bounds AS (
        SELECT MAX(event_time) AS as_of FROM `%1$s`
      ),
      bought AS (
        SELECT DISTINCT p.product_id
        FROM `%1$s` AS e, UNNEST(e.products) AS p
        WHERE e.event_type = 'purchase' AND e.user_id = @user_id
      ),
      activity AS (
        SELECT p.product_id AS product_id,
          COUNT(DISTINCT CASE WHEN e.event_type = 'purchase' THEN e.event_id END) AS purchases,
          COUNT(DISTINCT CASE WHEN e.event_type = 'add_to_cart' THEN e.event_id END) AS add_to_carts,
          COUNT(DISTINCT CASE WHEN e.event_type = 'view' THEN e.event_id END) AS views
        FROM `%1$s` AS e, UNNEST(e.products) AS p, bounds AS b
        WHERE e.event_type IN ('purchase', 'add_to_cart', 'view')
          AND e.event_time >= TIMESTAMP_SUB(b.as_of, INTERVAL @window_seconds SECOND)
          AND p.product_id NOT IN (SELECT product_id FROM bought)
        GROUP BY p.product_id
      ),
      ranked AS (
        SELECT *, ROW_NUMBER() OVER (ORDER BY score DESC, product_id) AS position
        FROM (
          SELECT *, purchases * @purchase_weight + add_to_carts * @add_to_cart_weight + views * @view_weight AS score
          FROM activity
        )
      )
      SELECT as_of, CAST(NULL AS STRING) AS product_id, CAST(NULL AS INT64) AS purchases,
        CAST(NULL AS INT64) AS add_to_carts, CAST(NULL AS INT64) AS views, CAST(NULL AS INT64) AS score,
        0 AS position
      FROM bounds
      UNION ALL
      SELECT NULL, product_id, purchases, add_to_carts, views, score, position FROM ranked WHERE position <= @k
      ORDER BY position
      """;

  private final BigQuery bigQuery;
  private final String sql;

  /**
   * @param dataset {@code project.dataset} holding the contract's {@code events} table
   * @throws IllegalArgumentException when {@code dataset} does not match {@link #DATASET}
   */
  public BigQueryRecommendationStore(BigQuery bigQuery, String dataset) {
    if (!DATASET.matcher(dataset).matches()) {
      throw new IllegalArgumentException("BigQuery dataset must be project.dataset, got '" + dataset + "'");
    }
    this.bigQuery = bigQuery;
    this.sql = TRENDING_SQL.formatted(dataset + "." + TableSchemas.events().name());
  }

  @Override
  public Trending trending(String userId, Duration window, int limit) {
    QueryJobConfiguration query = QueryJobConfiguration.newBuilder(sql)
        .setUseLegacySql(false)
        .addNamedParameter("user_id", QueryParameterValue.string(userId))
        .addNamedParameter("window_seconds", QueryParameterValue.int64(window.toSeconds()))
        .addNamedParameter("purchase_weight", QueryParameterValue.int64(PURCHASE_WEIGHT))
        .addNamedParameter("add_to_cart_weight", QueryParameterValue.int64(ADD_TO_CART_WEIGHT))
        .addNamedParameter("view_weight", QueryParameterValue.int64(VIEW_WEIGHT))
        .addNamedParameter("k", QueryParameterValue.int64(limit))
        .build();
    TableResult result;
    try {
      result = bigQuery.query(query);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreException("interrupted while waiting for BigQuery", e);
    } catch (BigQueryException | JobException e) {
      throw new StoreException("BigQuery trending query failed: " + e.getMessage(), e);
    }
    Instant asOf = null;
    List<TrendingProduct> products = new ArrayList<>();
    for (FieldValueList row : result.iterateAll()) {
      if (row.get("product_id").isNull()) {
        FieldValue newest = row.get("as_of");
        asOf = newest.isNull() ? null : newest.getTimestampInstant();
      } else {
        products.add(new TrendingProduct(row.get("product_id").getStringValue(), row.get("purchases").getLongValue(),
            row.get("add_to_carts").getLongValue(), row.get("views").getLongValue(), row.get("score").getLongValue()));
      }
    }
    return new Trending(asOf, products);
  }
}
