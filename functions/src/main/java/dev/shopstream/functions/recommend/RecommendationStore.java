package dev.shopstream.functions.recommend;

import dev.shopstream.contract.ItemFactorRow;
import dev.shopstream.contract.ItemNeighborRow;
import dev.shopstream.contract.Product;
import dev.shopstream.contract.ProductRow;
import dev.shopstream.contract.ProductTrendRow;
import dev.shopstream.model.Interaction;
import dev.shopstream.model.ModelConfig;
import dev.shopstream.model.Neighbor;
import dev.shopstream.model.Signal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The warehouse as the recommend function reads it: the contract's {@code item_neighbors}, {@code item_factors},
 * {@code product_trends}, {@code products} and {@code user_activity} tables. The first four are read in bulk into the in-memory
 * {@link Snapshot} in the background (one query each per refresh); {@link #userActivity} is read per user and
 * cached ({@link UserActivityCache}), which polls {@link #userChanges} to learn which users changed. Every value
 * travels as a query parameter, never as SQL text.
 *
 * <p>Every bulk read is bounded by {@code maxRows}; a store returns at most that many rows (the caller logs when
 * the bound was reached, so a truncated snapshot is never silent).
 *
 * <p>Both stores read the tables' rows with the contract's typed rows ({@link ItemNeighborRow#from},
 * {@link ProductTrendRow#from}, {@link ProductRow#from}) and turn them into serving rows here ({@link NeighborRow#of}
 * ...): one reading whatever the warehouse.
 */
public interface RecommendationStore {
  /** The {@code products} columns the catalog query selects: what serving needs of a product, and its version. */
  List<String> CATALOG_COLUMNS = List.of(ProductRow.PRODUCT_ID, ProductRow.TITLE, ProductRow.CATEGORY,
      ProductRow.AVAILABLE, ProductRow.UPDATED_AT);
  /** The trends query's column of a product's trend score (besides its id and events: the table's names). */
  String TREND_SCORE = "trend_score";

  /**
   * The current neighbour lists: per product and signal, the rows with the newest {@code updated_at} (older rows
   * of neighbours that dropped out of the top K stay in the upsert table and are left out here), ordered by
   * product, signal and rank.
   *
   * @throws StoreException when the warehouse cannot be read
   */
  List<NeighborRow> neighbors(int maxRows);

  /**
   * The neighbour rows with {@code updated_at >= since}: per product and signal, those with the newest
   * {@code updated_at} among them, ordered as {@link #neighbors}. The pipeline writes every row of one list with one
   * {@code updated_at}, so these are whole lists (or, while a list's rows are still being committed, the part of it
   * visible so far: {@link SnapshotRows} joins the rows of one {@code updated_at}). With {@code since} at or before
   * the oldest row this is {@link #neighbors}. Stores that can filter on {@code updated_at} read only those rows;
   * the default filters a full read.
   *
   * @throws StoreException when the warehouse cannot be read
   */
  default List<NeighborRow> neighborsChangedSince(Instant since, int maxRows) {
    return neighbors(maxRows).stream().filter(r -> r.updatedAt() != null && !r.updatedAt().isBefore(since))
        .toList();
  }

  /**
   * The {@code item_factors} rows: per product the one with the newest {@code updated_at} (every model version's;
   * {@link FactorRows} keeps the newest version's), ordered by product. A bad row (embeddings empty, of different
   * lengths or not finite) is skipped with a warning naming the product and the column ({@link FactorRows#read}).
   * A store without the table (a test's) has none: serving then ranks without the learned factors.
   *
   * @throws StoreException when the warehouse cannot be read
   */
  default List<ItemFactorRow> factors(int maxRows) {
    return List.of();
  }

  /**
   * The {@link #factors} rows with {@code updated_at >= since}, as {@link #neighborsChangedSince} reads neighbour
   * rows (the table is partitioned and clustered on {@code updated_at} alike).
   *
   * @throws StoreException when the warehouse cannot be read
   */
  default List<ItemFactorRow> factorsChangedSince(Instant since, int maxRows) {
    return factors(maxRows).stream().filter(r -> !r.updatedAt().isBefore(since)).toList();
  }

  /**
   * Trend scores per product over the {@code product_trends} windows that end within {@code window} of the
   * newest window end: {@code Σ events × w(event_type)} with the model's type weights (view, add_to_cart,
   * purchase; other types 0), best first (ties: smaller id first).
   *
   * @throws StoreException when the warehouse cannot be read
   */
  Trends trends(Duration window, ModelConfig weights, int maxRows);

  /**
   * The popularity prior's scores ({@link ModelConfig#popularityWeight()}): per product, {@code Σ w(event_type)}
   * over the {@code events} rows' product lines with an {@code event_time} in {@code (asOf − window, asOf]}, with
   * the model's type weights (other types 0), best first (ties: smaller id first), products scoring 0 left out.
   * Read at full loads only: a year's popularity moves slowly, and the query scans that window of {@code events}.
   *
   * @throws StoreException when the warehouse cannot be read
   */
  List<TrendScore> popularity(Instant asOf, Duration window, ModelConfig weights, int maxRows);

  /**
   * The {@code product_trends} rows with {@code updated_at >= since}: per product, event type and window, the one
   * with the newest {@code updated_at} (a later pane replaces an earlier one), leaving out windows that end
   * {@code window} or more before the newest window end among them (they can never count again). {@link SnapshotRows}
   * keeps them and scores them as {@link #trends} does; {@code since} = {@link Instant#EPOCH} reads them all.
   *
   * @throws StoreException when the warehouse cannot be read
   */
  List<TrendRow> trendRowsChangedSince(Instant since, Duration window, int maxRows);

  /**
   * The catalog, latest version per product.
   *
   * @throws StoreException when the warehouse cannot be read
   */
  List<CatalogEntry> catalog(int maxRows);

  /**
   * The user's latest {@code user_activity} row; empty for a user the pipeline never saw.
   *
   * @throws StoreException when the warehouse cannot be read
   */
  Optional<UserActivity> userActivity(String userId);

  /**
   * The users whose latest {@code user_activity} row has {@code updated_at >= since}, with that {@code updated_at},
   * newest first, at most {@code maxRows}: what {@link UserActivityCache} polls to learn which cached users changed.
   *
   * @throws StoreException when the warehouse cannot be read
   */
  List<UserChange> userChanges(Instant since, int maxRows);

  /** The signal of a wire name; null for a name this code does not know (a store skips that row). */
  static Signal knownSignal(String wireName) {
    try {
      return wireName == null ? null : Signal.fromWireName(wireName);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** A user whose {@code user_activity} row is as of {@code updatedAt}. */
  record UserChange(String userId, Instant updatedAt) {}

  /** One {@code item_neighbors} row: {@code productId}'s neighbour, as of {@code updatedAt}. */
  record NeighborRow(String productId, Neighbor neighbor, Instant updatedAt) {
    public NeighborRow {
      Objects.requireNonNull(productId, "productId");
      Objects.requireNonNull(neighbor, "neighbor");
    }

    /** The serving row of a table row; empty for a signal this code does not know (the store skips the row). */
    public static Optional<NeighborRow> of(ItemNeighborRow row) {
      Signal signal = knownSignal(row.signal());
      return signal == null ? Optional.empty() : Optional.of(new NeighborRow(row.productId(),
          new Neighbor(row.neighborId(), signal, row.score(), (int) row.rank(), row.coCount()), row.updatedAt()));
    }
  }

  /**
   * @param newestWindowEnd the end of the newest window (the end of the trending period), null when the table is
   *     empty
   * @param updatedAt the newest {@code updated_at} among the rows read, null when none
   * @param products best first
   */
  record Trends(Instant newestWindowEnd, Instant updatedAt, List<TrendScore> products) {
    public Trends {
      products = List.copyOf(products);
    }

    public static Trends empty() {
      return new Trends(null, null, List.of());
    }
  }

  /** One {@code product_trends} row: a product's events of one type in one window, as of {@code updatedAt}. */
  record TrendRow(String productId, String eventType, Instant windowStart, Instant windowEnd, long events,
      Instant updatedAt) {
    public TrendRow {
      Objects.requireNonNull(productId, "productId");
      Objects.requireNonNull(eventType, "eventType");
      Objects.requireNonNull(windowStart, "windowStart");
      Objects.requireNonNull(windowEnd, "windowEnd");
    }

    public static TrendRow of(ProductTrendRow row) {
      return new TrendRow(row.productId(), row.eventType(), row.windowStart(), row.windowEnd(), row.events(),
          row.updatedAt());
    }
  }

  /** A product's trend score and the number of events behind it (all types). */
  record TrendScore(String productId, double score, long events) {}

  /** The catalog's facts serving needs; {@code available} is false only when the catalog says so. */
  record CatalogEntry(String productId, String title, String category, boolean available) {
    public static CatalogEntry of(Product product) {
      return new CatalogEntry(product.productId(), product.title(), product.category(),
          !Boolean.FALSE.equals(product.available()));
    }
  }

  /**
   * @param recentItems newest first, as the pipeline wrote them
   * @param purchased most recent first
   */
  record UserActivity(String userId, List<Interaction> recentItems, List<String> purchased, Instant updatedAt) {
    public UserActivity {
      recentItems = List.copyOf(recentItems);
      purchased = List.copyOf(purchased);
    }
  }
}
