package dev.shopstream.datagen;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shopstream.contract.Json;
import dev.shopstream.contract.ProductCodec;
import dev.shopstream.contract.rows.RowParser;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * A synthetic catalog: products in 20 leaf categories of a three-level tree, log-normal prices around each
 * category's median, about 95% available, and a Zipf popularity rank over all products.
 */
final class Catalog {
  /** A leaf category: its path, the median price and the nouns product titles are made of. */
  record Category(String path, double medianPrice, List<String> nouns) {
    String parent() {
      return path.substring(0, path.lastIndexOf('/'));
    }

    String leaf() {
      return path.substring(path.lastIndexOf('/') + 1);
    }
  }

  /** One product; {@code weight} is its Zipf popularity (1 / rank^exponent). */
  record Product(String id, String title, Category category, double price, boolean available, double weight) {}

  static final List<Category> CATEGORIES = List.of(
      new Category("home/kitchen/mugs", 12, List.of("Mug", "Cup", "Travel Mug")),
      new Category("home/kitchen/teapots", 35, List.of("Teapot", "Tea Kettle", "Tea Infuser")),
      new Category("home/kitchen/cutlery", 25, List.of("Fork Set", "Knife Set", "Spoon Set")),
      new Category("home/decor/candles", 15, List.of("Candle", "Tea Light Holder", "Lantern")),
      new Category("home/decor/frames", 20, List.of("Photo Frame", "Poster Frame", "Mirror")),
      new Category("home/garden/planters", 28, List.of("Planter", "Flower Pot", "Watering Can")),
      new Category("fashion/women/dresses", 60, List.of("Dress", "Skirt", "Blouse")),
      new Category("fashion/men/shirts", 40, List.of("Shirt", "Polo", "T-Shirt")),
      new Category("fashion/accessories/bags", 55, List.of("Tote Bag", "Backpack", "Shoulder Bag")),
      new Category("fashion/accessories/scarves", 25, List.of("Scarf", "Shawl", "Bandana")),
      new Category("electronics/audio/headphones", 90, List.of("Headphones", "Earbuds", "Headset")),
      new Category("electronics/audio/speakers", 120, List.of("Speaker", "Soundbar", "Radio")),
      new Category("electronics/computers/keyboards", 70, List.of("Keyboard", "Mouse", "Mouse Pad")),
      new Category("electronics/phones/cases", 18, List.of("Phone Case", "Screen Protector", "Phone Stand")),
      new Category("books/fiction/novels", 14, List.of("Novel", "Short Stories", "Thriller")),
      new Category("books/nonfiction/cooking", 24, List.of("Cookbook", "Baking Book", "Recipe Journal")),
      new Category("sports/outdoor/tents", 150, List.of("Tent", "Sleeping Bag", "Camping Mat")),
      new Category("sports/fitness/yoga", 30, List.of("Yoga Mat", "Yoga Block", "Resistance Band")),
      new Category("toys/games/puzzles", 20, List.of("Puzzle", "Board Game", "Card Game")),
      new Category("grocery/tea/loose-leaf", 9, List.of("Green Tea", "Black Tea", "Herbal Tea")));

  private static final List<String> ADJECTIVES = List.of("Classic", "Modern", "Vintage", "Rustic", "Deluxe",
      "Compact", "Organic", "Nordic", "Handmade", "Everyday", "Premium", "Minimal", "Cosy", "Bold", "Bright");
  private static final List<String> COLOURS = List.of("Blue", "Red", "Green", "White", "Black", "Grey", "Yellow",
      "Pink", "Oak", "Copper", "Navy", "Cream");

  final List<Product> products;
  /** Products of each category (index as in {@link #CATEGORIES}), with cumulative popularity weights. */
  private final List<List<Product>> byCategory = new ArrayList<>();
  private final List<double[]> cumulativeByCategory = new ArrayList<>();
  private final double[] cumulative;
  final double[] categoryWeight;

  private Catalog(List<Product> products) {
    this.products = List.copyOf(products);
    this.cumulative = cumulate(products);
    this.categoryWeight = new double[CATEGORIES.size()];
    for (int c = 0; c < CATEGORIES.size(); c++) {
      List<Product> in = new ArrayList<>();
      for (Product p : products) {
        if (p.category() == CATEGORIES.get(c)) {
          in.add(p);
          categoryWeight[c] += p.weight();
        }
      }
      byCategory.add(in);
      cumulativeByCategory.add(cumulate(in));
    }
  }

