package dev.shopstream.bench;

import dev.shopstream.contract.TableSchemas;
import dev.shopstream.contract.api.RecommendationApi;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import dev.shopstream.functions.recommend.RecommendFunction;
import dev.shopstream.warehouse.duckdb.DuckDbWarehouse;
import java.net.URI;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

/**
 * The recommend function on the Functions Framework invoker over a DuckDB warehouse filled with generated data
 * ({@code --products}, {@code --neighbors} rows of {@code item_neighbors} in lists of 10 per product and signal,
 * trends and an {@code item_factors} row (d = 32) for every product, {@code --users} users with 10 recent items and
 * 2 purchases each), beside
 * {@link TrivialFunction} on the same invoker receiving the very same requests:
 *
 * <ol>
 *   <li>cold start: from the invoker's start to the first 200 (the function class loads on the first request and
 *       its constructor waits for the first snapshot);
 *   <li>warm-up: {@code --warmup} requests to each function by {@code --concurrency} workers, until the JIT has
 *       compiled the paths measured (after 5,000 sequential requests C2 was still compiling the recommend
 *       function's code during the closed loop);
 *   <li>open loop at each of {@code --rates}: p50/p99/max latency from when each request was due;
 *   <li>closed loop ({@code --concurrency} workers): the most requests/s, and the ratio to the trivial function;
 *       run in 5 slices, the two functions in turn, so a change of the machine's load weighs on both alike.
 * </ol>
 *
 * The request mix: 50% {@code /recommendations} (users drawn uniformly), 20% {@code /similar}, 10%
 * {@code /bought-together}, 10% {@code /trending?category=}, 10% {@code POST /cart/recommendations} with 3 items.
 * The snapshot refreshes in the background every 5 s during the runs, as in production, and {@code --user-updates}
 * users per second get a new {@code user_activity} row (as the pipeline writes them), which the function's poll of
 * changed users reports: their cached rows are read again.
 */
@Command(name = "serving", sortOptions = false, description = "recommend function over generated DuckDB data: cold start, latency at fixed rates and the most requests/s for an endpoint mix, beside a trivial function on the same invoker")
final class ServingBench implements Callable<Integer> {
  @Option(names = "--products", description = "catalog size (trends for each; 2%% unavailable; default ${DEFAULT-VALUE})")
  int products = 5000;
  @Option(names = "--neighbors", description = "item_neighbors rows (lists of 10 per product and signal; default ${DEFAULT-VALUE})")
  int neighbors = 25_000;
  @Option(names = "--users", description = "users in user_activity (10 recent items, 2 purchases each; default ${DEFAULT-VALUE})")
  int users = 10_000;
  @Option(names = "--events", description = "events over the last year in the events table, products skewed towards small ids: what the popularity prior counts (default ${DEFAULT-VALUE})")
  int events = 200_000;
  @Option(names = "--rates", split = ",", paramLabel = "N,N,...", description = "requests/s of the open-loop runs (default 250,500,1000,2000)")
  List<Integer> rates = List.of(250, 500, 1000, 2000);
  @Option(names = "--duration", paramLabel = "DURATION", description = "per run (default 10s; a plain number is seconds)")
  Duration duration = Duration.ofSeconds(10);
  @Option(names = "--concurrency", description = "workers of the closed-loop runs (default ${DEFAULT-VALUE})")
  int concurrency = 8;
  @Option(names = "--warmup", description = "requests sent to each function (by --concurrency workers) before measuring (default ${DEFAULT-VALUE})")
  int warmup = 50_000;
  @Option(names = "--user-updates", description = "users per second whose user_activity row is rewritten during the runs (default ${DEFAULT-VALUE})")
  int userUpdates = 50;
  @Option(names = "--full-reload", paramLabel = "ISO-DURATION", description = "SNAPSHOT_FULL_RELOAD: PT1S (up to the 5 s refresh) makes every refresh a full load, as before incremental reads (default ${DEFAULT-VALUE})")
  String fullReload = "PT10M";
  @Option(names = {"-h", "--help"}, usageHelp = true, description = "this text")
  boolean help;

  private static final Logger LOG = Logger.getLogger(ServingBench.class.getName());
  private static final int CATEGORIES = 40;
  private static final int CLOSED_LOOP_SLICES = 5;
  private static final int PER_LIST = 10;
  private static final String[] TABLES = {TableSchemas.PRODUCTS, TableSchemas.ITEM_NEIGHBORS,
      TableSchemas.PRODUCT_TRENDS, TableSchemas.USER_ACTIVITY, TableSchemas.EVENTS, TableSchemas.ITEM_FACTORS};
  /** The learned factors' dimensions ({@code FactorConfig.defaults()}). */
  private static final int FACTOR_DIMENSIONS = 32;
  private static final List<String> SIGNALS = List.of("co_view", "co_cart", "co_purchase", "combined", "next");

