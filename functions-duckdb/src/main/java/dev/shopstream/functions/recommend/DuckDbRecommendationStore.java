package dev.shopstream.functions.recommend;

import dev.shopstream.contract.ColumnSource;
import dev.shopstream.contract.ItemFactorRow;
import dev.shopstream.contract.ItemNeighborRow;
import dev.shopstream.contract.ProductRow;
import dev.shopstream.contract.ProductTrendRow;
import dev.shopstream.contract.UserActivityRow;
import dev.shopstream.model.ModelConfig;
import dev.shopstream.warehouse.duckdb.DuckDbWarehouse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Struct;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedDeque;

/**
 * {@link RecommendationStore} on the local DuckDB warehouse (the contract's tables, created by
 * {@link DuckDbWarehouse}); values only as {@code ?} parameters. Same queries, in meaning, as
 * {@link BigQueryRecommendationStore}'s, and the same reading of the rows (the contract's typed rows, here over
 * {@link ResultSetColumns}). The local stack's store (this module, {@code functions-duckdb}): the function
 * opens it for {@code WAREHOUSE=duckdb} through {@link DuckDbRecommendationStoreProvider}.
 */
public final class DuckDbRecommendationStore implements RecommendationStore {
  /** Parameter: max rows. */
  static final String NEIGHBORS_SQL = "SELECT " + ColumnSource.selectList(ItemNeighborRow.COLUMNS) + """

      FROM item_neighbors
      QUALIFY updated_at = max(updated_at) OVER (PARTITION BY product_id, signal)
      ORDER BY product_id, signal, rank, neighbor_id
      LIMIT ?
      """;

  /** Parameters: since, max rows. {@link #NEIGHBORS_SQL} over the rows changed since. */
  static final String NEIGHBORS_CHANGED_SQL = "SELECT " + ColumnSource.selectList(ItemNeighborRow.COLUMNS) + """

      FROM item_neighbors
      WHERE updated_at >= ?::TIMESTAMPTZ
      QUALIFY updated_at = max(updated_at) OVER (PARTITION BY product_id, signal)
      ORDER BY product_id, signal, rank, neighbor_id
      LIMIT ?
      """;

  /**
   * Parameters: since, max rows. DuckDB keeps one row per product (the upsert replaces it); since = the epoch reads
   * them all.
   */
  static final String FACTORS_SQL = "SELECT " + ColumnSource.selectList(ItemFactorRow.COLUMNS) + """

      FROM item_factors
      WHERE updated_at >= ?::TIMESTAMPTZ
      ORDER BY product_id
      LIMIT ?
      """;

  /** Parameters: since, window seconds, max rows. The newest pane per key, windows not yet expired. */
  static final String TREND_ROWS_CHANGED_SQL = "SELECT " + ColumnSource.selectList(ProductTrendRow.COLUMNS) + """

      FROM product_trends
      WHERE updated_at >= ?::TIMESTAMPTZ
      QUALIFY row_number() OVER (PARTITION BY product_id, event_type, window_start ORDER BY updated_at DESC) = 1
        AND window_end > max(window_end) OVER () - to_seconds(?)
      ORDER BY product_id, event_type, window_start
      LIMIT ?
      """;

  /** Parameters: view, add_to_cart and purchase weights, window seconds, max rows. */
  static final String TRENDS_SQL = """
      WITH latest AS (
        SELECT max(window_end) AS newest, max(updated_at) AS updated FROM product_trends
      )
      SELECT t.product_id,
        sum(t.events * CASE t.event_type WHEN 'view' THEN ? WHEN 'add_to_cart' THEN ? WHEN 'purchase' THEN ?
          ELSE 0 END) AS trend_score,
        sum(t.events) AS events, any_value(l.newest) AS newest, any_value(l.updated) AS updated
      FROM product_trends AS t, latest AS l
      WHERE t.window_end > l.newest - to_seconds(?)
      GROUP BY t.product_id
      ORDER BY trend_score DESC, t.product_id
      LIMIT ?
      """;

  /** Parameters: view, add_to_cart and purchase weights, as of, window seconds, as of, max rows. */
  static final String POPULARITY_SQL = """
      SELECT p.product_id,
        sum(CASE e.event_type WHEN 'view' THEN ? WHEN 'add_to_cart' THEN ? WHEN 'purchase' THEN ? ELSE 0 END)
          AS score,
        count(*) AS events
      FROM events AS e, unnest(e.products) AS u(p)
      WHERE e.event_time > ?::TIMESTAMPTZ - to_seconds(?) AND e.event_time <= ?::TIMESTAMPTZ
      GROUP BY p.product_id
      HAVING score > 0
      ORDER BY score DESC, p.product_id
      LIMIT ?
      """;

