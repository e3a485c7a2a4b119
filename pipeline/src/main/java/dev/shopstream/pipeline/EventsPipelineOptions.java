package dev.shopstream.pipeline;

import org.apache.beam.sdk.io.gcp.bigquery.BigQueryOptions;
import org.apache.beam.sdk.io.gcp.pubsub.PubsubOptions;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.StreamingOptions;

/**
 * Options of the events pipeline. Besides these, Beam's own apply: {@code --runner}, {@code --project},
 * {@code --region}, {@code --pubsubRootUrl} (a Pub/Sub emulator, e.g. {@code http://127.0.0.1:8085}), and for
 * BigQuery {@code --useStorageWriteApiAtLeastOnce}, {@code --storageWriteApiTriggeringFrequencySec},
 * {@code --numStorageWriteApiStreams} (see {@link dev.shopstream.pipeline.sink.BigQuerySink}).
 */
public interface EventsPipelineOptions extends StreamingOptions, PubsubOptions, BigQueryOptions {

  /** Where the pipeline writes its rows. */
  enum Warehouse {
    /** BigQuery, through the Storage Write API (production). */
    BIGQUERY,
    /** A DuckDB file on this machine (the local stack; the sink is module pipeline-duckdb's). */
    DUCKDB
  }

  @Description("Pub/Sub subscription to read events from, as projects/<project>/subscriptions/<name>. "
      + "Exactly one of --inputSubscription, --inputTopic and --inputFiles is required (none with --catalogFiles).")
  String getInputSubscription();

  void setInputSubscription(String value);

  @Description("Pub/Sub topic to read events from, as projects/<project>/topics/<name>, through a subscription the "
      + "runner creates (messages published while the pipeline is down are lost: prefer --inputSubscription). "
      + "Exactly one of --inputSubscription, --inputTopic and --inputFiles is required (none with --catalogFiles).")
  String getInputTopic();

  void setInputTopic(String value);

  @Description("Backfill: read events from files instead of Pub/Sub, a glob of local paths or gs:// objects "
      + "(e.g. gs://bucket/events/2026-11-*.jsonl.gz), JSON Lines or CSV with a header, optionally .gz, as the "
      + "upload function accepts them. A bounded run: the pipeline ends when the files are read. Rows without "
      + "event_id get the upload function's ids (see --sourceObject); unreadable rows are dead letters of step parse "
      + "with source_file and source_line attributes.")
  String getInputFiles();

  void setInputFiles(String value);

  @Description("Backfill: read catalog rows (product-v1, JSON Lines or CSV with a header, optionally .gz) from "
      + "files, a glob of local paths or gs:// objects, instead of --catalogSubscription/--catalogTopic.")
  String getCatalogFiles();

  void setCatalogFiles(String value);

  @Description("With --inputFiles naming one file: the Cloud Storage bucket of the uploaded object it is, so that "
      + "rows without event_id get the ids a stream of that upload gets (set by the upload function's launch; "
      + "requires --sourceObject and --sourceGeneration).")
  String getSourceBucket();

  void setSourceBucket(String value);

  @Description("With --sourceBucket: the uploaded object's name, e.g. events/2026/big.jsonl.gz.")
  String getSourceObject();

  void setSourceObject(String value);

  @Description("With --sourceBucket: the uploaded object's generation. Without these three, ids derive from the "
      + "file read (gs://bucket/object, or the local path) and its last-modified time in milliseconds.")
  Long getSourceGeneration();

  void setSourceGeneration(Long value);

  @Description("updated_at (RFC 3339) for --catalogFiles rows without one (the upload function passes the object's "
      + "creation time); default: each file's last-modified time.")
  String getDefaultUpdatedAt();

  void setDefaultUpdatedAt(String value);

  @Description("Longest row of --inputFiles/--catalogFiles in bytes; a longer row is dead-lettered with its first "
      + "bytes (the upload function's MAX_LINE_BYTES).")
  @Default.Integer(1048576)
  Integer getMaxRowBytes();

  void setMaxRowBytes(Integer value);

  @Description("While --inputFiles/--catalogFiles are read (a backfill), each file's counters are logged this often "
      + "as a JSON line (ISO-8601; PT0S: only when the file is done).")
  @Default.String("PT5S")
  String getProgressEvery();

  void setProgressEvery(String value);

  @Description("Warehouse to write events and dead letters to: BIGQUERY (needs --bigQueryDataset) or DUCKDB "
      + "(needs --duckdbPath).")
  @Default.Enum("BIGQUERY")
  Warehouse getWarehouse();

  void setWarehouse(Warehouse value);

