package dev.shopstream.functions.recommend;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The warehouse as the recommend function reads it. One call answers one request (one query: on BigQuery every
 * query is a job, so one per request keeps latency and cost down).
 *
 * <p>Trending score of a product = {@value #PURCHASE_WEIGHT} per purchase + {@value #ADD_TO_CART_WEIGHT} per
 * add-to-cart + {@value #VIEW_WEIGHT} per view, counting events (not units: one bulk order must not outweigh
 * many buyers), each event at most once per product. Searches and removals from the cart do not count. Ties go
 * to the smaller product id, so the order is stable. Every store passes these weights to its query as
 * parameters, so both warehouses rank alike.
 */
public interface RecommendationStore {
  long PURCHASE_WEIGHT = 5;
  long ADD_TO_CART_WEIGHT = 3;
  long VIEW_WEIGHT = 1;

  /**
   * The best {@code limit} trending products of the {@code window} that ends at the warehouse's newest
   * {@code event_time} ({@link Trending#asOf}), leaving out every product {@code userId} ever purchased.
   *
   * @throws StoreException when the warehouse cannot be read
   */
  Trending trending(String userId, Duration window, int limit);

  /**
   * @param asOf the newest event time in the warehouse (the end of the window), null when it is empty
   * @param products best first
   */
  record Trending(Instant asOf, List<TrendingProduct> products) {
    public Trending {
      products = List.copyOf(products);
    }
  }

  /** One product's activity in the window, counted in events, and its score. */
  record TrendingProduct(String productId, long purchases, long addToCarts, long views, long score) {}
}