  /** Parameter: max rows. */
  static final String CATALOG_SQL = "SELECT " + ColumnSource.selectList(CATALOG_COLUMNS) + """

      FROM products
      QUALIFY row_number() OVER (PARTITION BY product_id ORDER BY updated_at DESC) = 1
      ORDER BY product_id
      LIMIT ?
      """;

  /**
   * Parameter: user id. A point lookup on the table's key (DuckDB keeps one row per user: the upsert replaces it);
   * the lists come back as JDBC arrays, {@code recent_items} of structs (product_id, event_type, event_time).
   */
  static final String USER_SQL = """
      SELECT recent_items, purchased, updated_at FROM user_activity WHERE user_id = ?
      """;

  /** Parameters: since, max rows. DuckDB keeps one row per user; grouped as BigQuery's append table needs. */
  static final String USER_CHANGES_SQL = """
      SELECT user_id, max(updated_at) AS updated_at FROM user_activity
      WHERE updated_at >= ?::TIMESTAMPTZ
      GROUP BY user_id
      ORDER BY updated_at DESC, user_id
      LIMIT ?
      """;

  /** Connections (each with the user query prepared) kept for reuse: opening one costs more than the query. */
  static final int MAX_IDLE_USER_QUERIES = 16;

  private final DuckDbWarehouse warehouse;
  private final Deque<PreparedStatement> idleUserQueries = new ConcurrentLinkedDeque<>();

  public DuckDbRecommendationStore(DuckDbWarehouse warehouse) {
    this.warehouse = warehouse;
  }

  @Override
  public List<NeighborRow> neighbors(int maxRows) {
    try (Connection c = warehouse.connect(); PreparedStatement ps = c.prepareStatement(NEIGHBORS_SQL)) {
      ps.setInt(1, maxRows);
      return neighborRows(ps);
    } catch (SQLException e) {
      throw new StoreException("DuckDB item_neighbors query failed: " + e.getMessage(), e);
    }
  }