  @Description("BigQuery dataset holding the events and dead_letter tables, as project:dataset or "
      + "project.dataset; required when --warehouse=BIGQUERY. The tables are created when missing.")
  String getBigQueryDataset();

  void setBigQueryDataset(String value);

  @Description("DuckDB database file, e.g. /tmp/shopstream/warehouse.duckdb; required when --warehouse=DUCKDB. "
      + "Created with its tables when missing.")
  String getDuckdbPath();

  void setDuckdbPath(String value);

  @Description("How long an event id is remembered to drop later duplicates (ISO-8601 duration of processing time "
      + "since the first copy, e.g. PT24H). A copy arriving later than that is treated as a new event.")
  @Default.String("PT24H")
  String getDedupeTtl();

  void setDedupeTtl(String value);

  @Description("Shards of the event id space in the dedupe step: its number of state keys, hence its parallelism "
      + "(raise it with the event rate on Dataflow; the local stack is fastest with few).")
  @Default.Integer(16)
  int getDedupeShards();

  void setDedupeShards(int value);

  @Description("Inactivity gap that ends a user's session (ISO-8601 duration, event time), for the sessions table.")
  @Default.String("PT30M")
  String getSessionGap();

  void setSessionGap(String value);

  @Description("Size of the sliding windows of the product_trends table (ISO-8601 duration, event time).")
  @Default.String("PT1H")
  String getTrendWindow();

  void setTrendWindow(String value);

  @Description("How often a new product_trends window starts (ISO-8601 duration; divides --trendWindow).")
  @Default.String("PT5M")
  String getTrendPeriod();

  void setTrendPeriod(String value);

  @Description("How long a closed session and a product_trends window are kept to take late data (event time "
      + "behind the watermark, ISO-8601 duration); later data is dropped from product_trends (counted only for a "
      + "product seen for the first time) and starts a session of its own in sessions (never dropped from events).")
  @Default.String("PT1H")
  String getAllowedLateness();

  void setAllowedLateness(String value);

  @Description("Processing time after the first element of a pane before an early sessions or product_trends pane "
      + "(a still-open window so far) is emitted (ISO-8601 duration).")
  @Default.String("PT1M")
  String getEarlyFiringDelay();

  void setEarlyFiringDelay(String value);

  @Description("Processing time after the first late element of a pane before sessions and product_trends are "
      + "re-emitted (ISO-8601 duration; PT0S: at every late element).")
  @Default.String("PT1M")
  String getLateFiringDelay();

  void setLateFiringDelay(String value);

  @Description("Inactivity (event time) after which the item-to-item model forgets a user's recent items "
      + "(ISO-8601 duration).")
  @Default.String("PT24H")
  String getUserStateTtl();

  void setUserStateTtl(String value);

  @Description("Minimum processing time between two updates of one product's neighbours in item_neighbors "
      + "(ISO-8601 duration; PT0S: at every change).")
  @Default.String("PT10S")
  String getModelEmitEvery();

  void setModelEmitEvery(String value);

  @Description("Whether the pipeline trains the learned factor model (online BPR with replay, the model offline "
      + "evaluation blends with weight phi) on every interaction the item-to-item model sees, in one stateful step, "
      + "and writes its item vectors to item_factors.")
  @Default.Boolean(true)
  boolean getFactorModel();

  void setFactorModel(boolean value);

  @Description("Minimum processing time between two writes of the factor model's changed items to item_factors "
      + "(ISO-8601 duration; PT0S: after every interaction).")
  @Default.String("PT60S")
  String getFactorEmitEvery();

  void setFactorEmitEvery(String value);

  @Description("Optional Pub/Sub topic (projects/<project>/topics/<name>) that every parse or validation dead letter "
      + "is also published to: the original payload as data, the original attributes plus error, step and "
      + "failed_at.")
  String getDeadLetterTopic();

  void setDeadLetterTopic(String value);

  @Description("Optional Pub/Sub subscription of the catalog (projects/<project>/subscriptions/<name>): one product "
      + "(product-v1 JSON) per message, written to the products table and joined to events. At most one of "
      + "--catalogSubscription and --catalogTopic.")
  String getCatalogSubscription();

  void setCatalogSubscription(String value);

  @Description("Optional Pub/Sub topic of the catalog (projects/<project>/topics/<name>), read through a subscription "
      + "the runner creates. At most one of --catalogSubscription and --catalogTopic.")
  String getCatalogTopic();

  void setCatalogTopic(String value);

  @Description("How often the catalog side input joined to events is refreshed (ISO-8601 duration of processing "
      + "time).")
  @Default.String("PT5M")
  String getCatalogRefresh();

  void setCatalogRefresh(String value);
}
