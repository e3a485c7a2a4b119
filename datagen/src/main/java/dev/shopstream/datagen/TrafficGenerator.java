package dev.shopstream.datagen;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shopstream.contract.EventCodec;
import dev.shopstream.contract.Json;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.PriorityQueue;
import java.util.Random;

/**
 * Synthetic shop traffic, deterministic for a seed: sessions of users who search, view related products (category
 * affinity), add some to the cart, remove some and sometimes buy. Events come out in event-time order, sessions
 * interleaved, as contract v1 JSON objects.
 */
final class TrafficGenerator implements Iterator<ObjectNode> {
  /** The knobs of the generator. */
  record Config(long seed, int users, long events, Instant start, Duration span, double searchRate,
      double cartRate, double purchaseRate, double removeRate, String currency) {
    static Config defaults(long seed, long events, Instant start, Duration span) {
      return new Config(seed, 1000, events, start, span, 0.25, 0.30, 0.30, 0.10, "EUR");
    }

    Config withUsers(int n) {
      return new Config(seed, n, events, start, span, searchRate, cartRate, purchaseRate, removeRate, currency);
    }

    Config withRates(double search, double cart, double purchase, double remove) {
      return new Config(seed, users, events, start, span, search, cart, purchase, remove, currency);
    }

    Config withCurrency(String c) {
      return new Config(seed, users, events, start, span, searchRate, cartRate, purchaseRate, removeRate, c);
    }
  }

  private static final String[] DEVICES = {"web", "mobile", "app"};
  private static final String[] REFERRERS = {"direct", "search", "social", "email", "ads"};

  /** An event of a session before it gets its id: time, sequence for a stable order, and the JSON. */
  private record Pending(long time, long seq, ObjectNode event) {}

  private final Config config;
  private final Catalog catalog;
  private final Random rng;
  private final int[][] favourites;
  private final PriorityQueue<Pending> queue =
      new PriorityQueue<>(Comparator.comparingLong(Pending::time).thenComparingLong(Pending::seq));
  private final double meanGapMillis;
  private final long spanEnd;
  private long nextSessionStart;
  private long sessions;
  private long pendingSeq;
  private long emitted;

  TrafficGenerator(Config config, Catalog catalog) {
    this.config = config;
    this.catalog = catalog;
    this.rng = new Random(config.seed());
    this.favourites = new int[config.users()][];
    for (int u = 0; u < config.users(); u++) {
      int n = 1 + rng.nextInt(3);
      favourites[u] = new int[n];
      for (int i = 0; i < n; i++) {
        favourites[u][i] = catalog.popularCategory(rng);
      }
    }
    double eventsPerSession = estimateEventsPerSession();
    double expectedSessions = Math.max(1, config.events() / eventsPerSession);
    this.meanGapMillis = config.span().toMillis() / expectedSessions;
    this.nextSessionStart = config.start().toEpochMilli();
    this.spanEnd = config.start().plus(config.span()).toEpochMilli();
  }

  /** The mean session length, measured on sessions drawn from a separate random stream (so still deterministic). */
  private double estimateEventsPerSession() {
    Random probe = new Random(config.seed() ^ 0x5DEECE66DL);
    long total = 0;
    int n = 2000;
    for (int i = 0; i < n; i++) {
      total += session(probe, 0, "probe").size();
    }
    return (double) total / n;
  }

  @Override
  public boolean hasNext() {
    return emitted < config.events();
  }

