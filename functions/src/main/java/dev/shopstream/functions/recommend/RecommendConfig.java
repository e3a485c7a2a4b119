package dev.shopstream.functions.recommend;

import dev.shopstream.functions.Settings;
import dev.shopstream.functions.http.AccessPolicy;
import dev.shopstream.model.ModelConfig;
import dev.shopstream.model.Trending;
import java.time.Duration;
import java.util.Objects;

/**
 * Policy of {@link RecommendFunction}; every limit is explicit here.
 *
 * @param trendingWindow trending counts the {@code product_trends} windows ending this long before the newest
 *     ({@code TRENDING_WINDOW}, ISO-8601, default P7D; whole seconds, at least one)
 * @param access API key and CORS ({@code API_KEY}, {@code CORS_ALLOWED_ORIGINS})
 * @param model the model's weights and decay (the same {@link ModelConfig} the pipeline and evaluation use), and
 *     the weight of trending in a user's recommendations ({@code TREND_WEIGHT}, 0 to {@value #MAX_TREND_WEIGHT},
 *     default {@link ModelConfig#DEFAULT_TREND_WEIGHT}; 0 = co-occurrence only, trending then only fills up; tune
 *     it for a shop with {@code evaluate --tune}, docs/EVALUATION.md), the weight of the items often taken next
 *     ({@code NEXT_WEIGHT}, default {@link ModelConfig#DEFAULT_NEXT_WEIGHT}) and the popularity prior
 *     ({@code POPULARITY_WEIGHT}, default {@link ModelConfig#DEFAULT_POPULARITY_WEIGHT}), both 0 to
 *     {@value #MAX_TREND_WEIGHT}, over the {@code events} of the last {@code POPULARITY_WINDOW} (ISO-8601, default
 *     P365D)
 * @param snapshotRefresh pause between two background refreshes of the snapshot ({@code SNAPSHOT_REFRESH}, PT5S)
 * @param staleAfter a snapshot older than this is served with {@code "stale": true} even when no refresh failed
 *     ({@code SNAPSHOT_STALE_AFTER}, default three refresh intervals plus 30 s)
 * @param startupWait how long the no-arg constructor waits for the first snapshot before it lets the function
 *     start (answering 503 until one loads) ({@code SNAPSHOT_STARTUP_WAIT}, PT30S)
 * @param snapshotMaxRows bound of each bulk read (neighbours, trends, catalog) ({@code SNAPSHOT_MAX_ROWS}, 5,000,000)
 * @param snapshotReads how refreshes read only the changed rows ({@link SnapshotRefresher})
 * @param userCacheTtl the freshness bound of a user's activity: a change to their {@code user_activity} row is served
 *     at most this long after it is committed ({@code USER_CACHE_TTL}, PT2S). A cached row is reused while it was
 *     read, or confirmed unchanged by a poll of the changed users, less than this long ago ({@link UserActivityCache})
 * @param userCacheMaxEntries users kept in the activity cache, and the most changed users one poll reads
 *     ({@code USER_CACHE_MAX_ENTRIES}, 100,000)
 * @param userChanges how the cache learns which users changed
 * @param maxPerCategory diversity: at most this many items of one category in an answer while other candidates
 *     remain ({@code MAX_PER_CATEGORY}, 3)
 * @param maxCartItems items in a {@code POST /cart/recommendations} body ({@code MAX_CART_ITEMS}, 100)
 * @param maxCartBodyBytes size of that body ({@code MAX_CART_BODY_BYTES}, 65,536)
 */
