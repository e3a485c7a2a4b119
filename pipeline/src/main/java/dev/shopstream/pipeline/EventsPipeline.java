package dev.shopstream.pipeline;

import dev.shopstream.contract.DeadLetter;
import dev.shopstream.contract.Event;
import dev.shopstream.contract.MessageEnvelope;
import dev.shopstream.contract.TableSchemas;
import dev.shopstream.contract.logging.CloudLogging;
import dev.shopstream.pipeline.metrics.WatermarkProbe;
import dev.shopstream.pipeline.transforms.DedupeEvents;
import dev.shopstream.pipeline.transforms.EnrichEvents;
import dev.shopstream.pipeline.recommender.FactorTrainer;
import dev.shopstream.pipeline.recommender.ItemToItemModel;
import dev.shopstream.pipeline.transforms.ParseEvents;
import dev.shopstream.pipeline.transforms.ParseProducts;
import dev.shopstream.pipeline.transforms.PublishDeadLetters;
import dev.shopstream.pipeline.transforms.ReadFileRows;
import dev.shopstream.pipeline.transforms.SessionizeEvents;
import dev.shopstream.pipeline.transforms.TrendingProducts;
import dev.shopstream.pipeline.sink.BigQuerySink;
import dev.shopstream.pipeline.sink.WarehouseSink;
import dev.shopstream.pipeline.sink.WarehouseSinkProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.time.format.DateTimeParseException;
import java.util.logging.Logger;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.io.gcp.pubsub.PubsubIO;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricsFilter;
import org.apache.beam.sdk.io.gcp.pubsub.PubsubMessage;
import org.apache.beam.sdk.io.gcp.pubsub.PubsubMessageWithAttributesCoder;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;

/**
 * The streaming pipeline: Pub/Sub messages (contract v1 events as JSON) → {@link ParseEvents} →
 * {@link DedupeEvents} (exactly once per event_id for {@code --dedupeTtl}) → the warehouse's {@code events} table,
 * {@link SessionizeEvents} → {@code sessions}, {@link TrendingProducts} → {@code product_trends} and
 * {@link ItemToItemModel} → {@code item_neighbors} and {@code user_activity}, {@link FactorTrainer} →
 * {@code item_factors} (unless {@code --factorModel=false}); everything that
 * fails on the way → its {@code dead_letter} table (and {@code --deadLetterTopic} when set).
 *
 * <p>Run on Dataflow with {@code --runner=DataflowRunner --project=P --region=R
 * --inputSubscription=projects/P/subscriptions/S --bigQueryDataset=P:shopstream}; locally with
 * {@code --runner=DirectRunner --streaming=true --blockOnRun=false --pubsubRootUrl=http://127.0.0.1:8085
 * --inputSubscription=... --warehouse=DUCKDB --duckdbPath=...} (the DuckDB sink: module {@code pipeline-duckdb} on
 * the class path); on Flink with {@code --runner=FlinkRunner} (module
 * {@code pipeline-flink}). A backfill reads files instead ({@code --inputFiles=<glob>}, {@code --catalogFiles}):
 * the same graph after the source ({@link ReadFileRows} yields the messages a stream of the same upload carries), a
 * bounded run that {@code main} waits for, logging what it read, wrote and dead-lettered.
 */
public final class EventsPipeline {
  /** Message attribute with the event id: Pub/Sub redeliveries with the same id are dropped on read. */
  public static final String EVENT_ID_ATTRIBUTE = MessageEnvelope.EVENT_ID;
  /** Message attribute with the event time (RFC 3339 or epoch millis): the element timestamp. */
  public static final String EVENT_TIME_ATTRIBUTE = MessageEnvelope.EVENT_TIME;

  private static final Logger LOG = Logger.getLogger(EventsPipeline.class.getName());

  private EventsPipeline() {}

  public static void main(String[] args) {
    CloudLogging.install();
    EventsPipelineOptions options = parseOptions(args);
    PipelineResult result = run(options);
    if (isBounded(options) && !options.getRunner().getSimpleName().equals("DataflowRunner")) {
      PipelineResult.State state = result.waitUntilFinish();
      LOG.info(() -> "Backfill " + state + ": " + counters(result));
      if (state != PipelineResult.State.DONE) {
        System.exit(1);
      }
    }
  }

