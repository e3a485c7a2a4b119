package dev.shopstream.functions.recommend;

import dev.shopstream.functions.recommend.RecommendationStore.CatalogEntry;
import dev.shopstream.functions.recommend.RecommendationStore.TrendScore;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Builds one answer's items from candidates offered best first, applying in order: the filters of every endpoint
 * ({@code exclude} ids, products the catalog marks unavailable, the {@code category} filter: the product's
 * category is the filter or below it, e.g. {@code home} matches {@code home/kitchen}), no product twice, and
 * diversity: at most {@code maxPerCategory} items of one category (full path; products of unknown category are
 * not capped). Candidates over a category's cap wait in order and top the answer up at the end if fewer than
 * {@code k} others qualified, so diversity never makes an answer shorter.
 */
final class Selection {
  /** One answered item. */
  record Item(String productId, double score, String reason, String category) {
    /** Not linked to the user's items: trending, or popular (the popularity prior). */
    boolean trending() {
      return reason.startsWith(TRENDING_PREFIX) || reason.startsWith(POPULAR_PREFIX);
    }
  }

  static final String TRENDING_PREFIX = "trending in ";
  static final String POPULAR_PREFIX = "popular in ";

  private final Snapshot snapshot;
  private final Optional<String> category;
  private final Set<String> exclude;
  private final int k;
  private final int maxPerCategory;
  private final List<Item> chosen = new ArrayList<>();
  private final List<Item> overCap = new ArrayList<>();
  private final Set<String> taken = new HashSet<>();
  private final Map<String, Integer> perCategory = new HashMap<>();

  Selection(Snapshot snapshot, Optional<String> category, Set<String> exclude, int k, int maxPerCategory) {
    this.snapshot = snapshot;
    this.category = category;
    this.exclude = exclude;
    this.k = k;
    this.maxPerCategory = maxPerCategory;
  }

  boolean full() {
    return chosen.size() >= k;
  }

  /** Offers a candidate; returns whether it was taken now. */
  boolean offer(String productId, double score, String reason) {
    if (full() || taken.contains(productId) || exclude.contains(productId)) {
      return false;
    }
    CatalogEntry product = snapshot.product(productId);
    if (product != null && !product.available()) {
      return false;
    }
    String productCategory = product == null ? null : product.category();
    if (category.isPresent() && !within(productCategory, category.get())) {
      return false;
    }
    taken.add(productId);
    Item item = new Item(productId, score, reason, productCategory);
    if (productCategory != null && perCategory.getOrDefault(productCategory, 0) >= maxPerCategory) {
      if (overCap.size() < k) {
        overCap.add(item);
      }
      return false;
    }
    if (productCategory != null) {
      perCategory.merge(productCategory, 1, Integer::sum);
    }
    chosen.add(item);
    return true;
  }

  /** Fills the answer with trending products, best first, each with the reason "trending in Y". */
  void fillWithTrending() {
    for (TrendScore t : snapshot.trending(category.orElse(null))) { // only the category's: the others never qualify
      if (full()) {
        break;
      }
      offer(t.productId(), t.score(), trendingReason(snapshot.category(t.productId())));
    }
  }

  /** The product's category path, null when the catalog does not know it. */
  String category(String productId) {
    return snapshot.category(productId);
  }

  /**
   * "popular in home/kitchen", or "popular in the shop": a product the popularity prior (all-time popularity) added
   * with no link to the user's items.
   */
  static String popularReason(String category) {
    return POPULAR_PREFIX + (category == null ? "the shop" : category);
  }

  /** "trending in home/kitchen", or "trending in the shop" for a product of unknown category. */
  static String trendingReason(String category) {
    return TRENDING_PREFIX + (category == null ? "the shop" : category);
  }

  /** The answer: the chosen items, topped up from the over-cap ones when fewer than {@code k}. */
  List<Item> items() {
    List<Item> out = new ArrayList<>(chosen);
    for (Item item : overCap) {
      if (out.size() >= k) {
        break;
      }
      out.add(item);
    }
    return out;
  }

  /** True when {@code productCategory} is {@code filter} or a category below it. */
  static boolean within(String productCategory, String filter) {
    return productCategory != null && (productCategory.equals(filter)
        || productCategory.startsWith(filter) && productCategory.charAt(filter.length()) == '/');
  }
}