public record RecommendConfig(Duration trendingWindow, AccessPolicy access, ModelConfig model,
    Duration snapshotRefresh, Duration staleAfter, Duration startupWait, int snapshotMaxRows,
    SnapshotReads snapshotReads, Duration userCacheTtl, int userCacheMaxEntries, UserChanges userChanges,
    int maxPerCategory, int maxCartItems, int maxCartBodyBytes) {
  public static final Duration DEFAULT_TRENDING_WINDOW = Trending.DEFAULT_WINDOW;
  public static final double MAX_TREND_WEIGHT = 100;
  public static final Duration DEFAULT_SNAPSHOT_REFRESH = Duration.ofSeconds(5);
  public static final Duration DEFAULT_STARTUP_WAIT = Duration.ofSeconds(30);
  public static final int DEFAULT_SNAPSHOT_MAX_ROWS = 5_000_000;
  public static final Duration DEFAULT_SNAPSHOT_CHANGES_OVERLAP = Duration.ofSeconds(30);
  public static final Duration DEFAULT_SNAPSHOT_FULL_RELOAD = Duration.ofMinutes(10);
  public static final Duration DEFAULT_USER_CACHE_TTL = Duration.ofSeconds(2);
  public static final int DEFAULT_USER_CACHE_MAX_ENTRIES = 100_000;
  public static final Duration DEFAULT_USER_CHANGES_LOOKBACK = Duration.ofSeconds(30);
  public static final Duration DEFAULT_USER_CACHE_MAX_AGE = Duration.ofMinutes(5);
  public static final int DEFAULT_MAX_PER_CATEGORY = 3;
  public static final int DEFAULT_MAX_CART_ITEMS = 100;
  public static final int DEFAULT_MAX_CART_BODY_BYTES = 65_536;

  /**
   * The poll of changed users ({@link UserActivityCache#pollChanges}).
   *
   * @param poll pause between two polls ({@code USER_CHANGES_POLL}, default half of {@code USER_CACHE_TTL}); the
   *     TTL bounds freshness whatever this is, a shorter poll only keeps more users cached
   * @param lookback each poll reads the users whose row's {@code updated_at} is at most this much older than the
   *     newest one seen so far: rows that become visible late, out of {@code updated_at} order, are still seen
   *     ({@code USER_CHANGES_LOOKBACK}, PT30S)
   * @param maxAge a row is read again after this long even while polls report no change
   *     ({@code USER_CACHE_MAX_AGE}, PT5M)
   */
  public record UserChanges(Duration poll, Duration lookback, Duration maxAge) {
    public UserChanges {
      if (poll.toMillis() < 1 || lookback.isNegative() || maxAge.isNegative()) {
        throw new IllegalArgumentException("the user changes poll must be positive, lookback and max age >= 0");
      }
    }

    /** The defaults for this TTL: a poll every half TTL (at least every 1 ms). */
    public static UserChanges defaults(Duration ttl) {
      return new UserChanges(defaultPoll(ttl), DEFAULT_USER_CHANGES_LOOKBACK, DEFAULT_USER_CACHE_MAX_AGE);
    }

    private static Duration defaultPoll(Duration ttl) {
      Duration half = ttl.dividedBy(2);
      return half.toMillis() < 1 ? Duration.ofMillis(1) : half;
    }
  }

  /**
   * The incremental refresh of the snapshot ({@link SnapshotRefresher}).
   *
   * @param overlap each refresh reads the rows with {@code updated_at} from this long before the previous load
   *     started: it must exceed the pipeline sink's commit latency (the time from stamping a row to its being
   *     visible: on BigQuery the Storage Write API's triggering frequency, 5 s by default, plus a bundle's
   *     processing; on DuckDB a batch) and the clock difference between the pipeline and the function
   *     ({@code SNAPSHOT_CHANGES_OVERLAP}, PT30S)
   * @param fullReload a full load this long after the previous one, which bounds how long a row that became visible
   *     later than {@code overlap} (or a list deleted from the table) can be missed; up to {@code snapshotRefresh}
   *     (or zero): every refresh is a full load, as before incremental reads ({@code SNAPSHOT_FULL_RELOAD}, PT10M)
   */
  public record SnapshotReads(Duration overlap, Duration fullReload) {
    public SnapshotReads {
      if (overlap.isNegative() || fullReload.isNegative()) {
        throw new IllegalArgumentException("the snapshot changes overlap and full reload must be >= 0");
      }
    }

    public static SnapshotReads defaults() {
      return new SnapshotReads(DEFAULT_SNAPSHOT_CHANGES_OVERLAP, DEFAULT_SNAPSHOT_FULL_RELOAD);
    }
  }

  public RecommendConfig {
    Objects.requireNonNull(access, "access");
    Objects.requireNonNull(snapshotReads, "snapshotReads");
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(userChanges, "userChanges");
    if (trendingWindow.toSeconds() < 1) {
      throw new IllegalArgumentException("the trending window must be at least one second");
    }
    if (snapshotRefresh.toMillis() < 1 || staleAfter.toMillis() < 1 || startupWait.isNegative()
        || userCacheTtl.isNegative()) {
      throw new IllegalArgumentException("snapshot refresh and stale-after must be positive, waits and TTL >= 0");
    }
    if (snapshotMaxRows < 1 || userCacheMaxEntries < 1 || maxPerCategory < 1 || maxCartItems < 1
        || maxCartBodyBytes < 2) {
      throw new IllegalArgumentException("row, cache, category and cart limits must be positive");
    }
  }

  /** Every default, with this access policy. */
  public static RecommendConfig defaults(AccessPolicy access) {
    return new RecommendConfig(DEFAULT_TRENDING_WINDOW, access, ModelConfig.defaults(), DEFAULT_SNAPSHOT_REFRESH,
        defaultStaleAfter(DEFAULT_SNAPSHOT_REFRESH), DEFAULT_STARTUP_WAIT, DEFAULT_SNAPSHOT_MAX_ROWS,
        SnapshotReads.defaults(), DEFAULT_USER_CACHE_TTL, DEFAULT_USER_CACHE_MAX_ENTRIES,
        UserChanges.defaults(DEFAULT_USER_CACHE_TTL),
        DEFAULT_MAX_PER_CATEGORY, DEFAULT_MAX_CART_ITEMS, DEFAULT_MAX_CART_BODY_BYTES);
  }

  public static RecommendConfig from(Settings settings) {
    Duration refresh = settings.duration("SNAPSHOT_REFRESH", DEFAULT_SNAPSHOT_REFRESH);
    Duration ttl = settings.duration("USER_CACHE_TTL", DEFAULT_USER_CACHE_TTL);
    return new RecommendConfig(
        settings.duration("TRENDING_WINDOW", DEFAULT_TRENDING_WINDOW),
        AccessPolicy.from(settings),
        ModelConfig.builder()
            .trendWeight(settings.decimal("TREND_WEIGHT", ModelConfig.defaults().trendWeight(), 0,
                MAX_TREND_WEIGHT))
            .nextWeight(settings.decimal("NEXT_WEIGHT", ModelConfig.defaults().nextWeight(), 0, MAX_TREND_WEIGHT))
            .popularityWeight(settings.decimal("POPULARITY_WEIGHT", ModelConfig.defaults().popularityWeight(), 0,
                MAX_TREND_WEIGHT))
            .popularityWindow(settings.duration("POPULARITY_WINDOW", ModelConfig.DEFAULT_POPULARITY_WINDOW))
            .itemNextWeight(settings.decimal("ITEM_NEXT_WEIGHT", ModelConfig.defaults().itemNextWeight(), 0,
                MAX_TREND_WEIGHT))
            .cartRecencyOrder(settings.decimal("CART_RECENCY_ORDER", ModelConfig.defaults().cartRecencyOrder(), 0,
                MAX_TREND_WEIGHT))
            .sessionRecencyOrder(settings.decimal("SESSION_RECENCY_ORDER",
                ModelConfig.defaults().sessionRecencyOrder(), 0, MAX_TREND_WEIGHT))
            .factorWeight(settings.decimal("FACTOR_WEIGHT", ModelConfig.defaults().factorWeight(), 0,
                MAX_TREND_WEIGHT))
            .build(),
        refresh,
        settings.duration("SNAPSHOT_STALE_AFTER", defaultStaleAfter(refresh)),
        settings.duration("SNAPSHOT_STARTUP_WAIT", DEFAULT_STARTUP_WAIT),
        settings.integer("SNAPSHOT_MAX_ROWS", DEFAULT_SNAPSHOT_MAX_ROWS, 1, Integer.MAX_VALUE),
        new SnapshotReads(settings.duration("SNAPSHOT_CHANGES_OVERLAP", DEFAULT_SNAPSHOT_CHANGES_OVERLAP),
            settings.duration("SNAPSHOT_FULL_RELOAD", DEFAULT_SNAPSHOT_FULL_RELOAD)),
        ttl,
        settings.integer("USER_CACHE_MAX_ENTRIES", DEFAULT_USER_CACHE_MAX_ENTRIES, 1, 10_000_000),
        new UserChanges(settings.duration("USER_CHANGES_POLL", UserChanges.defaultPoll(ttl)),
            settings.duration("USER_CHANGES_LOOKBACK", DEFAULT_USER_CHANGES_LOOKBACK),
            settings.duration("USER_CACHE_MAX_AGE", DEFAULT_USER_CACHE_MAX_AGE)),
        settings.integer("MAX_PER_CATEGORY", DEFAULT_MAX_PER_CATEGORY, 1, RecommendFunction.MAX_K),
        settings.integer("MAX_CART_ITEMS", DEFAULT_MAX_CART_ITEMS, 1, 10_000),
        settings.integer("MAX_CART_BODY_BYTES", DEFAULT_MAX_CART_BODY_BYTES, 2, 16 * 1024 * 1024));
  }

  public RecommendConfig withModel(ModelConfig value) {
    return new RecommendConfig(trendingWindow, access, value, snapshotRefresh, staleAfter, startupWait,
        snapshotMaxRows, snapshotReads, userCacheTtl, userCacheMaxEntries, userChanges, maxPerCategory, maxCartItems,
        maxCartBodyBytes);
  }

  public RecommendConfig withSnapshotRefresh(Duration refresh, Duration stale) {
    return new RecommendConfig(trendingWindow, access, model, refresh, stale, startupWait, snapshotMaxRows,
        snapshotReads, userCacheTtl, userCacheMaxEntries, userChanges, maxPerCategory, maxCartItems, maxCartBodyBytes);
  }

  /** This TTL and size, with the default poll of changed users for the TTL. */
  public RecommendConfig withUserCache(Duration ttl, int maxEntries) {
    return withUserCache(ttl, maxEntries, UserChanges.defaults(ttl));
  }

  public RecommendConfig withUserCache(Duration ttl, int maxEntries, UserChanges changes) {
    return new RecommendConfig(trendingWindow, access, model, snapshotRefresh, staleAfter, startupWait,
        snapshotMaxRows, snapshotReads, ttl, maxEntries, changes, maxPerCategory, maxCartItems, maxCartBodyBytes);
  }

  public RecommendConfig withSnapshotReads(SnapshotReads value) {
    return new RecommendConfig(trendingWindow, access, model, snapshotRefresh, staleAfter, startupWait,
        snapshotMaxRows, value, userCacheTtl, userCacheMaxEntries, userChanges, maxPerCategory, maxCartItems,
        maxCartBodyBytes);
  }

  public RecommendConfig withLimits(int perCategory, int cartItems, int cartBodyBytes) {
    return new RecommendConfig(trendingWindow, access, model, snapshotRefresh, staleAfter, startupWait,
        snapshotMaxRows, snapshotReads, userCacheTtl, userCacheMaxEntries, userChanges, perCategory, cartItems,
        cartBodyBytes);
  }

  public RecommendConfig withTrendingWindow(Duration window) {
    return new RecommendConfig(window, access, model, snapshotRefresh, staleAfter, startupWait, snapshotMaxRows,
        snapshotReads, userCacheTtl, userCacheMaxEntries, userChanges, maxPerCategory, maxCartItems, maxCartBodyBytes);
  }

  private static Duration defaultStaleAfter(Duration refresh) {
    return refresh.multipliedBy(3).plusSeconds(30);
  }
}
