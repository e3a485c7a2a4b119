package dev.shopstream.functions.recommend;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.JsonNode;
import com.google.cloud.bigquery.BigQueryOptions;
import com.google.cloud.functions.HttpRequest;
import dev.shopstream.contract.Json;
import dev.shopstream.functions.Readiness;
import dev.shopstream.functions.Settings;
import dev.shopstream.functions.http.JsonHttpFunction;
import dev.shopstream.functions.http.JsonReply;
import dev.shopstream.functions.http.RequestTarget;
import dev.shopstream.functions.recommend.RecommendationStore.UserActivity;
import dev.shopstream.functions.recommend.Selection.Item;
import dev.shopstream.functions.recommend.SnapshotRefresher.View;
import dev.shopstream.model.ExplainedRecommendations;
import dev.shopstream.model.ExplainedRecommendations.Explained;
import dev.shopstream.model.Interaction;
import dev.shopstream.model.Signal;
import dev.shopstream.warehouse.duckdb.DuckDbWarehouse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import java.util.function.Supplier;
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
 *       {@code {"items": [{"product_id": "..."}, ...]}}): frequently bought together (co-purchase, then co-cart).
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
 */
public final class RecommendFunction extends JsonHttpFunction {
  public static final String PATH = "/recommendations";
  public static final String TRENDING_PATH = "/trending";
  public static final String CART_PATH = "/cart/recommendations";
  public static final String PRODUCTS_PREFIX = "/products/";
  public static final int DEFAULT_K = 10;
  public static final int MAX_K = 100;
  public static final String BUY_AGAIN = "buy_again";
  private static final Logger LOG = Logger.getLogger(RecommendFunction.class.getName());
  private static final Set<String> USER_PARAMETERS = Set.of("user_id", "k", "mode", "category", "exclude");
  private static final Set<String> LIST_PARAMETERS = Set.of("k", "category", "exclude");
  private static final Set<String> CART_FIELDS = Set.of("items");
  private static final Set<String> CART_ITEM_FIELDS = Set.of("product_id", "quantity");
  private static final Map<Signal, Double> SIMILAR = ExplainedRecommendations.similarWeights();
  /** Candidates ranked and explained beyond k before the whole ranking is needed (at least; or k / 2). */
  static final int SPARE_CANDIDATES = 5;
  static final int MAX_SHARED_ANSWERS = 10_000;

  /** Which warehouse the no-arg constructor reads ({@code WAREHOUSE}). */
  enum Warehouse { DUCKDB, BIGQUERY }

  private final RecommendConfig config;
  private final SnapshotRefresher snapshots;
  private final UserActivityCache users;
  private final Map<Signal, Double> boughtTogether;
  private final Clock clock;
  private volatile SharedAnswers sharedAnswers = new SharedAnswers(null);
  private final Readiness readiness;

