package dev.shopstream.contract.api;

/**
 * The shape of the recommendation API ({@code docs/openapi.yaml}): its query and path parameters, the fields of its
 * answers and of the cart body. The recommend function answers it; the benchmarks, the local stack's console and the
 * tests read it: all of them take the names from here. Its errors are {@link ErrorReply}s.
 */
public final class RecommendationApi {
  /** Query parameter of {@code GET /recommendations}, and the answer's field naming the user. */
  public static final String USER_ID = "user_id";
  /** Query parameter: how many items (1 to the function's maximum). */
  public static final String K = "k";
  /** Query parameter of {@code GET /recommendations} ({@code buy_again} or absent), and the answer's field. */
  public static final String MODE = "mode";
  /** Query parameter: only items of this category; and an item's (and the trending answer's) category field. */
  public static final String CATEGORY = "category";
  /** Query parameter, repeatable: product ids never recommended. */
  public static final String EXCLUDE = "exclude";
  /**
   * The path parameter of {@code /products/{product_id}/...}, the answer's field naming that product, an item's
   * product and a cart line's product.
   */
  public static final String PRODUCT_ID = "product_id";

  /** Fields every answer has (an answer's own fields come first: {@link #USER_ID}, {@link #PRODUCT_ID}, ...). */
  public static final String AS_OF = "as_of";
  public static final String STALE = "stale";
  public static final String SNAPSHOT_LOADED_AT = "snapshot_loaded_at";
  public static final String STRATEGY = "strategy";
  public static final String FALLBACK = "fallback";
  /** The answer's items, best first; also the cart body's lines ({@code POST /cart/recommendations}). */
  public static final String ITEMS = "items";
  /** Fields of an answer's item (with {@link #PRODUCT_ID} and {@link #CATEGORY}). */
  public static final String SCORE = "score";
  public static final String REASON = "reason";
  /** The bought-together answer's field listing the cart it answered. */
  public static final String CART = "cart";
  /** Field of a cart line (with {@link #PRODUCT_ID}): optional, not used. */
  public static final String QUANTITY = "quantity";

  private RecommendationApi() {}
}
