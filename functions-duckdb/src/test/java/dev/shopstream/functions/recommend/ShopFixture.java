package dev.shopstream.functions.recommend;

import dev.shopstream.contract.TableSchemas;
import dev.shopstream.warehouse.duckdb.DuckDbWarehouse;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small shop in the contract's tables of a real DuckDB warehouse, for the serving tests.
 *
 * <p>Catalog: mug-01..mug-04 and gone-09 (unavailable) in home/kitchen/mugs, pot-03 in home/kitchen/teapots,
 * tea-02 in grocery/tea; x-old is not in the catalog. Neighbours (as of {@link #MODEL_TIME}; one older row,
 * tea-02 → old-1, must be ignored): see {@link #insertNeighbors}. Trends in the 7 days before {@link #NOW}:
 * mug-03 3 purchases = 15, tea-02 10 views = 10, pot-03 1 add-to-cart = 3, gone-09 100 views (unavailable);
 * x-old 1000 views 30 days ago (outside the window). Users: alice viewed tea-02 at NOW and bought mug-01 two
 * hours before; bob viewed pot-03.
 */
final class ShopFixture {
  static final Instant NOW = Instant.parse("2026-11-20T12:00:00Z");
  static final Instant MODEL_TIME = NOW.plusSeconds(30);

  private ShopFixture() {}

  static void insertAll(DuckDbWarehouse w) throws SQLException {
    insertCatalog(w);
    insertNeighbors(w);
    insertTrends(w);
    insertUsers(w);
  }

  static void insertCatalog(DuckDbWarehouse w) throws SQLException {
    List<Map<String, Object>> rows = new ArrayList<>();
    for (String mug : List.of("mug-01", "mug-02", "mug-03", "mug-04")) {
      rows.add(product(mug, "home/kitchen/mugs", true));
    }
    rows.add(product("gone-09", "home/kitchen/mugs", false));
    rows.add(product("pot-03", "home/kitchen/teapots", true));
    rows.add(product("tea-02", "grocery/tea", true));
    w.insert(TableSchemas.products(), rows);
  }

  /**
   * tea-02: co_view pot-03 .9, mug-01 .5, gone-09 .4; combined pot-03 .8, mug-01 .6, gone-09 .3; co_purchase
   * pot-03 .7. pot-03: co_view tea-02 .9; combined tea-02 .8, mug-02 .5; co_cart mug-02 .6. mug-01: combined
   * mug-02 .9, mug-03 .8, mug-04 .7, tea-02 .2. mug-03 (the unavailable gone-09 first in both lists): co_purchase
   * gone-09 .9, mug-04 .6; co_cart gone-09 .8, mug-02 .5. Next (directed): after pot-03, mug-04 .9.
   */
  static void insertNeighbors(DuckDbWarehouse w) throws SQLException {
    List<Map<String, Object>> rows = new ArrayList<>();
    rows.add(neighbor("tea-02", "co_view", "old-1", 0.99, 1, MODEL_TIME.minus(Duration.ofHours(1))));
    addList(rows, "tea-02", "co_view", "pot-03", 0.9, "mug-01", 0.5, "gone-09", 0.4);
    addList(rows, "tea-02", "combined", "pot-03", 0.8, "mug-01", 0.6, "gone-09", 0.3);
    addList(rows, "tea-02", "co_purchase", "pot-03", 0.7);
    addList(rows, "pot-03", "co_view", "tea-02", 0.9);
    addList(rows, "pot-03", "combined", "tea-02", 0.8, "mug-02", 0.5);
    addList(rows, "pot-03", "co_cart", "mug-02", 0.6);
    addList(rows, "mug-01", "combined", "mug-02", 0.9, "mug-03", 0.8, "mug-04", 0.7, "tea-02", 0.2);
    addList(rows, "mug-03", "co_purchase", "gone-09", 0.9, "mug-04", 0.6);
    addList(rows, "mug-03", "co_cart", "gone-09", 0.8, "mug-02", 0.5);
    addList(rows, "pot-03", "next", "mug-04", 0.9);
    w.insert(TableSchemas.get("item_neighbors"), rows);
  }

  static void insertTrends(DuckDbWarehouse w) throws SQLException {
    List<Map<String, Object>> rows = new ArrayList<>();
    rows.add(trend("mug-03", "purchase", 3, NOW));
    rows.add(trend("tea-02", "view", 6, NOW));
    rows.add(trend("tea-02", "view", 4, NOW.minus(Duration.ofDays(2))));
    rows.add(trend("tea-02", "search", 50, NOW));
    rows.add(trend("pot-03", "add_to_cart", 1, NOW.minus(Duration.ofHours(3))));
    rows.add(trend("gone-09", "view", 100, NOW));
    rows.add(trend("x-old", "view", 1000, NOW.minus(Duration.ofDays(30))));
    w.insert(TableSchemas.get("product_trends"), rows);
  }

  static void insertUsers(DuckDbWarehouse w) throws SQLException {
    w.insert(TableSchemas.get("user_activity"), List.of(
        user("alice", List.of(recent("tea-02", "view", NOW), recent("mug-01", "purchase", NOW.minusSeconds(7200))),
            List.of("mug-01")),
        user("bob", List.of(recent("pot-03", "view", NOW)), List.of())));
  }

  private static void addList(List<Map<String, Object>> rows, String product, String signal, Object... pairs) {
    for (int i = 0; i < pairs.length; i += 2) {
      rows.add(neighbor(product, signal, (String) pairs[i], (Double) pairs[i + 1], i / 2 + 1, MODEL_TIME));
    }
  }

  static Map<String, Object> neighbor(String product, String signal, String neighbor, double score, int rank,
      Instant at) {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("product_id", product);
    row.put("neighbor_id", neighbor);
    row.put("signal", signal);
    row.put("score", score);
    row.put("rank", (long) rank);
    row.put("co_count", score * 10);
    row.put("updated_at", at.toString());
    return row;
  }

  static Map<String, Object> product(String id, String category, boolean available) {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("product_id", id);
    row.put("title", "Title of " + id);
    row.put("category", category);
    row.put("price", 10.0);
    row.put("currency", "EUR");
    row.put("available", available);
    row.put("updated_at", NOW.minus(Duration.ofDays(1)).toString());
    return row;
  }

  static Map<String, Object> trend(String product, String type, long events, Instant windowEnd) {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("product_id", product);
    row.put("event_type", type);
    row.put("window_start", windowEnd.minus(Duration.ofHours(1)).toString());
    row.put("window_end", windowEnd.toString());
    row.put("events", events);
    row.put("units", events);
    row.put("timing", "ON_TIME");
    row.put("updated_at", windowEnd.toString());
    return row;
  }

  static Map<String, Object> recent(String product, String type, Instant at) {
    Map<String, Object> item = new LinkedHashMap<>();
    item.put("product_id", product);
    item.put("event_type", type);
    item.put("event_time", at.toString());
    return item;
  }

  static Map<String, Object> user(String id, List<Map<String, Object>> recent, List<String> purchased) {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("user_id", id);
    row.put("recent_items", recent);
    row.put("purchased", purchased);
    row.put("updated_at", NOW.toString());
    return row;
  }

  /** An {@code events} row: one line of each product (quantity 1), a search's query "tea", at {@code at}. */
  static Map<String, Object> event(String id, dev.shopstream.contract.EventType type, Instant at,
      String... products) {
    List<dev.shopstream.contract.ProductLine> lines = java.util.Arrays.stream(products)
        .map(p -> new dev.shopstream.contract.ProductLine(p, 1, 2.5)).toList();
    return dev.shopstream.contract.Rows.event(new dev.shopstream.contract.Event(id, type, "u-" + id, null, at, lines,
        "EUR", type == dev.shopstream.contract.EventType.SEARCH ? "tea" : null, null), at);
  }
}
