package dev.shopstream.functions.recommend;

import dev.shopstream.warehouse.duckdb.DuckDbWarehouse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;

/** {@link RecommendationStore} on the local DuckDB warehouse (table {@code events}); values only as {@code ?}. */
public final class DuckDbRecommendationStore implements RecommendationStore {
  /**
   * The first row (position 0) carries only {@code as_of}, so an empty ranking still says how fresh the data is;
   * the ranked products follow. Parameters: user id, window seconds, the three weights, limit.
   */
  static final String TRENDING_SQL = """
      WITH bounds AS (
        SELECT max(event_time) AS as_of FROM events
      ),
      bought AS (
        SELECT DISTINCT p.product_id
        FROM events AS e, unnest(e.products) AS u(p)
        WHERE e.event_type = 'purchase' AND e.user_id = ?
      ),
      activity AS (
        SELECT p.product_id AS product_id,
          count(DISTINCT CASE WHEN e.event_type = 'purchase' THEN e.event_id END) AS purchases,
          count(DISTINCT CASE WHEN e.event_type = 'add_to_cart' THEN e.event_id END) AS add_to_carts,
          count(DISTINCT CASE WHEN e.event_type = 'view' THEN e.event_id END) AS views
        FROM events AS e, unnest(e.products) AS u(p), bounds AS b
        WHERE e.event_type IN ('purchase', 'add_to_cart', 'view')
          AND e.event_time >= b.as_of - to_seconds(?)
          AND p.product_id NOT IN (SELECT product_id FROM bought)
        GROUP BY p.product_id
      ),
      ranked AS (
        SELECT *, row_number() OVER (ORDER BY score DESC, product_id) AS position
        FROM (SELECT *, purchases * ? + add_to_carts * ? + views * ? AS score FROM activity)
      )
      SELECT as_of, CAST(NULL AS VARCHAR) AS product_id, CAST(NULL AS BIGINT) AS purchases,
        CAST(NULL AS BIGINT) AS add_to_carts, CAST(NULL AS BIGINT) AS views, CAST(NULL AS BIGINT) AS score,
        0 AS position
      FROM bounds
      UNION ALL
      SELECT NULL, product_id, purchases, add_to_carts, views, score, position FROM ranked WHERE position <= ?
      ORDER BY position
      """;

  private final DuckDbWarehouse warehouse;

  public DuckDbRecommendationStore(DuckDbWarehouse warehouse) {
    this.warehouse = warehouse;
  }

  @Override
  public Trending trending(String userId, Duration window, int limit) {
    try (Connection c = warehouse.connect(); PreparedStatement ps = c.prepareStatement(TRENDING_SQL)) {
      ps.setString(1, userId);
      ps.setLong(2, window.toSeconds());
      ps.setLong(3, PURCHASE_WEIGHT);
      ps.setLong(4, ADD_TO_CART_WEIGHT);
      ps.setLong(5, VIEW_WEIGHT);
      ps.setInt(6, limit);
      Instant asOf = null;
      List<TrendingProduct> products = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          String productId = rs.getString("product_id");
          if (productId == null) {
            OffsetDateTime newest = rs.getObject("as_of", OffsetDateTime.class);
            asOf = newest == null ? null : newest.toInstant();
          } else {
            products.add(new TrendingProduct(productId, rs.getLong("purchases"), rs.getLong("add_to_carts"),
                rs.getLong("views"), rs.getLong("score")));
          }
        }
      }
      return new Trending(asOf, products);
    } catch (SQLException e) {
      throw new StoreException("DuckDB trending query failed: " + e.getMessage(), e);
    }
  }
}
