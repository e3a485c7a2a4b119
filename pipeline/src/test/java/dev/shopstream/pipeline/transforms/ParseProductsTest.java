package dev.shopstream.pipeline.transforms;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.api.services.bigquery.model.TableRow;
import dev.shopstream.contract.DeadLetter;
import dev.shopstream.pipeline.testing.TestEvents;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.io.gcp.pubsub.PubsubMessageWithAttributesAndMessageIdCoder;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(TestPipelineExtension.class)
public class ParseProductsTest {
  private transient TestPipeline pipeline;

  @BeforeEach
  public void pipeline(TestPipeline pipeline) {
    this.pipeline = pipeline;
  }

  @Test
  public void validProductsBecomeRowsAndEverythingElseDeadLettersOfStepCatalog() {
    String mug = "{\"product_id\":\"mug-01\",\"title\":\"Mug\",\"category\":\"home/kitchen/mugs\",\"price\":12.5,"
        + "\"currency\":\"EUR\",\"available\":true,\"attributes\":{\"colour\":\"red\",\"brand\":\"acme\"},"
        + "\"updated_at\":\"2026-11-22T11:00:00+01:00\"}";
    String tea = "{\"product_id\":\"tea-02\",\"updated_at\":\"2026-11-22T10:00:00Z\"}";
    String badPrice = "{\"product_id\":\"pot-03\",\"price\":-1,\"updated_at\":\"2026-11-22T10:00:00Z\"}";
    String notJson = "{\"product_id\":";

    PCollectionTuple out = pipeline
        .apply(Create.of(TestEvents.message(mug, Map.of(), "m-1"), TestEvents.message(tea, Map.of(), "m-2"),
                TestEvents.message(badPrice, Map.of("source", "upload"), "m-3"),
                TestEvents.message(notJson, Map.of(), "m-4"))
            .withCoder(PubsubMessageWithAttributesAndMessageIdCoder.of()))
        .apply(ParseProducts.create().withClock(TestEvents.CLOCK));

    PAssert.that(out.get(ParseProducts.PRODUCTS).apply(MapElements.into(TypeDescriptors.strings())
            .via(TableRow::toString)))
        .containsInAnyOrder(
            new TableRow().set("product_id", "mug-01").set("title", "Mug").set("category", "home/kitchen/mugs")
                .set("price", 12.5).set("currency", "EUR").set("available", true)
                .set("attributes", "{\"brand\":\"acme\",\"colour\":\"red\"}")
                .set("updated_at", "2026-11-22T10:00:00Z").toString(),
            new TableRow().set("product_id", "tea-02").set("updated_at", "2026-11-22T10:00:00Z").toString());
    PAssert.that(out.get(ParseProducts.DEAD_LETTERS)).satisfies(deadLetters -> {
      assertThat(deadLetters).hasSize(2).allSatisfy(d -> {
        assertThat(d.step()).isEqualTo("catalog");
        assertThat(d.failedAt()).isEqualTo(TestEvents.NOW);
      });
      assertThat(deadLetters).extracting(DeadLetter::payload).containsExactlyInAnyOrder(badPrice, notJson);
      DeadLetter price = List.copyOf(toList(deadLetters)).stream().filter(d -> d.payload().equals(badPrice))
          .findFirst().orElseThrow();
      assertThat(price.eventId()).isEqualTo("pot-03");
      assertThat(price.error()).startsWith("price: ");
      assertThat(price.attributes()).containsEntry("source", "upload");
      return null;
    });
    pipeline.run().waitUntilFinish();
  }

  private static List<DeadLetter> toList(Iterable<DeadLetter> all) {
    List<DeadLetter> list = new java.util.ArrayList<>();
    all.forEach(list::add);
    return list;
  }
}