  /**
   * The pipeline's counters ({@code <step class>.<name>}: e.g. {@code ReadFileRows.rows},
   * {@code ParseEvents.dead_lettered}, {@code DedupeEvents.out}), attempted values, summed over steps.
   */
  static Map<String, Long> counters(PipelineResult result) {
    Map<String, Long> counters = new TreeMap<>();
    for (MetricResult<Long> c : result.metrics().queryMetrics(MetricsFilter.builder().build()).getCounters()) {
      String namespace = c.getName().getNamespace();
      String name = namespace.substring(namespace.lastIndexOf('.') + 1) + "." + c.getName().getName();
      counters.merge(name, c.getAttempted(), Long::sum);
    }
    return counters;
  }

  /** Whether the run reads only files ({@code --inputFiles}, {@code --catalogFiles}): it ends by itself. */
  static boolean isBounded(EventsPipelineOptions options) {
    return (isSet(options.getInputFiles()) || isSet(options.getCatalogFiles()))
        && !isSet(options.getInputSubscription()) && !isSet(options.getInputTopic())
        && !isSet(options.getCatalogSubscription()) && !isSet(options.getCatalogTopic());
  }

  /** Command-line arguments to validated options; {@code --help} lists them. */
  public static EventsPipelineOptions parseOptions(String... args) {
    PipelineOptionsFactory.register(EventsPipelineOptions.class);
    return PipelineOptionsFactory.fromArgs(args).withValidation().as(EventsPipelineOptions.class);
  }

  /**
   * Builds the pipeline from {@code options} and starts it. Returns once it runs (Dataflow, or the DirectRunner with
   * {@code --blockOnRun=false}); cancel the result to stop it.
   *
   * @throws IllegalArgumentException when the options are incomplete or contradictory, before anything runs
   */
  public static PipelineResult run(EventsPipelineOptions options) {
    PTransform<PBegin, PCollection<PubsubMessage>> source = eventsInput(options);
    WarehouseSink sink = warehouseSink(options);
    PTransform<PBegin, PCollection<PubsubMessage>> catalog = catalogInput(options);
    Pipeline pipeline = Pipeline.create(options);
    build(pipeline, source, catalog, sink);
    LOG.info(() -> "Starting the events pipeline on " + options.getRunner().getSimpleName() + ": "
        + describeInput(options) + " -> " + options.getWarehouse());
    return pipeline.run();
  }

  /**
   * Adds the graph to {@code pipeline}: source → {@link ParseEvents} → {@link DedupeEvents} → the sink's
   * {@code events}; sessions, product trends and the item-to-item model → the sink's tables; the dead letters of
   * every step (parse, validate, catalog, enrich, and the rows a table rejected: step {@code write}) → the sink's
   * {@code dead_letter} and {@code --deadLetterTopic} when set. Windowing and dedupe parameters come from the
   * pipeline's {@link EventsPipelineOptions} (defaults when unset). Returns the unique events
   * ({@link ParseEvents#EVENTS}) and all the dead letters ({@link ParseEvents#DEAD_LETTERS}).
   *
   * @throws IllegalArgumentException when a duration option is not an ISO-8601 duration
   */
  public static PCollectionTuple build(Pipeline pipeline, PTransform<PBegin, PCollection<PubsubMessage>> source,
      WarehouseSink sink) {
    return build(pipeline, source, null, sink);
  }

