package dev.shopstream.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shopstream.contract.TableSchemas;
import dev.shopstream.pipeline.EventsPipelineOptions.Warehouse;
import dev.shopstream.pipeline.sink.BigQuerySink;
import org.apache.beam.runners.direct.DirectOptions;
import java.util.HashMap;
import java.util.Map;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.display.HasDisplayData;
import org.junit.jupiter.api.Test;

public class EventsPipelineOptionsTest {
  private static final String SUBSCRIPTION = "--inputSubscription=projects/local-project/subscriptions/events-pipeline";

  @Test
  public void parsesTheLocalStackArguments() {
    EventsPipelineOptions options = EventsPipeline.parseOptions("--runner=DirectRunner", "--streaming=true",
        "--blockOnRun=false", "--pubsubRootUrl=http://127.0.0.1:8085", SUBSCRIPTION, "--warehouse=DUCKDB",
        "--duckdbPath=/tmp/x/warehouse.duckdb");

    assertThat(options.isStreaming()).isTrue();
    assertThat(options.as(DirectOptions.class).isBlockOnRun()).isFalse();
    assertThat(options.getPubsubRootUrl()).isEqualTo("http://127.0.0.1:8085");
    assertThat(options.getWarehouse()).isEqualTo(Warehouse.DUCKDB);
    assertThat(displayed(EventsPipeline.readMessages(options)))
        .containsEntry("subscription", "projects/local-project/subscriptions/events-pipeline")
        .containsEntry("idAttribute", "event_id")
        .containsEntry("timestampAttribute", "event_time");
  }

  @Test
  public void theWarehouseIsBigQueryByDefault() {
    EventsPipelineOptions options = EventsPipeline.parseOptions(SUBSCRIPTION, "--bigQueryDataset=my-project:shop");

    assertThat(options.getWarehouse()).isEqualTo(Warehouse.BIGQUERY);
    assertThat(((BigQuerySink) EventsPipeline.warehouseSink(options)).tableReference(TableSchemas.events()).toString())
        .contains("projectId=my-project", "datasetId=shop", "tableId=events");
  }

  @Test
  public void exactlyOneInputIsRequired() {
    assertThatThrownBy(() -> EventsPipeline.readMessages(EventsPipeline.parseOptions()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Set exactly one of --inputSubscription")
        .hasMessageEndingWith("neither is set");
    assertThatThrownBy(() -> EventsPipeline.readMessages(
        EventsPipeline.parseOptions(SUBSCRIPTION, "--inputTopic=projects/local-project/topics/events")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageEndingWith("both are set");
    assertThat(displayed(EventsPipeline.readMessages(
        EventsPipeline.parseOptions("--inputTopic=projects/my-project/topics/events"))))
        .containsEntry("topic", "projects/my-project/topics/events");
  }

  @Test
  public void eachWarehouseRequiresItsLocation() {
    assertThatThrownBy(() -> EventsPipeline.warehouseSink(EventsPipeline.parseOptions("--warehouse=DUCKDB")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("--duckdbPath (the DuckDB database file) is required when --warehouse=DUCKDB");
    assertThatThrownBy(() -> EventsPipeline.warehouseSink(EventsPipeline.parseOptions()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("--bigQueryDataset (project:dataset or project.dataset) is required when --warehouse=BIGQUERY");
    assertThatThrownBy(() -> EventsPipeline.warehouseSink(EventsPipeline.parseOptions("--bigQueryDataset=shop")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must be project:dataset or project.dataset");
    assertThatThrownBy(() -> BigQuerySink.to("my-project:shop.events"))
        .as("a table, not a dataset").isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  public void windowingDedupeAndCatalogOptionsHaveDefaultsAndTheCatalogIsOptional() {
    EventsPipelineOptions options = EventsPipeline.parseOptions(SUBSCRIPTION);
    assertThat(options.getDedupeTtl()).isEqualTo("PT24H");
    assertThat(options.getSessionGap()).isEqualTo("PT30M");
    assertThat(options.getTrendWindow()).isEqualTo("PT1H");
    assertThat(options.getTrendPeriod()).isEqualTo("PT5M");
    assertThat(options.getAllowedLateness()).isEqualTo("PT1H");
    assertThat(options.getEarlyFiringDelay()).isEqualTo("PT1M");
    assertThat(options.getLateFiringDelay()).isEqualTo("PT1M");
    assertThat(options.getCatalogRefresh()).isEqualTo("PT5M");
    assertThat(options.getDeadLetterTopic()).isNull();
    assertThat(EventsPipeline.readCatalog(options)).isNull();
    assertThat(EventsPipeline.duration("--sessionGap", "PT30M"))
        .isEqualTo(org.joda.time.Duration.standardMinutes(30));

    options.setCatalogSubscription("projects/my-project/subscriptions/catalog");
    assertThat(displayed(EventsPipeline.readCatalog(options)))
        .containsEntry("subscription", "projects/my-project/subscriptions/catalog");
    options.setCatalogTopic("projects/my-project/topics/catalog");
    assertThatThrownBy(() -> EventsPipeline.readCatalog(options))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at most one of --catalogSubscription and --catalogTopic");
  }

  @Test
  public void durationsMustBeIso8601() {
    assertThatThrownBy(() -> EventsPipeline.duration("--sessionGap", "30 minutes"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--sessionGap must be an ISO-8601 duration");
    assertThatThrownBy(() -> EventsPipeline.duration("--dedupeTtl", "-PT1H"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must not be negative");
  }

  @Test
  public void runRefusesIncompleteOptionsBeforeStarting() {
    assertThatThrownBy(() -> EventsPipeline.run(EventsPipeline.parseOptions("--warehouse=DUCKDB",
        "--duckdbPath=/tmp/x.duckdb")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--inputSubscription");
  }

  @Test
  public void bigQueryDatasetsMayUseEitherSeparatorAndDomainScopedProjects() {
    assertThat(BigQuerySink.to("my-project.shop").tableReference(TableSchemas.deadLetter()).toString())
        .contains("projectId=my-project", "datasetId=shop", "tableId=dead_letter");
    assertThat(BigQuerySink.to("example.com:my-project:shop").tableReference(TableSchemas.events()).toString())
        .contains("projectId=example.com:my-project", "datasetId=shop");
  }

  /** A transform's display data (what the Dataflow UI shows), key to value. */
  private static Map<String, Object> displayed(HasDisplayData transform) {
    Map<String, Object> items = new HashMap<>();
    DisplayData.from(transform).items().forEach(i -> items.put(i.getKey(), i.getValue()));
    return items;
  }
}