  /**
   * For the Functions Framework: {@code WAREHOUSE=duckdb} reads the file {@code DUCKDB_PATH};
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
    this.clock = clock;
    this.snapshots = new SnapshotRefresher(store, config, clock, scheduler);
    this.users = new UserActivityCache(store, config.userCacheTtl(), config.userCacheMaxEntries(),
        config.userChanges(), clock);
    this.boughtTogether = ExplainedRecommendations.boughtTogetherWeights(config.model());
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
      case DUCKDB -> new DuckDbRecommendationStore(DuckDbWarehouse.open(Path.of(settings.required("DUCKDB_PATH"))));
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
        return get(request, "GET").orElseGet(() -> withSnapshot(view -> recommendations(request, view)));
      }
      if (path.equals(TRENDING_PATH)) {
        String key = path;
        return get(request, "GET").orElseGet(() -> withSnapshot(view -> shared(key, request, view,
            () -> trending(request, view))));
      }
      if (path.equals(CART_PATH)) {
        if (!"POST".equals(request.getMethod())) {
          return methodNotAllowed("POST");
        }
        List<String> cart = cartItems(request); // a bad body is refused even before the first snapshot
        return withSnapshot(view -> cart(request, view, cart));
      }
      if (path.startsWith(PRODUCTS_PREFIX)) {
        String[] parts = path.substring(PRODUCTS_PREFIX.length()).split("/", -1);
        if (parts.length == 2 && (parts[1].equals("similar") || parts[1].equals("bought-together"))) {
          Optional<JsonReply> wrongMethod = get(request, "GET");
          if (wrongMethod.isPresent()) {
            return wrongMethod.get();
          }
          String productId = Parameters.decodePathSegment("product_id", parts[0]);
          boolean similar = parts[1].equals("similar");
          String key = path;
          return withSnapshot(view -> shared(key, request, view, () -> product(request, view, productId, similar)));
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

  private JsonReply recommendations(HttpRequest request, View view) {
    Parameters p = Parameters.of(request, USER_PARAMETERS);
    String userId = p.requiredId("user_id");
    int k = p.k(DEFAULT_K, MAX_K);
    boolean buyAgain = p.single("mode").map(m -> {
      if (!m.equals(BUY_AGAIN)) {
        throw BadRequest.parameter("mode", "mode must be " + BUY_AGAIN + " or absent");
      }
      return true;
    }).orElse(false);
    Optional<String> category = p.category();
    Set<String> exclude = new LinkedHashSet<>(p.exclude());
    boolean stale = view.stale();
    String fallback = null;
    Optional<UserActivity> activity;
    try {
      activity = users.get(userId);
    } catch (StoreException e) {
      LOG.warning("user_activity unavailable, answering trending: " + e.getMessage());
      activity = Optional.empty();
      fallback = "user_activity_unavailable";
      stale = true;
    }
    Snapshot snapshot = view.snapshot();
    IntFunction<List<Explained>> candidates = limit -> List.of();
    if (activity.isPresent()) {
      if (!buyAgain) {
        exclude.addAll(activity.get().purchased());
      }
      List<Interaction> recent = activity.get().recentItems();
      java.time.Instant now = clock.instant(); // mid-session (active minutes ago) fades the trend weight
      candidates = limit -> ExplainedRecommendations.forUser(snapshot.recommender(), recent, now, limit, exclude,
          snapshot.trendingBlend());
    } else if (fallback == null) {
      fallback = "unknown_user";
    }
    Selection selection = new Selection(snapshot, category, exclude, k, config.maxPerCategory());
    offerBest(selection, candidates, k);
    if (!selection.full()) {
      selection.fillWithTrending();
      if (fallback == null) {
        fallback = "thin_history";
      }
    }
    String mode = buyAgain ? BUY_AGAIN : "default";
    return answer(g -> {
      g.writeStringField("user_id", userId);
      g.writeStringField("mode", mode);
    }, snapshot, stale, selection.items(), fallback);
  }

  private JsonReply product(HttpRequest request, View view, String productId, boolean similar) {
    Parameters p = Parameters.of(request, LIST_PARAMETERS);
    int k = p.k(DEFAULT_K, MAX_K);
    Optional<String> category = p.category();
    Set<String> exclude = new LinkedHashSet<>(p.exclude());
    exclude.add(productId);
    Map<Signal, Double> weights = similar ? SIMILAR : boughtTogether;
    IntFunction<List<Explained>> candidates = limit -> ExplainedRecommendations.forItems(
        view.snapshot().recommender(), List.of(productId), weights, limit, exclude);
    Head body = g -> g.writeStringField("product_id", productId);
    return itemsAnswer(body, view, category, exclude, k, candidates, "few_neighbors");
  }

  private JsonReply cart(HttpRequest request, View view, List<String> cart) {
    Parameters p = Parameters.of(request, LIST_PARAMETERS);
    int k = p.k(DEFAULT_K, MAX_K);
    Optional<String> category = p.category();
    Set<String> exclude = new LinkedHashSet<>(p.exclude());
    exclude.addAll(cart);
    IntFunction<List<Explained>> candidates = limit -> ExplainedRecommendations.forItems(
        view.snapshot().recommender(), cart, boughtTogether, limit, exclude);
    Head body = g -> {
      g.writeArrayFieldStart("cart");
      for (String id : cart) {
        g.writeString(id);
      }
      g.writeEndArray();
    };
    return itemsAnswer(body, view, category, exclude, k, candidates, "few_neighbors");
  }

  private JsonReply trending(HttpRequest request, View view) {
    Parameters p = Parameters.of(request, LIST_PARAMETERS);
    int k = p.k(DEFAULT_K, MAX_K);
    Optional<String> category = p.category();
    Selection selection = new Selection(view.snapshot(), category, p.exclude(), k, k); // trending: no cap
    selection.fillWithTrending();
    String filter = category.orElse(null);
    return answer(g -> g.writeStringField("category", filter), view.snapshot(), view.stale(), selection.items(),
        null);
  }

  private JsonReply itemsAnswer(Head body, View view, Optional<String> category, Set<String> exclude, int k,
      IntFunction<List<Explained>> candidates, String fillReason) {
    Selection selection = new Selection(view.snapshot(), category, exclude, k, config.maxPerCategory());
    offerBest(selection, candidates, k);
    String fallback = null;
    if (!selection.full()) {
      selection.fillWithTrending();
      fallback = fillReason;
    }
    return answer(body, view.snapshot(), view.stale(), selection.items(), fallback);
  }

  /**
   * Offers the candidates best first until the selection is full. {@code ranked} gives the best {@code limit} of a
   * ranking (always the head of the whole ranking): the best k + max({@value #SPARE_CANDIDATES}, k / 2) are ranked
   * and explained first, the whole ranking only when filters, exclusions and the category cap left the answer short.
   * The answer is the same as offering the whole ranking: offering stops when the selection is full.
   */
  private static void offerBest(Selection selection, IntFunction<List<Explained>> ranked, int k) {
    int limit = k + Math.max(SPARE_CANDIDATES, k / 2);
    List<Explained> first = ranked.apply(limit);
    offer(selection, first);
    if (!selection.full() && first.size() >= limit) {
      List<Explained> all = ranked.apply(Integer.MAX_VALUE);
      offer(selection, all.subList(first.size(), all.size()));
    }
  }