  /**
   * The same, with the catalog: {@code catalog} messages → {@link ParseProducts} → the {@code products} table (bad
   * ones → dead letters of step {@code catalog}) and a slowly-updating side input ({@code --catalogRefresh}) that
   * {@link EnrichEvents} joins to the events feeding sessions and product trends. No catalog when null.
   */
  public static PCollectionTuple build(Pipeline pipeline, PTransform<PBegin, PCollection<PubsubMessage>> source,
      @Nullable PTransform<PBegin, PCollection<PubsubMessage>> catalog, WarehouseSink sink) {
    EventsPipelineOptions options = pipeline.getOptions().as(EventsPipelineOptions.class);
    Duration dedupeTtl = duration("--dedupeTtl", options.getDedupeTtl());
    Duration sessionGap = duration("--sessionGap", options.getSessionGap());
    Duration trendWindow = duration("--trendWindow", options.getTrendWindow());
    Duration trendPeriod = duration("--trendPeriod", options.getTrendPeriod());
    Duration allowedLateness = duration("--allowedLateness", options.getAllowedLateness());
    Duration earlyFiring = duration("--earlyFiringDelay", options.getEarlyFiringDelay());
    Duration lateFiring = duration("--lateFiringDelay", options.getLateFiringDelay());

    PCollectionTuple parsed = pipeline
        .apply("ReadMessages", source)
        .apply("ParseEvents", ParseEvents.create().withIdAttribute(EVENT_ID_ATTRIBUTE));
    PCollectionTuple deduped = parsed.get(ParseEvents.EVENTS).apply("DedupeEvents",
        DedupeEvents.within(dedupeTtl).withShards(options.getDedupeShards()));
    PCollection<Event> events = deduped.get(DedupeEvents.EVENTS);
    // every failure of every step, written once to dead_letter (and published) at the end
    List<PCollection<DeadLetter>> deadLetters = new ArrayList<>();
    deadLetters.add(parsed.get(ParseEvents.DEAD_LETTERS));
    deadLetters.add(deduped.get(DedupeEvents.CONFLICTS));
    deadLetters.add(events.apply("WriteEvents", sink.events()));
    PCollection<Event> derivedFrom = events;
    if (catalog != null) {
      Duration refresh = duration("--catalogRefresh", options.getCatalogRefresh());
      PCollectionTuple products = pipeline
          .apply("ReadCatalog", catalog)
          .apply("ParseProducts", ParseProducts.create());
      deadLetters.add(products.get(ParseProducts.DEAD_LETTERS));
      deadLetters.add(products.get(ParseProducts.PRODUCTS)
          .apply("WriteProducts", sink.table(TableSchemas.products())));
      PCollectionTuple enriched = events.apply("EnrichEvents",
          EnrichEvents.with(EnrichEvents.catalogView(products.get(ParseProducts.PRODUCTS), refresh)));
      deadLetters.add(enriched.get(EnrichEvents.DEAD_LETTERS));
      derivedFrom = enriched.get(EnrichEvents.ENRICHED);
    }
    events.apply("WatermarkProbe", WatermarkProbe.create());

    deadLetters.add(derivedFrom
        .apply("SessionizeEvents", new SessionizeEvents(sessionGap, earlyFiring, lateFiring, allowedLateness))
        .apply("WriteSessions", sink.table(TableSchemas.sessions())));
    deadLetters.add(derivedFrom
        .apply("TrendingProducts",
            new TrendingProducts(trendWindow, trendPeriod, earlyFiring, lateFiring, allowedLateness))
        .apply("WriteProductTrends", sink.table(TableSchemas.productTrends())));
    // A bounded run (a backfill) has no processing time to wait for: the model emits its final lists at the end.
    ItemToItemModel itemToItem = ItemToItemModel.create()
        .withUserStateTtl(javaDuration(duration("--userStateTtl", options.getUserStateTtl())));
    itemToItem = events.isBounded() == PCollection.IsBounded.BOUNDED ? itemToItem.withEmitAtEndOfInput()
        : itemToItem.withEmitEvery(javaDuration(duration("--modelEmitEvery", options.getModelEmitEvery())));
    PCollectionTuple model = events.apply("ItemToItemModel",
        itemToItem.withFactorExamples(options.getFactorModel()));
    deadLetters.add(model.get(ItemToItemModel.NEIGHBORS)
        .apply("WriteItemNeighbors", sink.table(TableSchemas.itemNeighbors())));
    deadLetters.add(model.get(ItemToItemModel.USER_ACTIVITY)
        .apply("WriteUserActivity", sink.table(TableSchemas.userActivity())));
    if (options.getFactorModel()) {
      // the learned factors: one learner over the interactions the item-to-item model observes, in its order
      FactorTrainer factors = events.isBounded() == PCollection.IsBounded.BOUNDED
          ? FactorTrainer.create().withEmitAtEndOfInput()
          : FactorTrainer.create().withEmitEvery(javaDuration(duration("--factorEmitEvery",
              options.getFactorEmitEvery())));
      deadLetters.add(model.get(ItemToItemModel.FACTOR_EXAMPLES)
          .apply("FactorTrainer", factors)
          .apply("WriteItemFactors", sink.table(TableSchemas.itemFactors())));
    }

    PCollection<DeadLetter> allDeadLetters = PCollectionList.of(deadLetters)
        .apply("AllDeadLetters", Flatten.pCollections());
    allDeadLetters.apply("WriteDeadLetters", sink.deadLetters());
    if (isSet(options.getDeadLetterTopic())) {
      allDeadLetters.apply("PublishDeadLetters", PublishDeadLetters.to(options.getDeadLetterTopic()));
    }
    return PCollectionTuple.of(ParseEvents.EVENTS, events).and(ParseEvents.DEAD_LETTERS, allDeadLetters);
  }

