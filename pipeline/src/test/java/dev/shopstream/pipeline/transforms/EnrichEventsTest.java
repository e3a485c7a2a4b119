package dev.shopstream.pipeline.transforms;

import static dev.shopstream.pipeline.testing.TestEvents.counter;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.api.services.bigquery.model.TableRow;
import dev.shopstream.contract.DeadLetter;
import dev.shopstream.contract.Event;
import dev.shopstream.contract.EventCodec;
import dev.shopstream.contract.EventType;
import dev.shopstream.contract.ProductLine;
import dev.shopstream.pipeline.coders.EventCoder;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.io.gcp.bigquery.TableRowJsonCoder;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.Filter;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.View;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.PCollectionView;
import org.apache.beam.sdk.values.TimestampedValue;
import org.apache.beam.sdk.values.TypeDescriptor;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(TestPipelineExtension.class)
public class EnrichEventsTest {
  private transient TestPipeline pipeline;

  private static final Instant T = Instant.parse("2026-11-22T10:00:00Z");

  @BeforeEach
  public void pipeline(TestPipeline pipeline) {
    this.pipeline = pipeline;
  }

  @Test
  public void fillsMissingPricesAddsCategoriesAndFlagsUnknownProductsWithoutDroppingAnything() {
    TableRow mug = new TableRow().set("product_id", "mug-01").set("category", "home/kitchen/mugs")
        .set("price", 12.5).set("available", true).set("updated_at", "2026-11-22T09:00:00Z");
    TableRow tea = new TableRow().set("product_id", "tea-02").set("category", "food/tea").set("price", 4.0)
        .set("available", false).set("updated_at", "2026-11-22T09:00:00Z");
    TableRow oldMug = mug.clone().set("price", 99.0).set("updated_at", "2026-11-22T08:00:00Z");
    // two snapshots in the view (as after a refresh): the later version of each product wins
    PCollectionView<List<Map<String, TableRow>>> catalog = pipeline
        .apply("Catalog", Create.<Map<String, TableRow>>of(Map.of("mug-01", oldMug),
                Map.of("mug-01", mug, "tea-02", tea)).withCoder(EnrichEvents.CatalogFn.SNAPSHOT_CODER))
        .apply(View.asList());
    Event basket = new Event("e-1", EventType.PURCHASE, "u-1", null, T,
        List.of(new ProductLine("mug-01", 2, null), new ProductLine("tea-02", 1, 3.5),
            new ProductLine("ghost-9", 1, null)), "EUR", null, Map.of("page", "/checkout"));
    Event view = new Event("e-2", EventType.VIEW, "u-2", null, T, List.of(new ProductLine("ghost-9", 1, null)),
        null, null, Map.of());

    PAssert.that(pipeline.apply("Events", Create.of(basket, view).withCoder(EventCoder.of()))
            .apply(EnrichEvents.with(catalog)).get(EnrichEvents.ENRICHED))
        .containsInAnyOrder(
            new Event("e-1", EventType.PURCHASE, "u-1", null, T,
                List.of(new ProductLine("mug-01", 2, 12.5), new ProductLine("tea-02", 1, 3.5),
                    new ProductLine("ghost-9", 1, null)), "EUR", null,
                Map.of("page", "/checkout", EnrichEvents.CATEGORIES, "home/kitchen/mugs,food/tea",
                    EnrichEvents.UNAVAILABLE, "tea-02", EnrichEvents.UNKNOWN_PRODUCTS, "ghost-9")),
            new Event("e-2", EventType.VIEW, "u-2", null, T, List.of(new ProductLine("ghost-9", 1, null)),
                null, null, Map.of(EnrichEvents.UNKNOWN_PRODUCTS, "ghost-9")));
    PipelineResult result = pipeline.run();
    result.waitUntilFinish();
    assertThat(counter(result, EnrichEvents.class, "unknown_product")).isEqualTo(2);
    assertThat(counter(result, EnrichEvents.class, "out")).isEqualTo(2);
  }