  private static void offer(Selection selection, List<Explained> candidates) {
    for (Explained e : candidates) {
      if (selection.full()) {
        break;
      }
      selection.offer(e.productId(), e.score(),
          e.trending() ? Selection.trendingReason(selection.category(e.productId())) : reason(e));
    }
  }

  /**
   * "viewed together with X", "added to cart together with X", "bought together with X", "seen together with X";
   * "often viewed next after X" for the next signal (what shoppers took after X).
   */
  static String reason(Explained e) {
    String verb = switch (e.signal()) {
      case CO_VIEW -> "viewed";
      case CO_CART -> "added to cart";
      case CO_PURCHASE -> "bought";
      case COMBINED -> "seen";
      case NEXT -> null;
    };
    return verb == null ? "often viewed next after " + e.sourceId() : verb + " together with " + e.sourceId();
  }

  /** The endpoint's own fields of an answer, written first. */
  @FunctionalInterface
  private interface Head {
    void write(JsonGenerator g) throws IOException;
  }

  /**
   * The common shape: the endpoint's own fields, then {@code as_of}, {@code stale}, {@code snapshot_loaded_at},
   * {@code strategy} (personalized, trending, or personalized+trending: which kinds of items it has),
   * {@code fallback} (why trending filled in, when it did) and the items. Written straight to bytes by a streaming
   * generator: no tree is built per answer.
   */
  private static JsonReply answer(Head head, Snapshot snapshot, boolean stale, List<Item> items, String fallback) {
    long trending = 0;
    for (Item item : items) {
      trending += item.trending() ? 1 : 0;
    }
    JsonFactory factory = Json.MAPPER.getFactory();
    try (ByteArrayBuilder bytes = new ByteArrayBuilder(factory._getBufferRecycler())) {
      try (JsonGenerator g = factory.createGenerator(bytes)) {
        g.writeStartObject();
        head.write(g);
        g.writeStringField("as_of", snapshot.asOfText());
        g.writeBooleanField("stale", stale);
        g.writeStringField("snapshot_loaded_at", snapshot.loadedAtText());
        g.writeStringField("strategy", trending == 0 && !items.isEmpty() ? "personalized"
            : trending == items.size() ? "trending" : "personalized+trending");
        if (fallback != null) {
          g.writeStringField("fallback", fallback);
        }
        g.writeArrayFieldStart("items");
        for (Item item : items) {
          g.writeStartObject();
          g.writeStringField("product_id", item.productId());
          g.writeNumberField("score", item.score());
          g.writeStringField("reason", item.reason());
          if (item.category() != null) {
            g.writeStringField("category", item.category());
          }
          g.writeEndObject();
        }
        g.writeEndArray();
        g.writeEndObject();
      }
      return JsonReply.rendered(200, bytes.toByteArray(), "items=" + items.size() + (stale ? " stale" : ""));
    } catch (IOException e) {
      throw new UncheckedIOException(e); // writing to memory does not fail
    }
  }

  /**
   * The answer of an endpoint that does not depend on the caller (similar, bought-together, trending): the same for
   * every request with this path and these parameters while the snapshot and its staleness are the same, so it is
   * kept with the snapshot ({@value #MAX_SHARED_ANSWERS} at most) and written once. A new snapshot starts afresh;
   * only 200 answers are kept (a refused request is checked again each time).
   */
  private JsonReply shared(String path, HttpRequest request, View view, Supplier<JsonReply> answer) {
    SharedAnswers cache = sharedAnswers;
    if (cache.snapshot != view.snapshot()) {
      cache = new SharedAnswers(view.snapshot());
      sharedAnswers = cache;
    }
    String key = sharedKey(path, view.stale(), Parameters.query(request));
    JsonReply kept = cache.replies.get(key);
    if (kept != null) {
      return kept;
    }
    JsonReply reply = answer.get();
    if (reply.status() == 200 && cache.replies.size() < MAX_SHARED_ANSWERS) {
      cache.replies.put(key, reply);
    }
    return reply;
  }