  private static java.time.Duration javaDuration(Duration d) {
    return java.time.Duration.ofMillis(d.getMillis());
  }

  private static java.time.Duration progressEvery(EventsPipelineOptions options) {
    return javaDuration(duration("--progressEvery", options.getProgressEvery()));
  }

  /** An ISO-8601 duration option (e.g. {@code PT30M}) as a Joda duration. */
  static Duration duration(String option, String value) {
    try {
      java.time.Duration d = java.time.Duration.parse(required(value, option + " is required"));
      if (d.isNegative()) {
        throw new IllegalArgumentException(option + " must not be negative, was " + value);
      }
      return Duration.millis(d.toMillis());
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(option + " must be an ISO-8601 duration such as PT30M or PT24H, was '"
          + value + "'", e);
    }
  }

  /**
   * The events source the options select: the files of {@code --inputFiles} ({@link ReadFileRows}, a backfill), or
   * the Pub/Sub read of {@link #readMessages}; no events at all when only {@code --catalogFiles} is set.
   *
   * @throws IllegalArgumentException when the options name no source, more than one, or an incomplete source object
   */
  public static PTransform<PBegin, PCollection<PubsubMessage>> eventsInput(EventsPipelineOptions options) {
    ReadFileRows.SourceObject object = sourceObject(options);
    if (!isSet(options.getInputFiles())) {
      if (object != null) {
        throw new IllegalArgumentException("--sourceBucket/--sourceObject/--sourceGeneration apply to --inputFiles, "
            + "which is not set");
      }
      if (!isSet(options.getInputSubscription()) && !isSet(options.getInputTopic())
          && isSet(options.getCatalogFiles())) {
        return Create.empty(PubsubMessageWithAttributesCoder.of());
      }
      return readMessages(options);
    }
    if (isSet(options.getInputSubscription()) || isSet(options.getInputTopic())) {
      throw new IllegalArgumentException("Set exactly one of --inputSubscription, --inputTopic and --inputFiles; "
          + "--inputFiles and a Pub/Sub input are set");
    }
    return ReadFileRows.events(options.getInputFiles()).withSourceObject(object)
        .withMaxRowBytes(options.getMaxRowBytes()).withProgressEvery(progressEvery(options));
  }

  /**
   * The catalog source the options select: the files of {@code --catalogFiles}, the Pub/Sub read of
   * {@link #readCatalog}, or null for none.
   *
   * @throws IllegalArgumentException when more than one is set, or a backfill would read an endless catalog
   */
  public static @Nullable PTransform<PBegin, PCollection<PubsubMessage>> catalogInput(
      EventsPipelineOptions options) {
    boolean pubsub = isSet(options.getCatalogSubscription()) || isSet(options.getCatalogTopic());
    if (isSet(options.getCatalogFiles())) {
      if (pubsub) {
        throw new IllegalArgumentException("Set at most one of --catalogSubscription, --catalogTopic and "
            + "--catalogFiles; --catalogFiles and a Pub/Sub catalog are set");
      }
      return ReadFileRows.catalog(options.getCatalogFiles()).withDefaultUpdatedAt(options.getDefaultUpdatedAt())
          .withMaxRowBytes(options.getMaxRowBytes()).withProgressEvery(progressEvery(options));
    }
    if (pubsub && isSet(options.getInputFiles())) {
      throw new IllegalArgumentException("--inputFiles is a bounded backfill and a Pub/Sub catalog never ends: "
          + "take the catalog from --catalogFiles");
    }
    return readCatalog(options);
  }