  @Override
  public ObjectNode next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    while (queue.isEmpty() || queue.peek().time() > nextSessionStart) {
      String sessionId = "s" + config.seed() + "-" + (++sessions);
      for (ObjectNode e : session(rng, nextSessionStart, sessionId)) {
        long time = Instant.parse(e.get(EventCodec.EVENT_TIME).textValue()).toEpochMilli();
        queue.add(new Pending(time, pendingSeq++, e));
      }
      double gap = -Math.log(1 - rng.nextDouble()) * meanGapMillis;
      // never start a session after the span, so data ending "now" never lies far in the future
      nextSessionStart = Math.min(nextSessionStart + Math.max(1000, Math.round(gap / 1000) * 1000), spanEnd);
    }
    ObjectNode event = queue.poll().event();
    emitted++;
    ObjectNode withId = Json.MAPPER.createObjectNode();
    withId.put(EventCodec.EVENT_ID, "g" + config.seed() + "-" + emitted);
    withId.setAll(event);
    return withId;
  }

  /** The events of one session starting at {@code start} (epoch millis), without event ids. */
  private List<ObjectNode> session(Random r, long start, String sessionId) {
    int user = (int) (config.users() * Math.pow(r.nextDouble(), 1.5)); // some users visit much more often
    String userId = String.format("u-%05d", user + 1);
    String device = DEVICES[r.nextInt(DEVICES.length)];
    String referrer = REFERRERS[r.nextInt(REFERRERS.length)];
    int category = r.nextDouble() < 0.75
        ? favourites[user][r.nextInt(favourites[user].length)]
        : Catalog.indexOf(catalog.popular(r).category());
    List<ObjectNode> out = new ArrayList<>();
    long[] time = {start};
    if (r.nextDouble() < config.searchRate()) {
      Catalog.Product hint = catalog.popularIn(category, r);
      String noun = hint.title().substring(hint.title().lastIndexOf(' ') + 1).toLowerCase(Locale.ROOT);
      String query = r.nextBoolean() ? noun : Catalog.CATEGORIES.get(category).leaf().replace('-', ' ');
      ObjectNode e = base("search", userId, sessionId, time[0], device, referrer);
      e.put(EventCodec.QUERY, query);
      out.add(e);
      advance(time, r);
    }
    int views = 1;
    while (views < 20 && r.nextDouble() < 0.72) {
      views++;
    }
    Map<Catalog.Product, Integer> cart = new LinkedHashMap<>();
    for (int v = 0; v < views; v++) {
      double x = r.nextDouble();
      Catalog.Product p = x < 0.8 ? catalog.popularIn(category, r)
          : x < 0.92 ? catalog.popularIn(catalog.sibling(category, r), r)
          : catalog.popular(r);
      out.add(withProduct(base("view", userId, sessionId, time[0], device, referrer), p, 1, false));
      advance(time, r);
      if (p.available() && r.nextDouble() < config.cartRate()) {
        int quantity = r.nextDouble() < 0.85 ? 1 : 2 + r.nextInt(3);
        out.add(withProduct(base("add_to_cart", userId, sessionId, time[0], device, referrer), p, quantity, true));
        cart.merge(p, quantity, Integer::sum);
        advance(time, r);
      }
    }
    if (!cart.isEmpty()) {
      boolean checkout = r.nextDouble() < config.purchaseRate();
      List<Catalog.Product> lines = new ArrayList<>(cart.keySet());
      for (Catalog.Product p : lines) {
        // a buyer keeps at least one line; an abandoner may empty the cart
        if (r.nextDouble() < config.removeRate() && (!checkout || cart.size() > 1)) {
          out.add(withProduct(base("remove_from_cart", userId, sessionId, time[0], device, referrer), p,
              cart.remove(p), true));
          advance(time, r);
        }
      }
      if (checkout) {
        ObjectNode purchase = base("purchase", userId, sessionId, time[0], device, referrer);
        ArrayNode products = purchase.putArray(EventCodec.PRODUCTS);
        cart.forEach((p, q) -> products.addObject().put(EventCodec.PRODUCT_ID, p.id()).put(EventCodec.QUANTITY, q)
            .put(EventCodec.PRICE, p.price()));
        purchase.put(EventCodec.CURRENCY, config.currency());
        out.add(purchase);
      }
    }
    return out;
  }

  /** Think time between two events of a session: log-normal, median 25 s, between 1 s and 10 min. */
  private static void advance(long[] time, Random r) {
    double seconds = Math.exp(Math.log(25) + 0.8 * r.nextGaussian());
    time[0] += 1000 * Math.max(1, Math.min(600, Math.round(seconds)));
  }

  private static ObjectNode base(String type, String userId, String sessionId, long time, String device,
      String referrer) {
    ObjectNode e = Json.MAPPER.createObjectNode();
    e.put(EventCodec.EVENT_TYPE, type);
    e.put(EventCodec.USER_ID, userId);
    e.put(EventCodec.SESSION_ID, sessionId);
    e.put(EventCodec.EVENT_TIME, Instant.ofEpochMilli(time).toString());
    ObjectNode attributes = e.putObject(EventCodec.ATTRIBUTES);
    attributes.put("device", device);
    attributes.put("referrer", referrer);
    return e;
  }

  private ObjectNode withProduct(ObjectNode e, Catalog.Product p, int quantity, boolean priced) {
    ObjectNode attributes = (ObjectNode) e.remove(EventCodec.ATTRIBUTES);
    ObjectNode line = e.putArray(EventCodec.PRODUCTS).addObject();
    line.put(EventCodec.PRODUCT_ID, p.id());
    line.put(EventCodec.QUANTITY, quantity);
    if (priced) {
      line.put(EventCodec.PRICE, p.price());
      e.put(EventCodec.CURRENCY, config.currency());
    }
    e.set(EventCodec.ATTRIBUTES, attributes);
    return e;
  }
}