  @Test
  public void anEventWhoseEnrichmentFailsIsADeadLetterWithTheEventAndTheReasonNotAHalfEnrichedEvent() {
    // two versions of a product, one with an updated_at that cannot be compared: merging the snapshots fails
    TableRow mug = new TableRow().set("product_id", "mug-01").set("price", 12.5)
        .set("updated_at", "2026-11-22T09:00:00Z");
    TableRow broken = mug.clone().set("updated_at", "yesterday");
    PCollectionView<List<Map<String, TableRow>>> catalog = pipeline
        .apply("Catalog", Create.<Map<String, TableRow>>of(Map.of("mug-01", mug), Map.of("mug-01", broken))
            .withCoder(EnrichEvents.CatalogFn.SNAPSHOT_CODER))
        .apply(View.asList());
    Event view = new Event("e-7", EventType.VIEW, "u-1", null, T, List.of(new ProductLine("mug-01", 1, null)),
        null, null, Map.of("page", "/p/mug-01"));

    PCollectionTuple out = pipeline.apply("Events", Create.of(view).withCoder(EventCoder.of()))
        .apply(EnrichEvents.with(catalog));

    PAssert.that(out.get(EnrichEvents.ENRICHED)).empty();
    PAssert.that(out.get(EnrichEvents.DEAD_LETTERS)).satisfies(deadLetters -> {
      DeadLetter d = deadLetters.iterator().next();
      assertThat(deadLetters).hasSize(1);
      assertThat(d.eventId()).isEqualTo("e-7");
      assertThat(d.step()).isEqualTo(EnrichEvents.STEP_ENRICH);
      assertThat(d.error()).startsWith("enrichment failed: ").contains("yesterday");
      assertThat(d.attributes()).isEqualTo(Map.of("page", "/p/mug-01"));
      assertThat(d.payload()).isEqualTo(EventCodec.encode(view)); // the event whole, as the contract's JSON
      return null;
    });
    PipelineResult result = pipeline.run();
    result.waitUntilFinish();
    assertThat(counter(result, EnrichEvents.class, "dead_lettered")).isEqualTo(1);
    assertThat(counter(result, EnrichEvents.class, "out")).isEqualTo(0);
  }

  /**
   * The catalog is a slowly updating side input: a new version of a product reaches the events that come after the
   * next refresh. One TestStream carries both kinds of element (the DirectRunner runs one TestStream per pipeline):
   * catalog rows, and events as rows with an {@code event_id}.
   */
  @Test
  public void aCatalogUpdateReachesTheEventsAfterTheNextRefresh() {
    org.joda.time.Duration refresh = org.joda.time.Duration.standardMinutes(1);
    TableRow mug10 = new TableRow().set("product_id", "mug-01").set("price", 10.0)
        .set("updated_at", "2026-11-22T09:00:00Z");
    TableRow mug20 = mug10.clone().set("price", 20.0).set("updated_at", "2026-11-22T09:30:00Z");
    TableRow first = new TableRow().set("event_id", "e-1");
    TableRow second = new TableRow().set("event_id", "e-2");
    org.joda.time.Instant t = org.joda.time.Instant.parse("2026-11-22T10:00:00Z");
    PCollection<TableRow> both = pipeline.apply(TestStream.create(TableRowJsonCoder.of())
        .addElements(TimestampedValue.of(mug10, t))
        .advanceProcessingTime(refresh.plus(org.joda.time.Duration.standardSeconds(1)))
        .addElements(TimestampedValue.of(first, t))
        .advanceProcessingTime(org.joda.time.Duration.standardSeconds(5))
        .addElements(TimestampedValue.of(mug20, t)) // the price changes
        .advanceProcessingTime(refresh.plus(org.joda.time.Duration.standardSeconds(1))) // the view refreshes
        .addElements(TimestampedValue.of(second, t))
        .advanceWatermarkToInfinity());
    PCollection<TableRow> products = both.apply("Products", Filter.by(r -> !r.containsKey("event_id")));
    PCollection<Event> events = both.apply("Events", Filter.by((TableRow r) -> r.containsKey("event_id")))
        .apply("ToEvents", MapElements.into(TypeDescriptor.of(Event.class)).via((TableRow r) -> new Event(
            (String) r.get("event_id"), EventType.PURCHASE, "u-1", null, T,
            List.of(new ProductLine("mug-01", 1, null)), "EUR", null, Map.of())))
        .setCoder(EventCoder.of());

    PCollection<String> prices = events
        .apply(EnrichEvents.with(EnrichEvents.catalogView(products, refresh))).get(EnrichEvents.ENRICHED)
        .apply("Prices", MapElements.into(TypeDescriptors.strings())
            .via((Event e) -> e.eventId() + " " + e.products().get(0).price()));

    PAssert.that(prices).containsInAnyOrder("e-1 10.0", "e-2 20.0");
    pipeline.run().waitUntilFinish();
  }

  @Test
  public void theLaterVersionOfAProductWins() {
    TableRow old = new TableRow().set("product_id", "p").set("price", 1.0).set("updated_at", "2026-11-22T09:00:00Z");
    TableRow young = new TableRow().set("product_id", "p").set("price", 2.0)
        .set("updated_at", "2026-11-22T09:00:00.5Z");
    assertThat(EnrichEvents.later(old, young)).isSameAs(young);
    assertThat(EnrichEvents.later(young, old)).isSameAs(young);
  }
}
