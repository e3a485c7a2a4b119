package dev.shopstream.functions.recommend;

import com.google.cloud.bigquery.BigQueryOptions;
import com.google.cloud.functions.HttpRequest;
import dev.shopstream.contract.api.RecommendationApi;
import dev.shopstream.functions.Readiness;
import dev.shopstream.functions.Settings;
import dev.shopstream.functions.http.JsonHttpFunction;
import dev.shopstream.functions.http.JsonReply;
import dev.shopstream.functions.http.RequestTarget;
import dev.shopstream.functions.recommend.SnapshotRefresher.View;
import dev.shopstream.model.ExplainedRecommendations;
import java.io.IOException;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.logging.Logger;

/**
 * HTTP recommendation serving, every answer from the in-memory {@link Snapshot} (refreshed in the background by
 * {@link SnapshotRefresher}) plus, for a user, their {@code user_activity} row ({@link UserActivityCache}: cached,
 * and never served more than {@code USER_CACHE_TTL} after a change to it):
 *
 * <ul>
 *   <li>{@code GET /recommendations?user_id=U[&k=][&mode=buy_again]}: recommended for you. Candidates are the
 *       neighbours of the user's recent items, scored by the model ({@link ExplainedRecommendations#forUser}: event
 *       type weight × time decay × similarity, plus {@code NEXT_WEIGHT} × the items often taken next after the
 *       latest ones: reason "often viewed next after X"), blended with trending ({@code TREND_WEIGHT}, fading while
 *       the user is mid-session, plus the prior {@code POPULARITY_WEIGHT}; an item trending
 *       added with no link to the user's items has the reason "trending in Y"); purchased products are left out unless
 *       {@code mode=buy_again};
 *       when fewer than {@code k} remain, trending fills up ({@code "fallback": "thin_history"}); an unknown user
 *       gets trending ({@code "fallback": "unknown_user"}).
 *   <li>{@code GET /products/{id}/similar}: others you may like (co-view neighbours).
 *   <li>{@code GET /products/{id}/bought-together} and {@code POST /cart/recommendations} (body
 *       {@code {items: [{product_id: ...}, ...]}}): frequently bought together (co-purchase, then co-cart).
 *   <li>{@code GET /trending[?category=]}.
 * </ul>
 *
 * Every endpoint takes {@code k} (1..{@value #MAX_K}, default {@value #DEFAULT_K}), {@code category} (the
 * category or below it) and {@code exclude} (ids, comma-separated or repeated); unavailable products (catalog) are
 * never answered; at most {@code MAX_PER_CATEGORY} items per category while others remain. Every item has
 * {@code product_id}, {@code score}, {@code reason} (and {@code category} when the catalog knows it); every answer
 * has the model's {@code as_of} and {@code stale} (true when the last refresh failed or the snapshot is old).
 *
 * <p>Answers, all JSON: 200; 400 {@code invalid_parameter} naming the parameter (or {@code invalid_body} naming
 * the field); 404 for another path; 405 (with {@code Allow}) for another method; 401 without the right key; 413 /
 * 415 for a cart body over the limits or not JSON; 503 with {@code Retry-After} while no snapshot has ever loaded.
 *
 * <p>This class routes: {@link UserRecommendations}, {@link ItemRecommendations} (similar, bought-together, cart;
 * the cart body read by {@link CartBody}) and {@link TrendingAnswers} answer, {@link AnswerWriter} writes the
 * common answer, and {@link SharedAnswers} keeps the answers that do not depend on the caller.
 */
public final class RecommendFunction extends JsonHttpFunction {
  public static final String PATH = "/recommendations";
  public static final String TRENDING_PATH = "/trending";
  public static final String CART_PATH = "/cart/recommendations";
  public static final String PRODUCTS_PREFIX = "/products/";
  public static final int DEFAULT_K = 10;
  public static final int MAX_K = 100;
  public static final String BUY_AGAIN = UserRecommendations.BUY_AGAIN;
  private static final Logger LOG = Logger.getLogger(RecommendFunction.class.getName());