  ServingBench() {}

  @Override
  public Integer call() throws Exception {
    System.out.println(Machine.describe());
    run();
    return 0;
  }

  private void run() throws Exception {
    Path dir = Files.createTempDirectory("shopstream-serving-bench");
    Path file = dir.resolve("warehouse.duckdb");
    DuckDbWarehouse warehouse = DuckDbWarehouse.open(file);
    long t0 = System.nanoTime();
    int withNeighbors = fill(warehouse, products, neighbors, users, events);
    System.out.printf("%nwarehouse %s: %d products, %d item_neighbors rows (%d products with lists), %d "
        + "item_factors rows (d = %d), %d users, %d events; filled in %.1f s%n", file, products,
        warehouse.count("item_neighbors"), withNeighbors, warehouse.count(TableSchemas.ITEM_FACTORS),
        FACTOR_DIMENSIONS, users, events, (System.nanoTime() - t0) / 1e9);
    Map.of("WAREHOUSE", "duckdb", "DUCKDB_PATH", file.toString(), "SNAPSHOT_REFRESH", "PT5S",
        "SNAPSHOT_FULL_RELOAD", fullReload).forEach(System::setProperty);
    System.out.println("SNAPSHOT_FULL_RELOAD=" + fullReload + (Duration.parse(fullReload).getSeconds() <= 5
        ? " (every refresh a full load)" : " (refreshes read changed rows)"));

    try (FunctionServer trivial = FunctionServer.http(TrivialFunction.class);
         LoadGenerator load = new LoadGenerator()) {
      double trivialColdMillis = firstOk(trivial, trivial.uri("/trending?k=10"));
      try (FunctionServer recommend = FunctionServer.http(RecommendFunction.class)) {
        double coldMillis = firstOk(recommend, recommend.uri("/trending?k=10"));
        System.out.printf("%ncold start (invoker start -> first 200), each started alone: recommend %.0f ms (class "
            + "load + first snapshot of the warehouse), trivial function %.0f ms%n", coldMillis, trivialColdMillis);
        Mix real = new Mix(recommend, products, withNeighbors, users);
        Mix base = new Mix(trivial, products, withNeighbors, users);
        try (UserUpdates updates = new UserUpdates(warehouse, users, userUpdates)) {
          load.warmUp(real::request, warmup, concurrency);
          load.warmUp(base::request, warmup, concurrency);
          checkAnswers(real);
          measure(real, base, load, rates, duration, concurrency);
          System.out.printf("%n%d user_activity rows rewritten during the runs (%d/s)%n", updates.rows(), userUpdates);
        }
      }
    } finally {
      warehouse.close();
    }
  }

  /** The open-loop runs at each rate, then the closed-loop runs; each beside the trivial function. */
  private static void measure(Mix real, Mix base, LoadGenerator load, List<Integer> rates, Duration duration,
      int concurrency) {
    Report fixed = new Report("Serving, open loop (endpoint mix, " + duration.toSeconds()
        + " s per rate): latency from when each request was due");
    for (int rate : rates) {
      LoadGenerator.Result b = load.fixedRate("trivial function @ " + rate + "/s", base::request, rate, duration);
      LoadGenerator.Result r = load.fixedRate("recommend @ " + rate + "/s", real::request, rate, duration);
      fixed.add(b, null, 1).add(r, b, 1);
    }
    fixed.print();

    // closed loop in slices, trivial and recommend in turn, so a change of the machine's load (other builds
    // come and go) weighs on both alike
    List<LoadGenerator.Result> baseSlices = new java.util.ArrayList<>();
    List<LoadGenerator.Result> realSlices = new java.util.ArrayList<>();
    Duration slice = duration.dividedBy(CLOSED_LOOP_SLICES);
    double lowest = Double.MAX_VALUE;
    double highest = 0;
    for (int i = 0; i < CLOSED_LOOP_SLICES; i++) {
      LoadGenerator.Result b = load.closedLoop("trivial function", base::request, concurrency, slice);
      LoadGenerator.Result r = load.closedLoop("recommend (endpoint mix)", real::request, concurrency, slice);
      baseSlices.add(b);
      realSlices.add(r);
      double ratio = r.throughput() / b.throughput();
      lowest = Math.min(lowest, ratio);
      highest = Math.max(highest, ratio);
    }
    LoadGenerator.Result b = LoadGenerator.Result.sum("trivial function", baseSlices);
    LoadGenerator.Result r = LoadGenerator.Result.sum("recommend (endpoint mix)", realSlices);
    new Report("Serving, closed loop (" + concurrency + " workers, " + duration.toSeconds() + " s each, in "
        + CLOSED_LOOP_SLICES + " interleaved slices): the most requests/s")
        .add(b, null, 1).add(r, b, 1)
        .note(String.format("Throughput ratio recommend / trivial: %.0f%% (target >= 70%%); slices %.0f%% to %.0f%%.",
            100 * r.throughput() / b.throughput(), 100 * lowest, 100 * highest))
        .print();
  }

