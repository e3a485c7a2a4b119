package dev.shopstream.datagen;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shopstream.contract.EventCodec;
import dev.shopstream.contract.ProductCodec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class TrafficGeneratorTest {
  static final Instant START = Instant.parse("2026-11-01T00:00:00Z");
  static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-22T12:00:00Z"), ZoneOffset.UTC);
  static List<ObjectNode> events;
  static Catalog catalog;

  static List<ObjectNode> generate(long seed, long n, Catalog catalog) {
    TrafficGenerator g = new TrafficGenerator(TrafficGenerator.Config.defaults(seed, n, START, Duration.ofDays(7)),
        catalog);
    List<ObjectNode> out = new ArrayList<>();
    g.forEachRemaining(out::add);
    return out;
  }

  @BeforeAll
  static void generate20k() {
    catalog = Catalog.generate(7, 500, 1.1);
    events = generate(7, 20_000, catalog);
  }

  @Test
  void sameSeedSameOutputOtherSeedOther() {
    List<String> a = generate(3, 2_000, Catalog.generate(3, 200, 1.1)).stream().map(JsonNode::toString).toList();
    List<String> b = generate(3, 2_000, Catalog.generate(3, 200, 1.1)).stream().map(JsonNode::toString).toList();
    List<String> c = generate(4, 2_000, Catalog.generate(4, 200, 1.1)).stream().map(JsonNode::toString).toList();
    assertThat(a).hasSize(2_000).isEqualTo(b);
    assertThat(c).isNotEqualTo(a);
    assertThat(Catalog.generate(3, 200, 1.1).products).isEqualTo(Catalog.generate(3, 200, 1.1).products);
  }

  @Test
  void everyEventIsValidUnderTheContractAndIdsAreUnique() {
    EventCodec codec = new EventCodec(CLOCK);
    Set<String> ids = new HashSet<>();
    for (ObjectNode e : events) {
      EventCodec.Decoded d = codec.decode(e.toString());
      assertThat(d.isValid()).as("%s: %s", e, d.errors()).isTrue();
      ids.add(d.event().eventId());
    }
    assertThat(ids).hasSize(events.size());
  }

  @Test
  void eventsAreInTimeOrderWithinTheSpan() {
    List<Instant> times = events.stream().map(e -> Instant.parse(e.get("event_time").asText())).toList();
    assertThat(times).isSortedAccordingTo(Comparator.naturalOrder());
    assertThat(times.get(0)).isEqualTo(START);
    assertThat(times.get(times.size() - 1)).isBetween(START.plus(Duration.ofDays(5)), START.plus(Duration.ofDays(8)));
  }

  @Test
  void catalogRowsAreValidProducts() {
    ProductCodec codec = new ProductCodec(CLOCK);
    Set<String> categories = new HashSet<>();
    long available = 0;
    for (Catalog.Product p : catalog.products) {
      ProductCodec.Decoded d = codec.decode(Catalog.toJson(p, "EUR", START));
      assertThat(d.isValid()).as("%s", d.errors()).isTrue();
      categories.add(p.category().path());
      available += p.available() ? 1 : 0;
      assertThat(p.price()).isPositive();
    }
    assertThat(categories).hasSize(20);
    assertThat(available / 500.0).isBetween(0.90, 0.99);
  }

  @Test
  void funnelProportionsAreWithinTolerance() {
    Map<String, Integer> byType = new HashMap<>();
    Map<String, Set<String>> sessionTypes = new HashMap<>();
    long viewsOfAvailable = 0;
    Map<String, Boolean> available = new HashMap<>();
    catalog.products.forEach(p -> available.put(p.id(), p.available()));
    for (ObjectNode e : events) {
      String type = e.get("event_type").asText();
      byType.merge(type, 1, Integer::sum);
      sessionTypes.computeIfAbsent(e.get("session_id").asText(), k -> new HashSet<>()).add(type);
      if (type.equals("view") && available.get(e.get("products").get(0).get("product_id").asText())) {
        viewsOfAvailable++;
      }
    }
    // 30% of views (of available products) lead to the cart
    assertThat(byType.get("add_to_cart") / (double) viewsOfAvailable).isBetween(0.27, 0.33);
    // 30% of carts end with a purchase
    long carts = sessionTypes.values().stream().filter(s -> s.contains("add_to_cart")).count();
    long bought = sessionTypes.values().stream().filter(s -> s.contains("purchase")).count();
    assertThat(carts).isGreaterThan(1000);
    assertThat(bought / (double) carts).isBetween(0.26, 0.34);
    // a quarter of the sessions start with a search; some cart lines are removed
    assertThat(byType.get("search") / (double) sessionTypes.size()).isBetween(0.21, 0.29);
    assertThat(byType.get("remove_from_cart")).isPositive();
  }

  @Test
  void zipfHeadIsMuchHeavierThanTail() {
    Map<String, Integer> views = new HashMap<>();
    events.stream().filter(e -> e.get("event_type").asText().equals("view"))
        .forEach(e -> views.merge(e.get("products").get(0).get("product_id").asText(), 1, Integer::sum));
    List<Integer> counts = new ArrayList<>();
    catalog.products.forEach(p -> counts.add(views.getOrDefault(p.id(), 0)));
    counts.sort(Comparator.reverseOrder());
    int total = counts.stream().mapToInt(Integer::intValue).sum();
    int head = counts.subList(0, 50).stream().mapToInt(Integer::intValue).sum(); // top 10%
    int tail = counts.subList(450, 500).stream().mapToInt(Integer::intValue).sum(); // bottom 10%
    assertThat(head / (double) total).isGreaterThan(0.4);
    assertThat(head).isGreaterThan(10 * Math.max(1, tail));
  }

  @Test
  void sessionsStayMostlyInOneCategory() {
    Map<String, String> categoryOf = new HashMap<>();
    catalog.products.forEach(p -> categoryOf.put(p.id(), p.category().path()));
    Map<String, String> lastCategory = new HashMap<>();
    long pairs = 0;
    long same = 0;
    for (ObjectNode e : events) {
      if (!e.get("event_type").asText().equals("view")) {
        continue;
      }
      String category = categoryOf.get(e.get("products").get(0).get("product_id").asText());
      String previous = lastCategory.put(e.get("session_id").asText(), category);
      if (previous != null) {
        pairs++;
        same += previous.equals(category) ? 1 : 0;
      }
    }
    assertThat(pairs).isGreaterThan(5000);
    assertThat(same / (double) pairs).isGreaterThan(0.6); // a random pair would share a category ~1/10 of the time
  }

  @Test
  void badRowsAreInvalidInTheDocumentedWays() {
    EventCodec codec = new EventCodec(CLOCK);
    ObjectNode purchase = events.stream().filter(e -> e.get("event_type").asText().equals("purchase")).findFirst()
        .orElseThrow();
    for (String kind : EventRows.BAD_KINDS) {
      EventCodec.Decoded d = codec.decode(EventRows.badJson(purchase, kind));
      assertThat(d.isValid()).as(kind).isFalse();
    }
    assertThat(codec.decode(EventRows.badJson(purchase, "missing_user_id")).errorSummary()).contains("user_id");
    assertThat(codec.decode(EventRows.badJson(purchase, "negative_quantity")).errorSummary())
        .contains("products[0].quantity");
  }
}