  /**
   * Which warehouse the no-arg constructor reads ({@code WAREHOUSE}): BigQuery's store is this module's; DuckDB's is
   * the local stack's, in module {@value #DUCKDB_MODULE} ({@link RecommendationStoreProvider}).
   */
  enum Warehouse { DUCKDB, BIGQUERY }

  /** The module holding the DuckDB store (the local stack's; no cloud bundle carries it). */
  static final String DUCKDB_MODULE = "functions-duckdb";

  private final RecommendConfig config;
  private final SnapshotRefresher snapshots;
  private final UserActivityCache users;
  private final UserRecommendations user;
  private final ItemRecommendations items;
  private final SharedAnswers shared = new SharedAnswers();
  private final Readiness readiness;

  /**
   * For the Functions Framework: {@code WAREHOUSE=duckdb} reads the file {@code DUCKDB_PATH} (with module
   * {@value #DUCKDB_MODULE} on the class path; without it the function fails to start, naming the module);
   * {@code WAREHOUSE=bigquery} reads {@code BIGQUERY_DATASET} ({@code project.dataset}) with the default
   * credentials, billing {@code PROJECT_ID} (else {@code GOOGLE_CLOUD_PROJECT}, else the dataset's project).
   * Waits up to {@code SNAPSHOT_STARTUP_WAIT} for the first snapshot, so a new instance answers its first
   * request from the model; if the warehouse cannot be read by then it starts anyway and answers 503 until a
   * refresh succeeds.
   */
  public RecommendFunction() {
    this(Settings.fromEnvironment());
  }