  /** Polls {@code uri} from the server's start until a 200; milliseconds since the invoker was started. */
  private static double firstOk(FunctionServer server, URI uri) throws Exception {
    HttpClient client = HttpClient.newHttpClient();
    while (true) {
      try {
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(uri).GET().build(),
            HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          return (System.nanoTime() - server.startNanos()) / 1e6;
        }
      } catch (java.io.IOException e) {
        // not listening yet
      }
      Thread.sleep(1);
    }
  }

  /** One request of each kind, printed: the figures are of real answers, not of errors. */
  private static void checkAnswers(Mix mix) throws Exception {
    HttpClient client = HttpClient.newHttpClient();
    for (long seq = 0; seq < 10; seq++) {
      HttpRequest request = mix.request(seq);
      HttpResponse<String> r = client.send(request, HttpResponse.BodyHandlers.ofString());
      String body = r.body();
      System.out.printf("  %s %s -> %d %s%n", request.method(), request.uri().getRawPath(), r.statusCode(),
          body.length() > 160 ? body.substring(0, 160) + "..." : body);
      if (r.statusCode() != 200) {
        throw new IllegalStateException("the recommend function answered " + r.statusCode() + ": " + body);
      }
    }
  }

  /**
   * Rewrites {@code perSecond} users' {@code user_activity} rows per second (in 10 batches): a new {@code updated_at},
   * the same lists, as the pipeline's upsert does when a user acts. The recommend function's poll reports them.
   */
  private static final class UserUpdates implements AutoCloseable {
    private static final String UPDATE = """
        UPDATE user_activity SET updated_at = now()
        WHERE user_id IN (SELECT 'u' || ((? + i * 7919) % ?) FROM range(?) AS t(i))""";
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "bench-user-updates");
      t.setDaemon(true);
      return t;
    });
    private final AtomicLong rows = new AtomicLong();

    UserUpdates(DuckDbWarehouse w, int users, int perSecond) {
      int perBatch = perSecond / 10;
      if (perBatch < 1) {
        return;
      }
      timer.scheduleAtFixedRate(() -> {
        try (Connection c = w.connect(); PreparedStatement ps = c.prepareStatement(UPDATE)) {
          ps.setLong(1, rows.get() * 7919 % users);
          ps.setLong(2, users);
          ps.setLong(3, perBatch);
          rows.addAndGet(ps.executeUpdate());
        } catch (SQLException e) {
          LOG.warning("user_activity update failed: " + e.getMessage());
        }
      }, 100, 100, TimeUnit.MILLISECONDS);
    }

    long rows() {
      return rows.get();
    }

    @Override
    public void close() {
      timer.shutdownNow();
    }
  }

  /** The endpoint mix, the same sequence for both functions. */
  private record Mix(FunctionServer server, int products, int withNeighbors, int users) {
    /** A request unanswered this long fails (a stuck keep-alive connection would otherwise stall a worker). */
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    /** Every request asks for 10 items. */
    private static final String K = RecommendationApi.K + "=10";

    private static String cartLine(String productId) {
      return "{\"" + RecommendationApi.PRODUCT_ID + "\":\"" + productId + "\"}";
    }

    HttpRequest request(long seq) {
      long h = mix(seq);
      String product = "p" + (h % withNeighbors);
      return switch ((int) (seq % 10)) {
        case 0, 1, 2, 3, 4 -> get("/recommendations?" + RecommendationApi.USER_ID + "=u" + (h % users) + "&" + K);
        case 5, 6 -> get("/products/" + product + "/similar?" + K);
        case 7 -> get("/products/" + product + "/bought-together?" + K);
        case 8 -> get("/trending?" + K + "&" + RecommendationApi.CATEGORY + "=c" + (h % CATEGORIES));
        default -> HttpRequest.newBuilder(server.uri("/cart/recommendations?" + K)).timeout(TIMEOUT)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString("{\"" + RecommendationApi.ITEMS + "\":[" + cartLine(product)
                + "," + cartLine("p" + (h / 7 % withNeighbors)) + "," + cartLine("p" + (h / 49 % products)) + "]}"))
            .build();
      };
    }

    private HttpRequest get(String pathAndQuery) {
      return HttpRequest.newBuilder(server.uri(pathAndQuery)).timeout(TIMEOUT).GET().build();
    }

    private static long mix(long seq) {
      long z = seq * 0x9E3779B97F4A7C15L;
      z = (z ^ (z >>> 31)) * 0xBF58476D1CE4E5B9L;
      return (z ^ (z >>> 29)) & Long.MAX_VALUE;
    }
  }

  /**
   * Generates the data in DuckDB itself ({@code range()}; row-by-row inserts through the warehouse's upsert take
   * minutes for 10k users): product i in category {@code c<i mod 40>/s<i mod 3>}, 2% unavailable; the first
   * {@code neighbors / (5 × 10)} products get a list of 10 per signal (the four co-occurrence signals and next); every product has view, cart and purchase
   * trends, skewed towards small ids; users' recent items are drawn from the products with lists; {@code events}
   * one-product events spread over the last year, skewed towards small ids (the popularity prior's input); every
   * product has an {@code item_factors} row of 32 dimensions (one model version), so a user's answer scores the
   * whole catalog with the learned factors, as in production. Returns how many products have lists.
   */
  private static int fill(DuckDbWarehouse w, int products, int neighbors, int users, int events)
      throws Exception {
    int withNeighbors = Math.max(1, Math.min(products, neighbors / (SIGNALS.size() * PER_LIST)));
    String[] sql = {
        """
        INSERT INTO products SELECT 'p' || i, 'Product ' || i, 'c' || (i % 40) || '/s' || (i % 3), 1.0 + i % 100,
          'EUR', hash(i) % 50 <> 0, NULL, now() FROM range(?) AS t(i)""",
        """
        INSERT OR IGNORE INTO item_neighbors
        SELECT 'p' || i, 'p' || ((i * 7 + r * 97 + s * 13) % ?),
          ['co_view', 'co_cart', 'co_purchase', 'combined', 'next'][s + 1], 1.0 / (r + 1), r, 10.0 / r, now()
        FROM range(?) AS a(i), range(5) AS b(s), range(1, 11) AS c(r)""",
        """
        INSERT INTO product_trends
        SELECT 'p' || i, ['view', 'add_to_cart', 'purchase'][e + 1], now() - INTERVAL 1 HOUR, now(),
          1 + hash(i, e) % (1 + 1000 // (1 + i % 500)), 1, 'ON_TIME', now()
        FROM range(?) AS a(i), range(3) AS b(e)""",
        """
        INSERT INTO user_activity
        SELECT 'u' || u,
          list_transform(range(10), lambda j: {'product_id': 'p' || ((u * 31 + j * 17) % ?),
            'event_type': CASE WHEN j % 5 = 4 THEN 'purchase' WHEN j % 3 = 2 THEN 'add_to_cart' ELSE 'view' END,
            'event_time': now() - to_seconds(60 * j)}),
          ['p' || (u % ?), 'p' || ((u * 13) % ?)], now() - to_seconds(u % 10800)
        FROM range(?) AS t(u)""",
        """
        INSERT INTO events (event_id, event_type, user_id, event_time, products, ingest_time)
        SELECT 'e' || i, ['view', 'add_to_cart', 'purchase'][1 + i % 3], 'u' || (i % ?),
          now() - to_seconds(i % 31536000), [{'product_id': 'p' || (hash(i) % (1 + hash(i, 1) % ?)),
          'quantity': 1, 'price': 1.0}], now()
        FROM range(?) AS t(i)""",
        """
        INSERT INTO item_factors
        SELECT 'p' || i,
          list_transform(range(?), lambda f: ((hash(i, f, 1) % 2001)::DOUBLE - 1000) / 4000.0),
          list_transform(range(?), lambda f: ((hash(i, f, 2) % 2001)::DOUBLE - 1000) / 4000.0),
          -(i % 500) / 100.0, 'bench-1', 1000000, now()
        FROM range(?) AS t(i)"""};
    long[][] parameters = {{products}, {products, withNeighbors}, {products},
        {withNeighbors, products, products, users}, {users, products, events},
        {FACTOR_DIMENSIONS, FACTOR_DIMENSIONS, products}};
    try (java.sql.Connection c = w.connect()) {
      for (int q = 0; q < sql.length; q++) {
        try (java.sql.PreparedStatement ps = c.prepareStatement(sql[q])) {
          for (int i = 0; i < parameters[q].length; i++) {
            ps.setLong(i + 1, parameters[q][i]);
          }
          int n = ps.executeUpdate();
          String table = TABLES[q];
          LOG.info(() -> table + ": " + n + " rows generated");
        }
      }
    }
    return withNeighbors;
  }
}
