package dev.shopstream.pipeline.transforms;

import com.google.api.services.bigquery.model.TableRow;
import dev.shopstream.contract.DeadLetter;
import dev.shopstream.contract.Event;
import dev.shopstream.contract.EventCodec;
import dev.shopstream.contract.ProductLine;
import dev.shopstream.contract.ProductRow;
import dev.shopstream.pipeline.coders.DeadLetterCoder;
import dev.shopstream.pipeline.coders.EventCoder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderRegistry;
import org.apache.beam.sdk.coders.MapCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.io.gcp.bigquery.TableRowJsonCoder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.View;
import org.apache.beam.sdk.transforms.windowing.AfterEach;
import org.apache.beam.sdk.transforms.windowing.AfterPane;
import org.apache.beam.sdk.transforms.windowing.AfterProcessingTime;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.Repeatedly;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.PCollectionView;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.joda.time.Duration;

/**
 * Adds the catalog to events, from a side input of the latest product per id ({@link #catalogView}). Per product
 * line: a line without a price takes the catalog's; the event's attributes get {@value #CATEGORIES} (the distinct
 * catalog categories of its products, comma-separated), {@value #UNAVAILABLE} (products the catalog marks
 * unavailable) and {@value #UNKNOWN_PRODUCTS} (products the catalog does not know). An unknown product is kept,
 * flagged there and counted ({@code unknown_product}); an event is never dropped.
 *
 * <p>The enriched events feed the derived tables (sessions: revenue of lines without a price); the {@code events}
 * table keeps what the shop sent.
 *
 * <p>An event whose enrichment fails (a catalog row it cannot use, a bug) is not passed on: it is output on
 * {@link #DEAD_LETTERS} (step {@value #STEP_ENRICH}, the event as its contract JSON, its attributes, the error), so
 * the derived tables never see it half-enriched and nothing is lost. The {@code events} table, written before
 * enrichment, holds it either way.
 *
 * <p>Counters (namespace: this class): {@code in}, {@code out}, {@code unknown_product} (product lines),
 * {@code dead_lettered}.
 */
public final class EnrichEvents extends PTransform<PCollection<Event>, PCollectionTuple> {
  /** The enriched events. */
  public static final TupleTag<Event> ENRICHED = new TupleTag<>() {};
  /** Events whose enrichment failed (step {@value #STEP_ENRICH}), with the event as payload and the error. */
  public static final TupleTag<DeadLetter> DEAD_LETTERS = new TupleTag<>() {};
  public static final String STEP_ENRICH = "enrich";
  public static final String CATEGORIES = "x-categories";
  public static final String UNAVAILABLE = "x-unavailable-products";
  public static final String UNKNOWN_PRODUCTS = "x-unknown-products";
  /** The row that makes the catalog view fire once before any product arrives, so events are never held back. */
  static final String NO_PRODUCT = "";

  private final PCollectionView<List<Map<String, TableRow>>> catalog;

  private EnrichEvents(PCollectionView<List<Map<String, TableRow>>> catalog) {
    this.catalog = Objects.requireNonNull(catalog, "catalog");
  }

  /** Enrichment with a view of catalog snapshots ({@link #catalogView}); the later version of a product wins. */
  public static EnrichEvents with(PCollectionView<List<Map<String, TableRow>>> catalog) {
    return new EnrichEvents(catalog);
  }

  /**
   * Beam's slowly-updating global-window side input: {@code products} rows, re-windowed into the global window,
   * combined into one catalog snapshot (latest {@code updated_at} per {@code product_id}) that is re-published every
   * {@code refresh} of processing time (accumulating, so every snapshot holds the whole catalog). It fires at once
   * for its first element (a built-in empty-id row, so events are not held back while the catalog is empty), then
   * every {@code refresh}. The snapshots are re-windowed discarding before the view, so the view holds the snapshots
   * of its latest update only (usually one; {@link EnrichFn} merges them when there are more). A per-key combine
   * viewed as a map would not do: the view's own grouping accumulates every pane of every key, so a product updated
   * twice appears twice and the map view fails on the duplicate key.
   */
  public static PCollectionView<List<Map<String, TableRow>>> catalogView(PCollection<TableRow> products,
      Duration refresh) {
    PCollection<TableRow> start = products.getPipeline()
        .apply("NoProductYet", Create.of(List.of(new TableRow().set(ProductRow.PRODUCT_ID, NO_PRODUCT)
            .set(ProductRow.UPDATED_AT, "1970-01-01T00:00:00Z"))).withCoder(TableRowJsonCoder.of()));
    return PCollectionList.of(products).and(start)
        .apply("WithStart", Flatten.pCollections())
        .apply("GlobalWindow", Window.<TableRow>into(new GlobalWindows())
            .triggering(AfterEach.inOrder(AfterPane.elementCountAtLeast(1),
                Repeatedly.forever(AfterProcessingTime.pastFirstElementInPane().plusDelayOf(refresh))))
            .withAllowedLateness(Duration.ZERO)
            .accumulatingFiredPanes())
        .apply("LatestPerProduct", Combine.globally(new CatalogFn()).withoutDefaults())
        .setCoder(CatalogFn.SNAPSHOT_CODER)
        .apply("LatestSnapshots", Window.<Map<String, TableRow>>configure()
            .triggering(Repeatedly.forever(AfterPane.elementCountAtLeast(1)))
            .withAllowedLateness(Duration.ZERO)
            .discardingFiredPanes())
        .apply("AsList", View.asList());
  }

  /** Product rows into a snapshot of the catalog: the latest version per product id. */
  static final class CatalogFn extends Combine.CombineFn<TableRow, Map<String, TableRow>, Map<String, TableRow>> {
    static final Coder<Map<String, TableRow>> SNAPSHOT_CODER =
        MapCoder.of(StringUtf8Coder.of(), TableRowJsonCoder.of());