  @Override
  public Trends trends(Duration window, ModelConfig weights, int maxRows) {
    try (Connection c = warehouse.connect(); PreparedStatement ps = c.prepareStatement(TRENDS_SQL)) {
      ps.setDouble(1, weights.viewWeight());
      ps.setDouble(2, weights.addToCartWeight());
      ps.setDouble(3, weights.purchaseWeight());
      ps.setLong(4, window.toSeconds());
      ps.setInt(5, maxRows);
      Instant newest = null;
      Instant updated = null;
      List<TrendScore> products = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          newest = instant(rs, "newest");
          updated = instant(rs, "updated");
          products.add(new TrendScore(rs.getString(ProductTrendRow.PRODUCT_ID), rs.getDouble(TREND_SCORE),
              rs.getLong(ProductTrendRow.EVENTS)));
        }
      }
      return new Trends(newest, updated, products);
    } catch (SQLException e) {
      throw new StoreException("DuckDB product_trends query failed: " + e.getMessage(), e);
    }
  }

  @Override
  public List<TrendScore> popularity(Instant asOf, Duration window, ModelConfig weights, int maxRows) {
    try (Connection c = warehouse.connect(); PreparedStatement ps = c.prepareStatement(POPULARITY_SQL)) {
      ps.setDouble(1, weights.viewWeight());
      ps.setDouble(2, weights.addToCartWeight());
      ps.setDouble(3, weights.purchaseWeight());
      ps.setString(4, asOf.toString());
      ps.setLong(5, window.toSeconds());
      ps.setString(6, asOf.toString());
      ps.setInt(7, maxRows);
      List<TrendScore> products = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          products.add(new TrendScore(rs.getString(1), rs.getDouble(2), rs.getLong(3)));
        }
      }
      return products;
    } catch (SQLException e) {
      throw new StoreException("DuckDB events popularity query failed: " + e.getMessage(), e);
    }
  }

  @Override
  public List<NeighborRow> neighborsChangedSince(Instant since, int maxRows) {
    try (Connection c = warehouse.connect(); PreparedStatement ps = c.prepareStatement(NEIGHBORS_CHANGED_SQL)) {
      ps.setString(1, since.toString());
      ps.setInt(2, maxRows);
      return neighborRows(ps);
    } catch (SQLException e) {
      throw new StoreException("DuckDB item_neighbors changes query failed: " + e.getMessage(), e);
    }
  }

  private static List<NeighborRow> neighborRows(PreparedStatement ps) throws SQLException {
    List<NeighborRow> out = new ArrayList<>();
    try (ResultSet rs = ps.executeQuery()) {
      ColumnSource row = ResultSetColumns.of(rs, ItemNeighborRow.COLUMNS);
      while (rs.next()) {
        NeighborRow.of(ItemNeighborRow.from(row)).ifPresent(out::add);
      }
    }
    return out;
  }

  @Override
  public List<ItemFactorRow> factors(int maxRows) {
    return factorsChangedSince(Instant.EPOCH, maxRows);
  }

  @Override
  public List<ItemFactorRow> factorsChangedSince(Instant since, int maxRows) {
    try (Connection c = warehouse.connect(); PreparedStatement ps = c.prepareStatement(FACTORS_SQL)) {
      ps.setString(1, since.toString());
      ps.setInt(2, maxRows);
      List<ItemFactorRow> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        ColumnSource row = ResultSetColumns.of(rs, ItemFactorRow.COLUMNS);
        while (rs.next()) {
          FactorRows.read(row).ifPresent(out::add);
        }
      }
      return out;
    } catch (SQLException e) {
      throw new StoreException("DuckDB item_factors query failed: " + e.getMessage(), e);
    }
  }

  @Override
  public List<TrendRow> trendRowsChangedSince(Instant since, Duration window, int maxRows) {
    try (Connection c = warehouse.connect(); PreparedStatement ps = c.prepareStatement(TREND_ROWS_CHANGED_SQL)) {
      ps.setString(1, since.toString());
      ps.setLong(2, window.toSeconds());
      ps.setInt(3, maxRows);
      List<TrendRow> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        ColumnSource row = ResultSetColumns.of(rs, ProductTrendRow.COLUMNS);
        while (rs.next()) {
          out.add(TrendRow.of(ProductTrendRow.from(row)));
        }
      }
      return out;
    } catch (SQLException e) {
      throw new StoreException("DuckDB product_trends changes query failed: " + e.getMessage(), e);
    }
  }

  @Override
  public List<CatalogEntry> catalog(int maxRows) {
    try (Connection c = warehouse.connect(); PreparedStatement ps = c.prepareStatement(CATALOG_SQL)) {
      ps.setInt(1, maxRows);
      List<CatalogEntry> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        ColumnSource row = ResultSetColumns.of(rs, CATALOG_COLUMNS);
        while (rs.next()) {
          out.add(CatalogEntry.of(ProductRow.from(row)));
        }
      }
      return out;
    } catch (SQLException e) {
      throw new StoreException("DuckDB products query failed: " + e.getMessage(), e);
    }
  }

  @Override
  public Optional<UserActivity> userActivity(String userId) {
    PreparedStatement ps = idleUserQueries.pollFirst();
    try {
      if (ps == null) {
        ps = warehouse.connect().prepareStatement(USER_SQL);
      }
      ps.setString(1, userId);
      UserActivityRows rows = new UserActivityRows(userId);
      try (ResultSet rs = ps.executeQuery()) {
        if (rs.next()) {
          rows.add(UserActivityRows.USER, null, null, null, instant(rs, UserActivityRow.UPDATED_AT));
          for (Object item : array(rs.getArray(UserActivityRow.RECENT_ITEMS))) {
            Object[] f = ((Struct) item).getAttributes();
            rows.add(UserActivityRows.RECENT, (String) f[0], (String) f[1],
                f[2] == null ? null : ((OffsetDateTime) f[2]).toInstant(), null);
          }
          for (Object product : array(rs.getArray(UserActivityRow.PURCHASED))) {
            rows.add(UserActivityRows.PURCHASED, (String) product, null, null, null);
          }
        }
      }
      if (idleUserQueries.size() < MAX_IDLE_USER_QUERIES) {
        idleUserQueries.offerFirst(ps);
      } else {
        closeQuietly(ps);
      }
      return rows.result();
    } catch (SQLException | ClassCastException e) {
      closeQuietly(ps); // a connection in an unknown state is not reused
      throw new StoreException("DuckDB user_activity query failed: " + e.getMessage(), e);
    }
  }

  @Override
  public List<UserChange> userChanges(Instant since, int maxRows) {
    try (Connection c = warehouse.connect(); PreparedStatement ps = c.prepareStatement(USER_CHANGES_SQL)) {
      ps.setString(1, since.toString());
      ps.setInt(2, maxRows);
      List<UserChange> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(new UserChange(rs.getString(UserActivityRow.USER_ID), instant(rs, UserActivityRow.UPDATED_AT)));
        }
      }
      return out;
    } catch (SQLException e) {
      throw new StoreException("DuckDB user_activity changes query failed: " + e.getMessage(), e);
    }
  }

  private static Object[] array(java.sql.Array a) throws SQLException {
    return a == null ? new Object[0] : (Object[]) a.getArray();
  }

  private static void closeQuietly(PreparedStatement ps) {
    if (ps == null) {
      return;
    }
    try {
      Connection c = ps.getConnection();
      ps.close();
      c.close();
    } catch (SQLException e) {
      // closing a broken connection: nothing more to do
    }
  }

  private static Instant instant(ResultSet rs, String column) throws SQLException {
    OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
    return t == null ? null : t.toInstant();
  }
}
