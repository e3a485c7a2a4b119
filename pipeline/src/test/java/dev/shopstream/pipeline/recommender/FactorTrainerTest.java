package dev.shopstream.pipeline.recommender;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.api.services.bigquery.model.TableRow;
import dev.shopstream.contract.Event;
import dev.shopstream.contract.EventType;
import dev.shopstream.contract.ItemFactorRow;
import dev.shopstream.contract.ProductLine;
import dev.shopstream.model.FactorConfig;
import dev.shopstream.model.FactorModel;
import dev.shopstream.model.Interaction;
import dev.shopstream.model.ModelConfig;
import dev.shopstream.model.UserHistory;
import dev.shopstream.pipeline.coders.EventCoder;
import java.io.Serializable;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.testing.CoderProperties;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.util.CoderUtils;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TimestampedValue;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The factor model trained in the stream is the model evaluation trains: the per-user stage emits exactly the
 * examples evaluation's training observes, the learner's state survives its coder bit for bit, and its rows are the
 * vectors of a {@link FactorModel} trained on the same examples in the same order, under one model version.
 */
@ExtendWith(TestPipelineExtension.class)
public class FactorTrainerTest implements Serializable {
  private transient TestPipeline pipeline;

  private static final Instant NOW = Instant.parse("2026-11-22T12:00:00Z");
  private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
  private static final Instant T0 = Instant.parse("2026-11-22T08:00:00Z");

  @BeforeEach
  public void pipeline(TestPipeline pipeline) {
    this.pipeline = pipeline;
  }

