package dev.shopstream.functions.recommend;

import dev.shopstream.functions.recommend.RecommendationStore.CatalogEntry;
import dev.shopstream.functions.recommend.RecommendationStore.NeighborRow;
import dev.shopstream.functions.recommend.RecommendationStore.TrendScore;
import dev.shopstream.functions.recommend.RecommendationStore.Trends;
import dev.shopstream.model.FactorModel;
import dev.shopstream.model.ModelConfig;
import dev.shopstream.model.Neighbor;
import dev.shopstream.model.Recommendation;
import dev.shopstream.model.Recommender;
import dev.shopstream.model.Trending;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One immutable in-memory copy of the model and its context, built from one refresh: the neighbour lists as a
 * {@link Recommender} (the model module's {@link Recommender#ofNeighbors}, so serving scores exactly as offline
 * evaluation does), the trending ranking (also as the model's {@link Trending}, what a user's recommendations are
 * blended with), the learned factors' scorer ({@link FactorModel} of the {@code item_factors} rows, {@link FactorRows};
 * null when there are none; with its {@link FactorModel.Priors}: the blend's trending and popularity scores of each
 * item it scores, so that a request scoring the whole catalog reads arrays) and the catalog. Requests read a snapshot without locks; a refresh replaces it whole.
 *
 * <p>{@link #asOf}: the newest {@code updated_at} among the neighbour and trend rows (when the model last
 * changed), null when both tables are empty. {@code asOfText} and {@code loadedAtText}: both as every answer prints
 * them, formatted once.
 */
record Snapshot(Recommender recommender, List<TrendScore> trending,
    Map<String, List<TrendScore>> trendingByCategory, Trending trendingBlend, Trending popularBlend,
    FactorModel factors, FactorModel.Priors factorPriors, Map<String, CatalogEntry> catalog, Instant asOf, Instant loadedAt, int neighborRows,
    String asOfText, String loadedAtText) {

  /** {@link #build(ModelConfig, List, Trends, List, List, Instant)} with no popularity prior. */
  static Snapshot build(ModelConfig config, List<NeighborRow> neighborRows, Trends trends,
      List<CatalogEntry> catalogRows, Instant loadedAt) {
    return build(config, neighborRows, trends, List.of(), catalogRows, loadedAt);
  }

  /** {@link #build(ModelConfig, List, Trends, List, List, Instant, FactorModel)} with no learned factors. */
  static Snapshot build(ModelConfig config, List<NeighborRow> neighborRows, Trends trends,
      List<TrendScore> popularity, List<CatalogEntry> catalogRows, Instant loadedAt) {
    return build(config, neighborRows, trends, popularity, catalogRows, loadedAt, null);
  }

  /**
   * @param popularity the popularity prior's scores ({@link RecommendationStore#popularity}), any order
   * @param factors the learned factors' scorer, read-only from here on; null for none
   */
  static Snapshot build(ModelConfig config, List<NeighborRow> neighborRows, Trends trends,
      List<TrendScore> popularity, List<CatalogEntry> catalogRows, Instant loadedAt, FactorModel factors) {
    Map<String, List<Neighbor>> byItem = new HashMap<>();
    Set<String> seen = new HashSet<>();
    Map<String, String> ids = new HashMap<>(); // one String per product id: lookups on a request touch less memory
    Instant asOf = trends.updatedAt();
    for (NeighborRow row : neighborRows) {
      if (!seen.add(row.productId() + '\u0000' + row.neighbor().signal() + '\u0000' + row.neighbor().productId())) {
        continue; // a duplicated row of the same list
      }
      Neighbor n = row.neighbor();
      byItem.computeIfAbsent(one(ids, row.productId()), k -> new ArrayList<>())
          .add(new Neighbor(one(ids, n.productId()), n.signal(), n.score(), n.rank(), n.coCount()));
      if (row.updatedAt() != null && (asOf == null || row.updatedAt().isAfter(asOf))) {
        asOf = row.updatedAt();
      }
    }
    Comparator<Neighbor> byRank = Comparator.comparing(Neighbor::signal).thenComparingInt(Neighbor::rank);
    byItem.values().forEach(list -> list.sort(byRank));
    Map<String, CatalogEntry> catalog = new HashMap<>();
    for (CatalogEntry e : catalogRows) {
      String id = one(ids, e.productId());
      catalog.put(id, new CatalogEntry(id, e.title(), e.category(), e.available()));
    }
    List<TrendScore> trending = trends.products().stream().filter(t -> t.score() > 0)
        .map(t -> new TrendScore(one(ids, t.productId()), t.score(), t.events()))
        .sorted(Comparator.comparingDouble(TrendScore::score).reversed().thenComparing(TrendScore::productId))
        .toList();
    Map<String, List<TrendScore>> byCategory = new HashMap<>();
    for (TrendScore t : trending) {
      CatalogEntry e = catalog.get(t.productId());
      String category = e == null ? null : e.category();
      if (category == null) {
        continue;
      }
      for (int slash = category.indexOf('/'); slash >= 0; slash = category.indexOf('/', slash + 1)) {
        if (slash > 0) { // every category above it ("home", "home/kitchen" for "home/kitchen/mugs")
          byCategory.computeIfAbsent(category.substring(0, slash), c -> new ArrayList<>()).add(t);
        }
      }
      byCategory.computeIfAbsent(category, c -> new ArrayList<>()).add(t);
    }
    byCategory.replaceAll((c, list) -> List.copyOf(list));
    Trending trendingBlend = blend(trending, catalog, ids);
    Trending popularBlend = blend(popularity, catalog, ids);
    return new Snapshot(Recommender.ofNeighbors(config, byItem), trending, byCategory, trendingBlend, popularBlend,
        factors, factors == null ? null : factors.priors(trendingBlend, popularBlend), Map.copyOf(catalog), asOf,
        loadedAt, neighborRows.size(), asOf == null ? null : asOf.toString(), loadedAt.toString());
  }

  /** The blend's list: the products that can be answered (the blend scales by the best of them). */
  private static Trending blend(List<TrendScore> scores, Map<String, CatalogEntry> catalog, Map<String, String> ids) {
    List<Recommendation> out = new ArrayList<>(scores.size());
    for (TrendScore t : scores) {
      CatalogEntry e = catalog.get(t.productId());
      if (e == null || e.available()) {
        out.add(new Recommendation(one(ids, t.productId()), t.score()));
      }
    }
    return Trending.of(out);
  }

  /**
   * The trending products of {@code category} or a category below it ({@link Selection#within}), best first; all
   * of them when {@code category} is null.
   */
  List<TrendScore> trending(String category) {
    return category == null ? trending : trendingByCategory.getOrDefault(category, List.of());
  }

  private static String one(Map<String, String> ids, String id) {
    String known = ids.putIfAbsent(id, id);
    return known == null ? id : known;
  }

  /** The catalog entry, null for a product the catalog does not list. */
  CatalogEntry product(String productId) {
    return catalog.get(productId);
  }

  /** The product's category path, null when unknown. */
  String category(String productId) {
    CatalogEntry e = catalog.get(productId);
    return e == null ? null : e.category();
  }

  /** False only for a product the catalog marks unavailable (a product it does not list can be recommended). */
  boolean available(String productId) {
    CatalogEntry e = catalog.get(productId);
    return e == null || e.available();
  }
}