    @Override
    public Map<String, TableRow> createAccumulator() {
      return new HashMap<>();
    }

    @Override
    public Map<String, TableRow> addInput(Map<String, TableRow> snapshot, TableRow product) {
      snapshot.merge((String) product.get(ProductRow.PRODUCT_ID), product, EnrichEvents::later);
      return snapshot;
    }

    @Override
    public Map<String, TableRow> mergeAccumulators(Iterable<Map<String, TableRow>> snapshots) {
      Map<String, TableRow> merged = new HashMap<>();
      for (Map<String, TableRow> snapshot : snapshots) {
        snapshot.forEach((id, product) -> merged.merge(id, product, EnrichEvents::later));
      }
      return merged;
    }

    @Override
    public Map<String, TableRow> extractOutput(Map<String, TableRow> snapshot) {
      return snapshot;
    }

    @Override
    public Coder<Map<String, TableRow>> getAccumulatorCoder(CoderRegistry registry, Coder<TableRow> input) {
      return SNAPSHOT_CODER;
    }

    @Override
    public Coder<Map<String, TableRow>> getDefaultOutputCoder(CoderRegistry registry, Coder<TableRow> input) {
      return SNAPSHOT_CODER;
    }
  }

  /** The later version of a product by {@code updated_at} (RFC 3339 UTC from ParseProducts: compare instants). */
  static TableRow later(TableRow a, TableRow b) {
    java.time.Instant ta = java.time.Instant.parse(String.valueOf(a.get(ProductRow.UPDATED_AT)));
    java.time.Instant tb = java.time.Instant.parse(String.valueOf(b.get(ProductRow.UPDATED_AT)));
    return tb.isAfter(ta) ? b : a;
  }

  @Override
  public PCollectionTuple expand(PCollection<Event> events) {
    PCollectionTuple out = events.apply("Enrich", ParDo.of(new EnrichFn(catalog)).withSideInputs(catalog)
        .withOutputTags(ENRICHED, TupleTagList.of(DEAD_LETTERS)));
    out.get(ENRICHED).setCoder(EventCoder.of());
    out.get(DEAD_LETTERS).setCoder(DeadLetterCoder.of());
    return out;
  }

  static final class EnrichFn extends DoFn<Event, Event> {
    private final Counter in = Metrics.counter(EnrichEvents.class, "in");
    private final Counter deadLettered = Metrics.counter(EnrichEvents.class, "dead_lettered");
    private final Counter out = Metrics.counter(EnrichEvents.class, "out");
    private final Counter unknown = Metrics.counter(EnrichEvents.class, "unknown_product");
    private final PCollectionView<List<Map<String, TableRow>>> catalog;
    private transient List<Map<String, TableRow>> lastSnapshots;
    private transient Map<String, TableRow> lastCatalog;

    EnrichFn(PCollectionView<List<Map<String, TableRow>>> catalog) {
      this.catalog = catalog;
    }

    /** The snapshots merged (latest version per product), computed once per side-input value. */
    private Map<String, TableRow> catalog(List<Map<String, TableRow>> snapshots) {
      if (snapshots != lastSnapshots) {
        Map<String, TableRow> merged = snapshots.size() == 1 ? snapshots.get(0) : new HashMap<>();
        if (snapshots.size() > 1) {
          snapshots.forEach(s -> s.forEach((id, product) -> merged.merge(id, product, EnrichEvents::later)));
        }
        lastSnapshots = snapshots;
        lastCatalog = merged;
      }
      return lastCatalog;
    }

    @ProcessElement
    public void process(@Element Event e, ProcessContext c) {
      in.inc();
      Event enriched;
      try {
        enriched = enrich(e, catalog(c.sideInput(catalog)));
      } catch (RuntimeException failure) {
        c.output(DEAD_LETTERS, new DeadLetter(e.eventId(), EventCodec.encode(e), e.attributes(),
            "enrichment failed: " + failure, STEP_ENRICH, Instant.now()));
        deadLettered.inc();
        return;
      }
      c.output(enriched);
      out.inc();
    }

    /** The event with the catalog's prices and its flags (see the class comment). */
    Event enrich(Event e, Map<String, TableRow> products) {
      List<ProductLine> lines = new ArrayList<>();
      Set<String> categories = new LinkedHashSet<>();
      Set<String> unavailable = new LinkedHashSet<>();
      Set<String> unknownIds = new LinkedHashSet<>();
      for (ProductLine line : e.products()) {
        TableRow product = products.get(line.productId());
        if (product == null) {
          unknown.inc();
          unknownIds.add(line.productId());
          lines.add(line);
          continue;
        }
        Object price = product.get(ProductRow.PRICE);
        lines.add(line.price() == null && price instanceof Number n
            ? new ProductLine(line.productId(), line.quantity(), n.doubleValue())
            : line);
        if (product.get(ProductRow.CATEGORY) instanceof String category) {
          categories.add(category);
        }
        if (Boolean.FALSE.equals(product.get(ProductRow.AVAILABLE))) {
          unavailable.add(line.productId());
        }
      }
      Map<String, String> attributes = new LinkedHashMap<>(e.attributes());
      putJoined(attributes, CATEGORIES, categories);
      putJoined(attributes, UNAVAILABLE, unavailable);
      putJoined(attributes, UNKNOWN_PRODUCTS, unknownIds);
      return new Event(e.eventId(), e.eventType(), e.userId(), e.sessionId(), e.eventTime(), lines, e.currency(),
          e.query(), attributes);
    }

    private static void putJoined(Map<String, String> attributes, String key, Set<String> values) {
      if (!values.isEmpty()) {
        attributes.put(key, String.join(",", values));
      }
    }
  }
}