  /** Events of 30 users over 25 products (views, cart additions, purchases, searches, some repeats), in time order. */
  static List<Event> events(int n, long seed) {
    Random r = new Random(seed);
    List<Event> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String user = "u-" + r.nextInt(30);
      Instant time = T0.plusSeconds(10L * i);
      int kind = r.nextInt(10);
      if (kind == 0) {
        out.add(new Event("e" + i, EventType.SEARCH, user, null, time, List.of(), null, "tea", Map.of()));
        continue;
      }
      EventType type = kind < 6 ? EventType.VIEW : kind < 9 ? EventType.ADD_TO_CART : EventType.PURCHASE;
      List<ProductLine> lines = new ArrayList<>();
      for (int l = 0; l < (type == EventType.PURCHASE ? 2 : 1); l++) {
        lines.add(new ProductLine("p-" + r.nextInt(25), 1, null));
      }
      out.add(new Event("e" + i, type, user, null, time, lines, null, null, Map.of()));
    }
    return out;
  }

  /** What evaluation's factor training observes (Method, FactorTraining) for these events, in their order. */
  static List<FactorExample> evaluationExamples(List<Event> events, ModelConfig config) {
    Map<String, UserHistory> users = new HashMap<>();
    List<FactorExample> out = new ArrayList<>();
    for (Event e : events) {
      UserHistory h = users.computeIfAbsent(e.userId(), u -> new UserHistory());
      for (Interaction x : Interaction.of(e)) {
        if (config.weight(x.type()) > 0) {
          out.add(new FactorExample(h.recent(), x));
        }
        h.observe(x, config);
      }
    }
    return out;
  }

  static FactorModel trained(FactorConfig config, List<FactorExample> examples) {
    FactorModel model = new FactorModel(config);
    examples.forEach(e -> model.observe(e.history(), e.interaction()));
    return model;
  }

  @Test
  public void theUserStageEmitsTheExamplesEvaluationTrainsOnRepeatsIncludedSearchesNot() {
    ModelConfig config = ModelConfig.defaults();
    List<Event> events = events(120, 5);
    List<FactorExample> expected = evaluationExamples(events, config);
    assertThat(expected).hasSizeGreaterThan(100)
        .anyMatch(x -> x.history().stream().anyMatch(h -> h.productId().equals(x.interaction().productId())));
    TestStream.Builder<Event> stream = TestStream.create(EventCoder.of());
    for (Event e : events) { // one step per event: each user's events reach the user stage in time order
      stream = stream.addElements(TimestampedValue.of(e, new org.joda.time.Instant(e.eventTime().toEpochMilli())));
    }
    PCollectionTuple out = pipeline.apply(stream.advanceWatermarkToInfinity())
        .apply(ItemToItemModel.create().withClock(CLOCK).withFactorExamples(true));
    PAssert.that(out.get(ItemToItemModel.FACTOR_EXAMPLES)).containsInAnyOrder(expected);
    pipeline.run().waitUntilFinish();
  }

  @Test
  public void withoutFactorExamplesTheModelHasNoSuchOutput() {
    PCollectionTuple out = pipeline.apply(TestStream.create(EventCoder.of())
            .addElements(TimestampedValue.of(events(3, 1).get(0), new org.joda.time.Instant(0)))
            .advanceWatermarkToInfinity())
        .apply(ItemToItemModel.create().withClock(CLOCK));
    assertThat(out.has(ItemToItemModel.FACTOR_EXAMPLES)).isFalse();
    pipeline.run().waitUntilFinish();
  }

  @Test
  public void theExampleCoderIsExactAndTheStateCoderRestoresTheModelBitForBit() throws Exception {
    List<FactorExample> examples = evaluationExamples(events(1_200, 9), ModelConfig.defaults());
    for (FactorExample e : examples.subList(0, 50)) {
      CoderProperties.coderDecodeEncodeEqual(FactorExample.Coder.INSTANCE, e);
    }
    FactorConfig config = FactorConfig.defaults().withReservoirSize(200);
    FactorModel whole = trained(config, examples);

    FactorModel half = trained(config, examples.subList(0, 601));
    Coder<FactorTrainer.FactorState> coder = FactorTrainer.FactorStateCoder.INSTANCE;
    byte[] bytes = CoderUtils.encodeToByteArray(coder, new FactorTrainer.FactorState(half, "v1"));
    FactorTrainer.FactorState restored = CoderUtils.decodeFromByteArray(coder, bytes);
    assertThat(restored.version()).isEqualTo("v1");
    assertThat(CoderUtils.encodeToByteArray(coder, restored)).isEqualTo(bytes);
    FactorModel rest = restored.model();
    examples.subList(601, examples.size()).forEach(e -> rest.observe(e.history(), e.interaction()));

    assertThat(whole.replayed()).isPositive();
    assertThat(rest.ids()).isEqualTo(whole.ids());
    assertThat(rest.steps()).isEqualTo(whole.steps());
    assertThat(rest.replayed()).isEqualTo(whole.replayed());
    for (String id : whole.ids()) {
      assertThat(rest.vectors(id).context()).as(id).isEqualTo(whole.vectors(id).context());
      assertThat(rest.vectors(id).target()).as(id).isEqualTo(whole.vectors(id).target());
      assertThat(rest.vectors(id).bias()).as(id).isEqualTo(whole.vectors(id).bias());
    }
  }

  /**
   * Two batches of examples, a minute of processing time apart: the first emission holds the items the first batch
   * changed, with the vectors of a model trained on it; the second (at the end) those the second batch changed, with
   * the vectors of the model trained on both, in the same order. One model version throughout.
   */
  @Test
  @SuppressWarnings("unchecked")
  public void rowsAreTheVectorsOfTheModelTrainedInTheSameOrderWithOneVersionAcrossEmissions() {
    FactorConfig config = FactorConfig.defaults();
    List<FactorExample> examples = evaluationExamples(events(400, 3), ModelConfig.defaults());
    int split = examples.size() / 2;
    FactorModel model = trained(config, examples.subList(0, split));
    TreeMap<String, String> first = rows(model, model.takeChanged());
    long firstSteps = model.steps();
    examples.subList(split, examples.size()).forEach(e -> model.observe(e.history(), e.interaction()));
    TreeMap<String, String> second = rows(model, model.takeChanged());
    assertThat(model.steps()).isGreaterThan(firstSteps);
    assertThat(first).isNotEmpty();
    assertThat(second).isNotEmpty();

    TestStream<FactorExample> stream = TestStream.create(FactorExample.Coder.INSTANCE)
        .addElements(stamped(examples.get(0)), examples.subList(1, split).stream().map(FactorTrainerTest::stamped)
            .toArray(TimestampedValue[]::new))
        .advanceProcessingTime(org.joda.time.Duration.standardMinutes(2))
        .addElements(stamped(examples.get(split)), examples.subList(split + 1, examples.size()).stream()
            .map(FactorTrainerTest::stamped).toArray(TimestampedValue[]::new))
        .advanceWatermarkToInfinity();
    PCollection<TableRow> rows = pipeline.apply(stream)
        .apply(FactorTrainer.create().withConfig(config).withEmitEvery(java.time.Duration.ofMinutes(1))
            .withClock(CLOCK));
    String version = FactorTrainer.version(config, NOW);
    long secondSteps = model.steps();
    PAssert.that(rows).satisfies(all -> {
      Map<String, String> gotFirst = new TreeMap<>();
      Map<String, String> gotSecond = new TreeMap<>();
      Set<String> versions = new HashSet<>();
      for (TableRow r : all) {
        ItemFactorRow row = ItemFactorRow.fromRow(r);
        versions.add(row.modelVersion());
        Map<String, String> emission = row.modelSteps() == firstSteps ? gotFirst
            : row.modelSteps() == secondSteps ? gotSecond : null;
        assertThat(emission).as("a row of %s steps", row.modelSteps()).isNotNull();
        assertThat(row.dimensions()).isEqualTo(config.dimensions());
        assertThat(emission.put(row.productId(), vectors(row.context(), row.target(), row.bias())))
            .as("%s twice in one emission", row.productId()).isNull();
      }
      assertThat(versions).containsExactly(version);
      // bit for bit: Double.toString round-trips exactly
      assertThat(gotFirst).isEqualTo(first);
      assertThat(gotSecond).isEqualTo(second);
      return null;
    });
    pipeline.run().waitUntilFinish();
  }

  /** Each item's vectors as text (exact: {@link Double#toString} round-trips), by product. */
  private static TreeMap<String, String> rows(FactorModel model, List<String> ids) {
    TreeMap<String, String> out = new TreeMap<>();
    for (String id : ids) {
      FactorModel.Vectors v = model.vectors(id);
      out.put(id, vectors(v.context(), v.target(), v.bias()));
    }
    return out;
  }

  private static String vectors(double[] context, double[] target, double bias) {
    return java.util.Arrays.toString(context) + " " + java.util.Arrays.toString(target) + " " + bias;
  }

  private static TimestampedValue<FactorExample> stamped(FactorExample e) {
    return TimestampedValue.of(e, new org.joda.time.Instant(e.interaction().time().toEpochMilli()));
  }
}