  private static ReadFileRows.@Nullable SourceObject sourceObject(EventsPipelineOptions options) {
    boolean bucket = isSet(options.getSourceBucket());
    boolean object = isSet(options.getSourceObject());
    boolean generation = options.getSourceGeneration() != null;
    if (!bucket && !object && !generation) {
      return null;
    }
    if (!bucket || !object || !generation) {
      throw new IllegalArgumentException("--sourceBucket, --sourceObject and --sourceGeneration go together "
          + "(the uploaded object the row ids derive from); set all three or none");
    }
    return new ReadFileRows.SourceObject(options.getSourceBucket(), options.getSourceObject(),
        options.getSourceGeneration());
  }

  /**
   * The Pub/Sub read of {@code --inputSubscription} or {@code --inputTopic} (exactly one), with the event id and
   * time taken from the message attributes {@value #EVENT_ID_ATTRIBUTE} and {@value #EVENT_TIME_ATTRIBUTE}.
   */
  public static PubsubIO.Read<PubsubMessage> readMessages(EventsPipelineOptions options) {
    boolean fromSubscription = isSet(options.getInputSubscription());
    if (fromSubscription == isSet(options.getInputTopic())) {
      throw new IllegalArgumentException("Set exactly one of --inputSubscription "
          + "(projects/<project>/subscriptions/<name>) and --inputTopic (projects/<project>/topics/<name>); "
          + (fromSubscription ? "both are set" : "neither is set"));
    }
    PubsubIO.Read<PubsubMessage> read = PubsubIO.readMessagesWithAttributesAndMessageId()
        .withIdAttribute(EVENT_ID_ATTRIBUTE)
        .withTimestampAttribute(EVENT_TIME_ATTRIBUTE);
    return fromSubscription
        ? read.fromSubscription(options.getInputSubscription())
        : read.fromTopic(options.getInputTopic());
  }

  /**
   * The Pub/Sub read of {@code --catalogSubscription} or {@code --catalogTopic}, or null when neither is set.
   *
   * @throws IllegalArgumentException when both are set
   */
  public static PubsubIO.@Nullable Read<PubsubMessage> readCatalog(EventsPipelineOptions options) {
    boolean fromSubscription = isSet(options.getCatalogSubscription());
    boolean fromTopic = isSet(options.getCatalogTopic());
    if (fromSubscription && fromTopic) {
      throw new IllegalArgumentException("Set at most one of --catalogSubscription and --catalogTopic; both are set");
    }
    if (!fromSubscription && !fromTopic) {
      return null;
    }
    PubsubIO.Read<PubsubMessage> read = PubsubIO.readMessagesWithAttributesAndMessageId();
    return fromSubscription
        ? read.fromSubscription(options.getCatalogSubscription())
        : read.fromTopic(options.getCatalogTopic());
  }

  /** The module holding the DuckDB sink (the local stack's; the Flex Template does not carry it). */
  public static final String DUCKDB_MODULE = "pipeline-duckdb";

  /**
   * The sink that {@code --warehouse} selects, with its required option checked. BigQuery's sink is this module's;
   * DuckDB's is module {@value #DUCKDB_MODULE}'s ({@link WarehouseSinkProvider}).
   *
   * @throws IllegalArgumentException when the warehouse's required option is missing
   * @throws IllegalStateException when the selected warehouse's module is not on the class path
   */
  public static WarehouseSink warehouseSink(EventsPipelineOptions options) {
    return switch (options.getWarehouse()) {
      case BIGQUERY -> BigQuerySink.to(required(options.getBigQueryDataset(),
          "--bigQueryDataset (project:dataset or project.dataset) is required when --warehouse=BIGQUERY"));
      case DUCKDB -> {
        required(options.getDuckdbPath(),
            "--duckdbPath (the DuckDB database file) is required when --warehouse=DUCKDB");
        yield WarehouseSinkProvider.sink(DUCKDB_MODULE, options);
      }
    };
  }

  private static String describeInput(EventsPipelineOptions options) {
    return isSet(options.getInputSubscription()) ? options.getInputSubscription()
        : isSet(options.getInputTopic()) ? options.getInputTopic()
        : isSet(options.getInputFiles()) ? "files " + options.getInputFiles()
        : "catalog files " + options.getCatalogFiles();
  }

  private static boolean isSet(String value) {
    return value != null && !value.isBlank();
  }

  private static String required(String value, String message) {
    if (!isSet(value)) {
      throw new IllegalArgumentException(message);
    }
    return value;
  }
}