  /** Every input of the answer, unambiguously: each name and value prefixed with its length. */
  static String sharedKey(String path, boolean stale, Map<String, List<String>> parameters) {
    StringBuilder key = new StringBuilder(path.length() + 32).append(stale ? 'S' : 'F').append(path.length())
        .append(':').append(path);
    for (Map.Entry<String, List<String>> p : new TreeMap<>(parameters).entrySet()) {
      key.append('&').append(p.getKey().length()).append(':').append(p.getKey()).append('=')
          .append(p.getValue().size());
      for (String value : p.getValue()) {
        key.append(',').append(value == null ? -1 : value.length()).append(':').append(value == null ? "" : value);
      }
    }
    return key.toString();
  }

  /** {@link #shared} answers of one snapshot. */
  private static final class SharedAnswers {
    final Snapshot snapshot;
    final Map<String, JsonReply> replies = new ConcurrentHashMap<>();

    SharedAnswers(Snapshot snapshot) {
      this.snapshot = snapshot;
    }
  }

  /** How many answers {@link #shared} keeps of one snapshot. */
  int sharedAnswers() {
    return sharedAnswers.replies.size();
  }

  private JsonReply withSnapshot(java.util.function.Function<View, JsonReply> handler) {
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

  /**
   * The cart body: JSON {@code {"items": [{"product_id": "a", "quantity": 2}, ...]}} (quantity optional and
   * not used), at most {@code MAX_CART_BODY_BYTES} and {@code MAX_CART_ITEMS} items (413 beyond), distinct ids
   * in their order.
   */
  private List<String> cartItems(HttpRequest request) throws IOException {
    String type = request.getContentType().orElse("");
    if (!type.toLowerCase(java.util.Locale.ROOT).startsWith("application/json")) {
      throw BadRequest.of(415, "unsupported_media_type", "send the cart as application/json");
    }
    int max = config.maxCartBodyBytes();
    if (request.getContentLength() > max) {
      throw BadRequest.of(413, "body_too_large", "the body may be at most " + max + " bytes");
    }
    byte[] bytes = request.getInputStream().readNBytes(max + 1);
    if (bytes.length > max) {
      throw BadRequest.of(413, "body_too_large", "the body may be at most " + max + " bytes");
    }
    JsonNode root;
    try {
      root = Json.MAPPER.readTree(UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString());
    } catch (CharacterCodingException e) {
      throw invalidBody("$", "the body is not valid UTF-8");
    } catch (JsonProcessingException e) {
      throw invalidBody("$", "the body is not valid JSON: " + e.getOriginalMessage());
    }
    if (root == null || !root.isObject()) {
      throw invalidBody("$", "the body must be a JSON object {\"items\": [...]}");
    }
    checkFields(root, CART_FIELDS, "");
    JsonNode items = root.get("items");
    if (items == null || !items.isArray() || items.isEmpty()) {
      throw invalidBody("items", "items must be a non-empty array of {\"product_id\": ...}");
    }
    if (items.size() > config.maxCartItems()) {
      throw BadRequest.of(413, "too_many_items",
          "a cart may have at most " + config.maxCartItems() + " items, this one has " + items.size());
    }
    Set<String> ids = new LinkedHashSet<>();
    for (int i = 0; i < items.size(); i++) {
      JsonNode item = items.get(i);
      String field = "items[" + i + "]";
      if (!item.isObject()) {
        throw invalidBody(field, field + " must be an object {\"product_id\": ...}");
      }
      checkFields(item, CART_ITEM_FIELDS, field + ".");
      JsonNode id = item.get("product_id");
      if (id == null || !id.isTextual()) {
        throw invalidBody(field + ".product_id", field + ".product_id is required (a string)");
      }
      JsonNode quantity = item.get("quantity");
      if (quantity != null && !(quantity.canConvertToInt() && quantity.isIntegralNumber() && quantity.asInt() >= 1)) {
        throw invalidBody(field + ".quantity", field + ".quantity must be a positive integer");
      }
      try {
        ids.add(Parameters.id(field + ".product_id", id.asText()));
      } catch (BadRequest e) {
        throw invalidBody(field + ".product_id", e.getMessage());
      }
    }
    return List.copyOf(ids);
  }

  private static void checkFields(JsonNode node, Set<String> allowed, String prefix) {
    for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!allowed.contains(name)) {
        String shown = name.length() > 64 ? name.substring(0, 64) + "..." : name;
        throw invalidBody(prefix + shown, "unknown field " + prefix + shown);
      }
    }
  }

  private static BadRequest invalidBody(String field, String message) {
    return BadRequest.invalidBody(field, message);
  }
}