  /** {@code count} products (at least one per category), deterministic for {@code seed}. */
  static Catalog generate(long seed, int count, double zipfExponent) {
    Random rng = new Random(seed * 7919 + 17);
    List<Integer> ranks = new ArrayList<>();
    for (int i = 1; i <= count; i++) {
      ranks.add(i);
    }
    Collections.shuffle(ranks, rng);
    List<Product> products = new ArrayList<>(count);
    int digits = Math.max(5, String.valueOf(count).length());
    for (int i = 0; i < count; i++) {
      Category category = CATEGORIES.get(i < CATEGORIES.size() ? i : rng.nextInt(CATEGORIES.size()));
      String title = pick(ADJECTIVES, rng) + " " + pick(COLOURS, rng) + " " + pick(category.nouns(), rng);
      double price = Math.max(0.5, category.medianPrice() * Math.exp(0.5 * rng.nextGaussian()));
      price = Math.round(price * 100) / 100.0;
      boolean available = rng.nextDouble() < 0.95;
      double weight = 1.0 / Math.pow(ranks.get(i), zipfExponent);
      products.add(new Product(String.format("sku-%0" + digits + "d", i + 1), title, category, price, available,
          weight));
    }
    return new Catalog(products);
  }

  private static <T> T pick(List<T> list, Random rng) {
    return list.get(rng.nextInt(list.size()));
  }

  private static double[] cumulate(List<Product> products) {
    double[] c = new double[products.size()];
    double sum = 0;
    for (int i = 0; i < c.length; i++) {
      sum += products.get(i).weight();
      c[i] = sum;
    }
    return c;
  }

  private static int sample(double[] cumulative, Random rng) {
    double x = rng.nextDouble() * cumulative[cumulative.length - 1];
    int i = Arrays.binarySearch(cumulative, x);
    return Math.min(cumulative.length - 1, i >= 0 ? i + 1 : -i - 1);
  }

  /** A product drawn by popularity from the whole catalog. */
  Product popular(Random rng) {
    return products.get(sample(cumulative, rng));
  }

  /** A product drawn by popularity from one category. */
  Product popularIn(int category, Random rng) {
    return byCategory.get(category).get(sample(cumulativeByCategory.get(category), rng));
  }

  /** A category index drawn by the summed popularity of its products. */
  int popularCategory(Random rng) {
    double[] c = new double[categoryWeight.length];
    double sum = 0;
    for (int i = 0; i < c.length; i++) {
      sum += categoryWeight[i];
      c[i] = sum;
    }
    double x = rng.nextDouble() * sum;
    for (int i = 0; i < c.length; i++) {
      if (x < c[i]) {
        return i;
      }
    }
    return c.length - 1;
  }

  /** A category with the same parent (e.g. home/kitchen/mugs → home/kitchen/teapots), or the same one. */
  int sibling(int category, Random rng) {
    String parent = CATEGORIES.get(category).parent();
    String grandParent = parent.substring(0, parent.indexOf('/'));
    List<Integer> same = new ArrayList<>();
    List<Integer> near = new ArrayList<>();
    for (int i = 0; i < CATEGORIES.size(); i++) {
      if (i != category && CATEGORIES.get(i).parent().equals(parent)) {
        same.add(i);
      } else if (i != category && CATEGORIES.get(i).path().startsWith(grandParent + "/")) {
        near.add(i);
      }
    }
    List<Integer> from = !same.isEmpty() ? same : near;
    return from.isEmpty() ? category : from.get(rng.nextInt(from.size()));
  }

  static int indexOf(Category category) {
    return CATEGORIES.indexOf(category);
  }

  /** The product as a catalog row of contract v1 ({@code product-v1.schema.json}). */
  static ObjectNode toJson(Product p, String currency, Instant updatedAt) {
    ObjectNode o = Json.MAPPER.createObjectNode();
    o.put(ProductCodec.PRODUCT_ID, p.id());
    o.put(ProductCodec.TITLE, p.title());
    o.put(ProductCodec.CATEGORY, p.category().path());
    o.put(ProductCodec.PRICE, p.price());
    o.put(ProductCodec.CURRENCY, currency);
    o.put(ProductCodec.AVAILABLE, p.available());
    o.put(ProductCodec.UPDATED_AT, updatedAt.toString());
    return o;
  }

  /** The upload's CSV columns for the catalog. */
  static final List<String> CSV_HEADER = RowParser.CATALOG_COLUMNS;

  static List<String> toCsv(Product p, String currency, Instant updatedAt) {
    return List.of(p.id(), p.title(), p.category().path(), Double.toString(p.price()), currency,
        Boolean.toString(p.available()), updatedAt.toString());
  }
}