  private RecommendFunction(Settings settings) {
    this(store(settings), RecommendConfig.from(settings), Clock.systemUTC(), backgroundScheduler(),
        Readiness.from(settings));
    try {
      if (!snapshots.awaitFirstLoad(config.startupWait())) {
        LOG.warning("no snapshot after " + config.startupWait() + "; answering 503 until the warehouse is read");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Starts the background refreshes on {@code scheduler} (the first one at once); the clock stamps snapshots and
   * ages cache entries. Tests pass a scheduler that runs nothing and call {@link #refreshSnapshot}.
   */
  public RecommendFunction(RecommendationStore store, RecommendConfig config, Clock clock,
      ScheduledExecutorService scheduler) {
    this(store, config, clock, scheduler, Readiness.always());
  }

  /** With {@code readiness}: while it reports a problem (the pipeline is not running), every answer is stale. */
  public RecommendFunction(RecommendationStore store, RecommendConfig config, Clock clock,
      ScheduledExecutorService scheduler, Readiness readiness) {
    super(config.access(), List.of("GET", "POST"));
    this.readiness = java.util.Objects.requireNonNull(readiness, "readiness");
    this.config = config;
    this.snapshots = new SnapshotRefresher(store, config, clock, scheduler);
    this.users = new UserActivityCache(store, config.userCacheTtl(), config.userCacheMaxEntries(),
        config.userChanges(), clock);
    this.user = new UserRecommendations(users, clock, config.maxPerCategory());
    this.items = new ItemRecommendations(config.model(), config.maxPerCategory());
    snapshots.start();
    if (!config.userCacheTtl().isZero()) {
      scheduler.scheduleWithFixedDelay(users::pollChangesLogged, 0, config.userChanges().poll().toMillis(),
          TimeUnit.MILLISECONDS);
    }
  }

  /** One refresh now, on the caller's thread; false when the warehouse could not be read. */
  public boolean refreshSnapshot() {
    return snapshots.refresh();
  }

  /** One poll of the users whose activity changed, now, on the caller's thread; false when it failed. */
  public boolean pollUserChanges() {
    return users.pollChanges();
  }

  private static RecommendationStore store(Settings settings) {
    return switch (settings.choice("WAREHOUSE", Warehouse.class)) {
      case DUCKDB -> RecommendationStoreProvider.open("duckdb", DUCKDB_MODULE, settings);
      case BIGQUERY -> {
        String dataset = settings.required("BIGQUERY_DATASET", BigQueryRecommendationStore.DATASET,
            "project.dataset (e.g. my-project.shopstream)");
        String project = settings.projectId().orElse(dataset.substring(0, dataset.lastIndexOf('.')));
        yield new BigQueryRecommendationStore(
            BigQueryOptions.newBuilder().setProjectId(project).build().getService(), dataset);
      }
    };
  }

  /** Two threads: a slow snapshot refresh never delays the poll of changed users (nor the reverse). */
  private static ScheduledExecutorService backgroundScheduler() {
    AtomicInteger threads = new AtomicInteger();
    return Executors.newScheduledThreadPool(2, r -> {
      Thread t = new Thread(r, "recommend-background-" + threads.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
  }

  @Override
  protected JsonReply handle(HttpRequest request) throws IOException {
    String path = RequestTarget.rawPath(request); // ids in it are decoded once, by Parameters.decodePathSegment
    if (path.length() > 1 && path.endsWith("/")) {
      path = path.substring(0, path.length() - 1);
    }
    try {
      if (path.equals(PATH)) {
        return get(request, "GET").orElseGet(() -> withSnapshot(view -> user.answer(request, view)));
      }
      if (path.equals(TRENDING_PATH)) {
        String key = path;
        return get(request, "GET").orElseGet(() -> withSnapshot(view -> shared.answer(key, request, view,
            () -> TrendingAnswers.answer(request, view))));
      }
      if (path.equals(CART_PATH)) {
        if (!"POST".equals(request.getMethod())) {
          return methodNotAllowed("POST");
        }
        // a bad body is refused even before the first snapshot
        List<String> cart = CartBody.read(request, config.maxCartBodyBytes(), config.maxCartItems());
        return withSnapshot(view -> items.cart(request, view, cart));
      }
      if (path.startsWith(PRODUCTS_PREFIX)) {
        String[] parts = path.substring(PRODUCTS_PREFIX.length()).split("/", -1);
        if (parts.length == 2 && (parts[1].equals("similar") || parts[1].equals("bought-together"))) {
          Optional<JsonReply> wrongMethod = get(request, "GET");
          if (wrongMethod.isPresent()) {
            return wrongMethod.get();
          }
          String productId = Parameters.decodePathSegment(RecommendationApi.PRODUCT_ID, parts[0]);
          boolean similar = parts[1].equals("similar");
          String key = path;
          return withSnapshot(view -> shared.answer(key, request, view,
              () -> items.product(request, view, productId, similar)));
        }
      }
    } catch (BadRequest e) {
      return e.reply();
    }
    return JsonReply.error(404, "not_found", "no such path; the endpoints are GET " + PATH + "?user_id=..., GET "
        + PRODUCTS_PREFIX + "{id}/similar, GET " + PRODUCTS_PREFIX + "{id}/bought-together, POST " + CART_PATH
        + " and GET " + TRENDING_PATH);
  }

  @Override
  protected String describe(JsonReply reply) {
    return reply.rendered() == null ? "" : reply.rendered().summary(); // "items=N", " stale"; "" for errors
  }

  /** The key under which an answer that does not depend on the caller is kept ({@link SharedAnswers#key}). */
  static String sharedKey(String path, boolean stale, Map<String, List<String>> parameters) {
    return SharedAnswers.key(path, stale, parameters);
  }

  /** How many answers {@link SharedAnswers} keeps of one snapshot. */
  int sharedAnswers() {
    return shared.size();
  }

  private JsonReply withSnapshot(Function<View, JsonReply> handler) {
    Optional<View> view = snapshots.current();
    if (view.isEmpty()) {
      return JsonReply.unavailable(JsonReply.errorBody("warehouse_unavailable",
          "no model snapshot has been loaded yet; retry shortly"));
    }
    View current = view.get();
    if (!current.stale() && readiness.problem().isPresent()) {
      current = new View(current.snapshot(), true); // the model is no longer updated: say so
    }
    return handler.apply(current);
  }

  private static Optional<JsonReply> get(HttpRequest request, String method) {
    return method.equals(request.getMethod()) ? Optional.empty() : Optional.of(methodNotAllowed(method));
  }

  private static JsonReply methodNotAllowed(String method) {
    return JsonReply.error(405, "method_not_allowed", "use " + method + " on this path")
        .withHeader("Allow", method + ", OPTIONS");
  }
}
