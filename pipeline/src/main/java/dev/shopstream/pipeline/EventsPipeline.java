package dev.shopstream.pipeline;

import dev.shopstream.contract.logging.CloudLogging;
import dev.shopstream.pipeline.transforms.ParseEvents;
import dev.shopstream.pipeline.warehouse.BigQuerySink;
import dev.shopstream.pipeline.warehouse.DuckDbSink;
import dev.shopstream.pipeline.warehouse.WarehouseSink;
import java.nio.file.Path;
import java.util.logging.Logger;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.io.gcp.pubsub.PubsubIO;
import org.apache.beam.sdk.io.gcp.pubsub.PubsubMessage;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;

/**
 * The streaming pipeline: Pub/Sub messages (contract v1 events as JSON) → {@link ParseEvents} → the warehouse's
 * {@code events} table, and everything that fails on the way → its {@code dead_letter} table.
 *
 * <p>Run on Dataflow with {@code --runner=DataflowRunner --project=P --region=R
 * --inputSubscription=projects/P/subscriptions/S --bigQueryDataset=P:shopstream}; locally with
 * {@code --runner=DirectRunner --streaming=true --blockOnRun=false --pubsubRootUrl=http://127.0.0.1:8085
 * --inputSubscription=... --warehouse=DUCKDB --duckdbPath=...}.
 */
public final class EventsPipeline {
  /** Message attribute with the event id: Pub/Sub redeliveries with the same id are dropped on read. */
  public static final String EVENT_ID_ATTRIBUTE = "event_id";
  /** Message attribute with the event time (RFC 3339 or epoch millis): the element timestamp. */
  public static final String EVENT_TIME_ATTRIBUTE = "event_time";

  private static final Logger LOG = Logger.getLogger(EventsPipeline.class.getName());

  private EventsPipeline() {}

  public static void main(String[] args) {
    CloudLogging.install();
    run(parseOptions(args));
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
    PTransform<PBegin, PCollection<PubsubMessage>> source = readMessages(options);
    WarehouseSink sink = warehouseSink(options);
    Pipeline pipeline = Pipeline.create(options);
    build(pipeline, source, sink);
    LOG.info(() -> "Starting the events pipeline on " + options.getRunner().getSimpleName() + ": "
        + describeInput(options) + " -> " + options.getWarehouse());
    return pipeline.run();
  }

  /** Adds the graph to {@code pipeline}: source → {@link ParseEvents} → sink. Returns what ParseEvents produced. */
  public static PCollectionTuple build(Pipeline pipeline, PTransform<PBegin, PCollection<PubsubMessage>> source,
      WarehouseSink sink) {
    PCollectionTuple parsed = pipeline
        .apply("ReadMessages", source)
        .apply("ParseEvents", ParseEvents.create().withIdAttribute(EVENT_ID_ATTRIBUTE));
    parsed.apply("WriteToWarehouse", sink);
    return parsed;
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

  /** The sink that {@code --warehouse} selects, with its required option checked. */
  public static WarehouseSink warehouseSink(EventsPipelineOptions options) {
    return switch (options.getWarehouse()) {
      case BIGQUERY -> BigQuerySink.to(required(options.getBigQueryDataset(),
          "--bigQueryDataset (project:dataset or project.dataset) is required when --warehouse=BIGQUERY"));
      case DUCKDB -> DuckDbSink.at(Path.of(required(options.getDuckdbPath(),
          "--duckdbPath (the DuckDB database file) is required when --warehouse=DUCKDB")));
    };
  }

  private static String describeInput(EventsPipelineOptions options) {
    return isSet(options.getInputSubscription()) ? options.getInputSubscription() : options.getInputTopic();
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
