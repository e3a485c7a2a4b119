package dev.shopstream.functions.recommend;

import com.google.cloud.bigquery.BigQuery;
import com.google.cloud.bigquery.BigQueryException;
import com.google.cloud.bigquery.FieldValue;
import com.google.cloud.bigquery.FieldValueList;
import com.google.cloud.bigquery.JobException;
import com.google.cloud.bigquery.QueryJobConfiguration;
import com.google.cloud.bigquery.QueryParameterValue;
import com.google.cloud.bigquery.TableResult;
import dev.shopstream.contract.ColumnSource;
import dev.shopstream.contract.ItemFactorRow;
import dev.shopstream.contract.ItemNeighborRow;
import dev.shopstream.contract.ProductRow;
import dev.shopstream.contract.ProductTrendRow;
import dev.shopstream.contract.TableSchemas;
import dev.shopstream.contract.UserActivityRow;
import dev.shopstream.functions.Settings;
import dev.shopstream.model.ModelConfig;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * {@link RecommendationStore} on BigQuery, the contract's tables in {@code <project>.<dataset>}. Values travel only
 * as named query parameters. The table paths are the one piece of SQL text from configuration: the dataset must
 * match {@link #DATASET} (checked here, so no caller can inject through it) and the tables are the contract's.
 * The Storage Write API appends, so every query takes the latest row per key itself. The table rows are read by the
 * contract's typed rows ({@link ItemNeighborRow#from} ...) over {@link FieldValueColumns}, as the DuckDB store reads
 * them over JDBC.
 */
public final class BigQueryRecommendationStore implements RecommendationStore {
  /** {@code project.dataset}: a Google Cloud project id and a dataset id. */
  public static final Pattern DATASET = Pattern.compile(Settings.PROJECT_ID.pattern() + "\\.[A-Za-z0-9_]{1,1024}");

  /** Same meaning as {@code DuckDbRecommendationStore.NEIGHBORS_SQL} (module functions-duckdb); %1$s is the table. */
  static final String NEIGHBORS_SQL = "SELECT " + ColumnSource.selectList(ItemNeighborRow.COLUMNS) + """

      FROM `%1$s`
      WHERE TRUE
      QUALIFY updated_at = MAX(updated_at) OVER (PARTITION BY product_id, signal)
        AND ROW_NUMBER() OVER (PARTITION BY product_id, signal, neighbor_id ORDER BY updated_at DESC) = 1
      ORDER BY product_id, signal, rank, neighbor_id
      LIMIT @max_rows
      """;

  /**
   * {@link #NEIGHBORS_SQL} over the rows with {@code updated_at >= @since} only: the table is partitioned by day and
   * clustered on {@code updated_at} (terraform), so the filter prunes what is scanned to the rows changed since.
   * Same meaning as {@code DuckDbRecommendationStore.NEIGHBORS_CHANGED_SQL}.
   */
  static final String NEIGHBORS_CHANGED_SQL = "SELECT " + ColumnSource.selectList(ItemNeighborRow.COLUMNS) + """

      FROM `%1$s`
      WHERE updated_at >= @since
      QUALIFY updated_at = MAX(updated_at) OVER (PARTITION BY product_id, signal)
        AND ROW_NUMBER() OVER (PARTITION BY product_id, signal, neighbor_id ORDER BY updated_at DESC) = 1
      ORDER BY product_id, signal, rank, neighbor_id
      LIMIT @max_rows
      """;

  /**
   * The newest row per product (every model version's: the refresh keeps the newest version's); {@code WHERE} as
   * {@link #NEIGHBORS_CHANGED_SQL}, {@code TRUE} for a full read. Same meaning as
   * {@code DuckDbRecommendationStore.FACTORS_SQL}.
   */
  static final String FACTORS_SQL = "SELECT " + ColumnSource.selectList(ItemFactorRow.COLUMNS) + """

      FROM `%1$s`
      WHERE %2$s
      QUALIFY ROW_NUMBER() OVER (PARTITION BY product_id ORDER BY updated_at DESC) = 1
      ORDER BY product_id
      LIMIT @max_rows
      """;

  /**
   * The newest pane per product, event type and window among the rows with {@code updated_at >= @since} (pruned as
   * {@link #NEIGHBORS_CHANGED_SQL}), windows not yet expired. Same meaning as
   * {@code DuckDbRecommendationStore.TREND_ROWS_CHANGED_SQL}.
   */
  static final String TREND_ROWS_CHANGED_SQL = "SELECT " + ColumnSource.selectList(ProductTrendRow.COLUMNS) + """

      FROM `%1$s`
      WHERE updated_at >= @since
      QUALIFY ROW_NUMBER() OVER (PARTITION BY product_id, event_type, window_start ORDER BY updated_at DESC) = 1
        AND window_end > TIMESTAMP_SUB(MAX(window_end) OVER (), INTERVAL @window_seconds SECOND)
      ORDER BY product_id, event_type, window_start
      LIMIT @max_rows
      """;

  /** Same meaning as {@code DuckDbRecommendationStore.TRENDS_SQL}. */
  static final String TRENDS_SQL = """
      WITH latest_rows AS (
        SELECT * FROM `%1$s`
        WHERE TRUE
        QUALIFY ROW_NUMBER() OVER (PARTITION BY product_id, event_type, window_start ORDER BY updated_at DESC) = 1
      ),
      latest AS (
        SELECT MAX(window_end) AS newest, MAX(updated_at) AS updated FROM latest_rows
      )
      SELECT t.product_id,
        SUM(t.events * CASE t.event_type WHEN 'view' THEN @view_weight WHEN 'add_to_cart' THEN @add_to_cart_weight
          WHEN 'purchase' THEN @purchase_weight ELSE 0 END) AS trend_score,
        SUM(t.events) AS events, ANY_VALUE(l.newest) AS newest, ANY_VALUE(l.updated) AS updated
      FROM latest_rows AS t, latest AS l
      WHERE t.window_end > TIMESTAMP_SUB(l.newest, INTERVAL @window_seconds SECOND)
      GROUP BY t.product_id
      ORDER BY trend_score DESC, t.product_id
      LIMIT @max_rows
      """;

  /**
   * Parameters: the type weights, as_of, window_seconds, max_rows. Prunes to the window's {@code event_time}
   * partitions and reads three columns.
   */
  static final String POPULARITY_SQL = """
      SELECT p.product_id,
        SUM(CASE e.event_type WHEN 'view' THEN @view_weight WHEN 'add_to_cart' THEN @add_to_cart_weight
          WHEN 'purchase' THEN @purchase_weight ELSE 0 END) AS score,
        COUNT(*) AS events
      FROM `%1$s` AS e, UNNEST(e.products) AS p
      WHERE e.event_time > TIMESTAMP_SUB(@as_of, INTERVAL @window_seconds SECOND) AND e.event_time <= @as_of
      GROUP BY p.product_id
      HAVING score > 0
      ORDER BY score DESC, p.product_id
      LIMIT @max_rows
      """;

  /** Same meaning as {@code DuckDbRecommendationStore.CATALOG_SQL}: the columns {@link #CATALOG_COLUMNS}. */
  static final String CATALOG_SQL = "SELECT " + ColumnSource.selectList(CATALOG_COLUMNS) + """

      FROM `%1$s`
      WHERE TRUE
      QUALIFY ROW_NUMBER() OVER (PARTITION BY product_id ORDER BY updated_at DESC) = 1
      ORDER BY product_id
      LIMIT @max_rows
      """;

  /** Same rows as {@code DuckDbRecommendationStore.USER_SQL}. */
  static final String USER_SQL = """
      WITH u AS (
        SELECT * FROM `%1$s` WHERE user_id = @user_id
        QUALIFY ROW_NUMBER() OVER (ORDER BY updated_at DESC) = 1
      )
      SELECT 'user' AS kind, CAST(NULL AS STRING) AS product_id, CAST(NULL AS STRING) AS event_type,
        CAST(NULL AS TIMESTAMP) AS event_time, 0 AS position, updated_at FROM u
      UNION ALL
      SELECT 'recent', r.product_id, r.event_type, r.event_time, o, NULL
      FROM u, UNNEST(u.recent_items) AS r WITH OFFSET AS o
      UNION ALL
      SELECT 'purchased', p, NULL, NULL, o, NULL
      FROM u, UNNEST(u.purchased) AS p WITH OFFSET AS o
      ORDER BY kind DESC, position
      """;

  /** Same rows as {@code DuckDbRecommendationStore.USER_CHANGES_SQL}. */
  static final String USER_CHANGES_SQL = """
      SELECT user_id, MAX(updated_at) AS updated_at FROM `%1$s`
      WHERE updated_at >= @since
      GROUP BY user_id
      ORDER BY updated_at DESC, user_id
      LIMIT @max_rows
      """;

  private final BigQuery bigQuery;
  private final String neighborsSql;
  private final String neighborsChangedSql;
  private final String trendRowsChangedSql;
  private final String trendsSql;
  private final String catalogSql;
  private final String userSql;
  private final String userChangesSql;
  private final String popularitySql;
  private final String factorsSql;
  private final String factorsChangedSql;

  /**
   * @param dataset {@code project.dataset} holding the contract's tables
   * @throws IllegalArgumentException when {@code dataset} does not match {@link #DATASET}
   */
  public BigQueryRecommendationStore(BigQuery bigQuery, String dataset) {
    if (!DATASET.matcher(dataset).matches()) {
      throw new IllegalArgumentException("BigQuery dataset must be project.dataset, got '" + dataset + "'");
    }
    this.bigQuery = bigQuery;
    this.neighborsSql = NEIGHBORS_SQL.formatted(dataset + "." + TableSchemas.ITEM_NEIGHBORS);
    this.neighborsChangedSql = NEIGHBORS_CHANGED_SQL.formatted(dataset + "." + TableSchemas.ITEM_NEIGHBORS);
    this.trendRowsChangedSql = TREND_ROWS_CHANGED_SQL.formatted(dataset + "." + TableSchemas.PRODUCT_TRENDS);
    this.trendsSql = TRENDS_SQL.formatted(dataset + "." + TableSchemas.PRODUCT_TRENDS);
    this.catalogSql = CATALOG_SQL.formatted(dataset + "." + TableSchemas.PRODUCTS);
    this.userSql = USER_SQL.formatted(dataset + "." + TableSchemas.USER_ACTIVITY);
    this.userChangesSql = USER_CHANGES_SQL.formatted(dataset + "." + TableSchemas.USER_ACTIVITY);
    this.popularitySql = POPULARITY_SQL.formatted(dataset + "." + TableSchemas.EVENTS);
    this.factorsSql = FACTORS_SQL.formatted(dataset + "." + TableSchemas.ITEM_FACTORS, "TRUE");
    this.factorsChangedSql = FACTORS_SQL.formatted(dataset + "." + TableSchemas.ITEM_FACTORS,
        "updated_at >= @since");
  }

  @Override
  public List<NeighborRow> neighbors(int maxRows) {
    return neighborRows(neighborsSql, Map.of("max_rows", QueryParameterValue.int64(maxRows)));
  }

  @Override
  public List<NeighborRow> neighborsChangedSince(Instant since, int maxRows) {
    return neighborRows(neighborsChangedSql, Map.of("since", timestamp(since),
        "max_rows", QueryParameterValue.int64(maxRows)));
  }

  @Override
  public List<TrendRow> trendRowsChangedSince(Instant since, Duration window, int maxRows) {
    List<TrendRow> out = new ArrayList<>();
    for (FieldValueList row : run(TableSchemas.PRODUCT_TRENDS, trendRowsChangedSql, Map.of("since", timestamp(since),
        "window_seconds", QueryParameterValue.int64(window.toSeconds()),
        "max_rows", QueryParameterValue.int64(maxRows)))) {
      out.add(TrendRow.of(ProductTrendRow.from(FieldValueColumns.of(row, ProductTrendRow.COLUMNS))));
    }
    return out;
  }

  private List<NeighborRow> neighborRows(String sql, Map<String, QueryParameterValue> parameters) {
    List<NeighborRow> out = new ArrayList<>();
    for (FieldValueList row : run(TableSchemas.ITEM_NEIGHBORS, sql, parameters)) {
      NeighborRow.of(ItemNeighborRow.from(FieldValueColumns.of(row, ItemNeighborRow.COLUMNS))).ifPresent(out::add);
    }
    return out;
  }

  @Override
  public List<ItemFactorRow> factors(int maxRows) {
    return factorRows(factorsSql, Map.of("max_rows", QueryParameterValue.int64(maxRows)));
  }

  @Override
  public List<ItemFactorRow> factorsChangedSince(Instant since, int maxRows) {
    return factorRows(factorsChangedSql, Map.of("since", timestamp(since),
        "max_rows", QueryParameterValue.int64(maxRows)));
  }

  private List<ItemFactorRow> factorRows(String sql, Map<String, QueryParameterValue> parameters) {
    List<ItemFactorRow> out = new ArrayList<>();
    for (FieldValueList row : run(TableSchemas.ITEM_FACTORS, sql, parameters)) {
      FactorRows.read(FieldValueColumns.of(row, ItemFactorRow.COLUMNS)).ifPresent(out::add);
    }
    return out;
  }

  @Override
  public Trends trends(Duration window, ModelConfig weights, int maxRows) {
    Instant newest = null;
    Instant updated = null;
    List<TrendScore> products = new ArrayList<>();
    for (FieldValueList row : run(TableSchemas.PRODUCT_TRENDS, trendsSql, Map.of(
        "view_weight", QueryParameterValue.float64(weights.viewWeight()),
        "add_to_cart_weight", QueryParameterValue.float64(weights.addToCartWeight()),
        "purchase_weight", QueryParameterValue.float64(weights.purchaseWeight()),
        "window_seconds", QueryParameterValue.int64(window.toSeconds()),
        "max_rows", QueryParameterValue.int64(maxRows)))) {
      newest = instant(row.get("newest"));
      updated = instant(row.get("updated"));
      products.add(new TrendScore(row.get(ProductTrendRow.PRODUCT_ID).getStringValue(),
          row.get(TREND_SCORE).getDoubleValue(), row.get(ProductTrendRow.EVENTS).getLongValue()));
    }
    return new Trends(newest, updated, products);
  }

  @Override
  public List<TrendScore> popularity(Instant asOf, Duration window, ModelConfig weights, int maxRows) {
    List<TrendScore> out = new ArrayList<>();
    for (FieldValueList row : run(TableSchemas.EVENTS, popularitySql, Map.of(
        "view_weight", QueryParameterValue.float64(weights.viewWeight()),
        "add_to_cart_weight", QueryParameterValue.float64(weights.addToCartWeight()),
        "purchase_weight", QueryParameterValue.float64(weights.purchaseWeight()),
        "as_of", timestamp(asOf),
        "window_seconds", QueryParameterValue.int64(window.toSeconds()),
        "max_rows", QueryParameterValue.int64(maxRows)))) {
      out.add(new TrendScore(row.get(0).getStringValue(), row.get(1).getDoubleValue(), row.get(2).getLongValue()));
    }
    return out;
  }

  @Override
  public List<CatalogEntry> catalog(int maxRows) {
    List<CatalogEntry> out = new ArrayList<>();
    for (FieldValueList row : run(TableSchemas.PRODUCTS, catalogSql,
        Map.of("max_rows", QueryParameterValue.int64(maxRows)))) {
      out.add(CatalogEntry.of(ProductRow.from(FieldValueColumns.of(row, CATALOG_COLUMNS))));
    }
    return out;
  }

  @Override
  public Optional<UserActivity> userActivity(String userId) {
    UserActivityRows rows = new UserActivityRows(userId);
    for (FieldValueList row : run(TableSchemas.USER_ACTIVITY, userSql,
        Map.of(UserActivityRow.USER_ID, QueryParameterValue.string(userId)))) {
      rows.add(row.get("kind").getStringValue(), text(row.get(UserActivityRow.PRODUCT_ID)),
          text(row.get(UserActivityRow.EVENT_TYPE)), instant(row.get(UserActivityRow.EVENT_TIME)),
          instant(row.get(UserActivityRow.UPDATED_AT)));
    }
    return rows.result();
  }

  @Override
  public List<UserChange> userChanges(Instant since, int maxRows) {
    List<UserChange> out = new ArrayList<>();
    for (FieldValueList row : run(TableSchemas.USER_ACTIVITY, userChangesSql, Map.of(
        "since", timestamp(since),
        "max_rows", QueryParameterValue.int64(maxRows)))) {
      out.add(new UserChange(row.get(UserActivityRow.USER_ID).getStringValue(),
          instant(row.get(UserActivityRow.UPDATED_AT))));
    }
    return out;
  }

  /** Runs the query and reads every page inside the try: paging can fail too. */
  private List<FieldValueList> run(String table, String sql, Map<String, QueryParameterValue> parameters) {
    QueryJobConfiguration query = QueryJobConfiguration.newBuilder(sql)
        .setUseLegacySql(false)
        .setNamedParameters(parameters)
        .build();
    try {
      TableResult result = bigQuery.query(query);
      List<FieldValueList> rows = new ArrayList<>();
      result.iterateAll().forEach(rows::add);
      return rows;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreException("interrupted while waiting for BigQuery", e);
    } catch (BigQueryException | JobException e) {
      throw new StoreException("BigQuery " + table + " query failed: " + e.getMessage(), e);
    }
  }

  private static QueryParameterValue timestamp(Instant t) {
    return QueryParameterValue.timestamp(t.getEpochSecond() * 1_000_000L + t.getNano() / 1000);
  }

  private static String text(FieldValue v) {
    return v == null || v.isNull() ? null : v.getStringValue();
  }

  private static Instant instant(FieldValue v) {
    return v == null || v.isNull() ? null : v.getTimestampInstant();
  }
}
