package dev.shopstream.functions.recommend;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.cloud.bigquery.BigQueryOptions;
import com.google.cloud.functions.HttpRequest;
import dev.shopstream.contract.Json;
import dev.shopstream.functions.Settings;
import dev.shopstream.functions.http.JsonHttpFunction;
import dev.shopstream.functions.http.JsonReply;
import dev.shopstream.functions.recommend.RecommendationStore.Trending;
import dev.shopstream.functions.recommend.RecommendationStore.TrendingProduct;
import dev.shopstream.warehouse.duckdb.DuckDbWarehouse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * HTTP recommendations: {@code GET /recommendations?user_id=U&k=K} answers the {@code k} (1..100, default 10)
 * best trending products that user has not bought, each with its score and a reason a person can read.
 *
 * <p>Strategy "trending" (see {@link RecommendationStore} for the score): activity in {@code TRENDING_WINDOW}
 * before the newest event in the warehouse, which the answer reports as {@code as_of} (null for an empty
 * warehouse). Answers, all JSON: 200; 400 {@code invalid_parameter} naming the parameter; 404 for another path;
 * 405 for another method; 401 without the right key; 503 with {@code Retry-After} when the warehouse cannot be
 * read.
 */
public final class RecommendFunction extends JsonHttpFunction {
  public static final String PATH = "/recommendations";
  public static final String STRATEGY = "trending";
  public static final int DEFAULT_K = 10;
  public static final int MAX_K = 100;
  public static final int MAX_USER_ID_LENGTH = 128;
  private static final Logger LOG = Logger.getLogger(RecommendFunction.class.getName());

  /** Which warehouse the no-arg constructor reads ({@code WAREHOUSE}). */
  enum Warehouse { DUCKDB, BIGQUERY }

  private final RecommendationStore store;
  private final RecommendConfig config;
  private final String windowText;

  /**
   * For the Functions Framework: {@code WAREHOUSE=duckdb} reads the file {@code DUCKDB_PATH};
   * {@code WAREHOUSE=bigquery} reads {@code BIGQUERY_DATASET} ({@code project.dataset}) with the default
   * credentials, billing {@code PROJECT_ID} (else {@code GOOGLE_CLOUD_PROJECT}, else the dataset's project).
   */
  public RecommendFunction() {
    this(Settings.fromEnvironment());
  }

  private RecommendFunction(Settings settings) {
    this(store(settings), RecommendConfig.from(settings));
  }

  public RecommendFunction(RecommendationStore store, RecommendConfig config) {
    super(config.access(), List.of("GET"));
    this.store = store;
    this.config = config;
    this.windowText = windowText(config.trendingWindow().toSeconds());
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

  @Override
  protected JsonReply handle(HttpRequest request) {
    String path = request.getPath();
    if (!PATH.equals(path) && !(PATH + "/").equals(path)) {
      return JsonReply.error(404, "not_found", "no such path; use GET " + PATH + "?user_id=...&k=...");
    }
    Optional<String> userId = parameter(request, "user_id")
        .filter(u -> !u.isEmpty() && u.codePointCount(0, u.length()) <= MAX_USER_ID_LENGTH);
    if (userId.isEmpty()) {
      return invalidParameter("user_id", "user_id is required, 1 to " + MAX_USER_ID_LENGTH + " characters");
    }
    Optional<String> kText = parameter(request, "k");
    int k = DEFAULT_K;
    if (kText.isPresent()) {
      try {
        k = Integer.parseInt(kText.get());
      } catch (NumberFormatException e) {
        k = 0; // reported below
      }
      if (k < 1 || k > MAX_K) {
        return invalidParameter("k", "k must be an integer from 1 to " + MAX_K);
      }
    }
    Trending trending;
    try {
      trending = store.trending(userId.get(), config.trendingWindow(), k);
    } catch (StoreException e) {
      LOG.warning("warehouse unavailable: " + e.getMessage());
      return JsonReply.unavailable(JsonReply.errorBody("warehouse_unavailable", "the warehouse cannot be read now"));
    }
    ObjectNode body = Json.MAPPER.createObjectNode();
    body.put("user_id", userId.get());
    body.put("as_of", trending.asOf() == null ? null : trending.asOf().toString());
    body.put("strategy", STRATEGY);
    ArrayNode items = body.putArray("items");
    for (TrendingProduct p : trending.products()) {
      items.addObject()
          .put("product_id", p.productId())
          .put("score", p.score())
          .put("reason", reason(p));
    }
    return JsonReply.json(200, body);
  }

  @Override
  protected String describe(JsonReply reply) {
    ObjectNode body = reply.body();
    return body != null && body.has("items") ? "items=" + body.get("items").size() : "";
  }

  /** "trending: 4 purchases, 9 views in the last 7 days" (only the kinds of activity the product had). */
  private String reason(TrendingProduct p) {
    List<String> counts = new ArrayList<>();
    if (p.purchases() > 0) {
      counts.add(count(p.purchases(), "purchase"));
    }
    if (p.addToCarts() > 0) {
      counts.add(count(p.addToCarts(), "add-to-cart"));
    }
    if (p.views() > 0) {
      counts.add(count(p.views(), "view"));
    }
    return STRATEGY + ": " + String.join(", ", counts) + " in the last " + windowText;
  }

  /** "7 days", "36 hours", "90 minutes" or "45 seconds": the largest unit that divides the window. */
  static String windowText(long seconds) {
    if (seconds % 86_400 == 0) {
      return count(seconds / 86_400, "day");
    }
    if (seconds % 3_600 == 0) {
      return count(seconds / 3_600, "hour");
    }
    if (seconds % 60 == 0) {
      return count(seconds / 60, "minute");
    }
    return count(seconds, "second");
  }

  private static String count(long n, String noun) {
    return n + " " + noun + (n == 1 ? "" : "s");
  }

  private static Optional<String> parameter(HttpRequest request, String name) {
    List<String> values = request.getQueryParameters().getOrDefault(name, List.of());
    return values.isEmpty() ? Optional.empty() : Optional.ofNullable(values.get(0));
  }

  private static JsonReply invalidParameter(String parameter, String message) {
    ObjectNode body = JsonReply.errorBody("invalid_parameter", message);
    body.put("parameter", parameter);
    return JsonReply.json(400, body);
  }
}
