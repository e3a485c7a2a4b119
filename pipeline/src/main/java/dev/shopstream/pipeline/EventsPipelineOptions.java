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
 * {@code --numStorageWriteApiStreams} (see {@link dev.shopstream.pipeline.warehouse.BigQuerySink}).
 */
public interface EventsPipelineOptions extends StreamingOptions, PubsubOptions, BigQueryOptions {

  /** Where the pipeline writes its rows. */
  enum Warehouse {
    /** BigQuery, through the Storage Write API (production). */
    BIGQUERY,
    /** A DuckDB file on this machine (the local stack). */
    DUCKDB
  }

  @Description("Pub/Sub subscription to read events from, as projects/<project>/subscriptions/<name>. "
      + "Exactly one of --inputSubscription and --inputTopic is required.")
  String getInputSubscription();

  void setInputSubscription(String value);

  @Description("Pub/Sub topic to read events from, as projects/<project>/topics/<name>, through a subscription the "
      + "runner creates (messages published while the pipeline is down are lost: prefer --inputSubscription). "
      + "Exactly one of --inputSubscription and --inputTopic is required.")
  String getInputTopic();

  void setInputTopic(String value);

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
}
