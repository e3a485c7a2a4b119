package dev.shopstream.pipeline.sink;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.api.services.bigquery.model.TableFieldSchema;
import com.google.api.services.bigquery.model.TableRow;
import dev.shopstream.contract.Json;
import dev.shopstream.contract.Rows;
import dev.shopstream.contract.TableSchema;
import dev.shopstream.contract.TableSchemas;
import dev.shopstream.pipeline.testing.TestEvents;
import java.util.List;
import org.junit.jupiter.api.Test;

public class BigQueryTablesTest {
  @Test
  public void schemasAreTheContractsBigQueryJsonSoPipelineAndTerraformCreateTheSameTables() {
    for (TableSchema table : TableSchemas.all()) {
      JsonNode fields = Json.MAPPER.valueToTree(BigQueryTables.schema(table).getFields());
      assertThat(fields).as(table.name()).isEqualTo(TableSchemas.toBigQueryJson(table));
    }
  }

  @Test
  public void columnsKeepTypeModeDescriptionAndNestedFields() {
    List<TableFieldSchema> fields = BigQueryTables.schema(TableSchemas.events()).getFields();
    assertThat(fields).extracting(TableFieldSchema::getName)
        .containsExactlyElementsOf(TableSchemas.events().columns().stream().map(TableSchema.Column::name).toList());
    TableFieldSchema eventTime = field(fields, "event_time");
    assertThat(List.of(eventTime.getType(), eventTime.getMode())).containsExactly("TIMESTAMP", "REQUIRED");
    assertThat(eventTime.getDescription()).startsWith("When the event happened");
    TableFieldSchema products = field(fields, "products");
    assertThat(List.of(products.getType(), products.getMode())).containsExactly("RECORD", "REPEATED");
    assertThat(products.getFields()).extracting(f -> f.getName() + " " + f.getType() + " " + f.getMode())
        .containsExactly("product_id STRING REQUIRED", "quantity INT64 NULLABLE", "price FLOAT64 NULLABLE");
    assertThat(field(fields, "attributes").getType()).isEqualTo("JSON");
  }

  @Test
  public void partitioningAndClusteringComeFromTheContract() {
    assertThat(BigQueryTables.partitioning(TableSchemas.events()).getField()).isEqualTo("event_time");
    assertThat(BigQueryTables.partitioning(TableSchemas.events()).getType()).isEqualTo("DAY");
    assertThat(BigQueryTables.clustering(TableSchemas.events()).getFields()).containsExactly("event_type", "user_id");
    assertThat(BigQueryTables.partitioning(TableSchemas.deadLetter()).getField()).isEqualTo("failed_at");
    assertThat(BigQueryTables.clustering(TableSchemas.deadLetter()).getFields()).containsExactly("step");
  }

  @Test
  public void tableRowsNestRecordsAsTableRows() {
    TableRow row = BigQueryTables.tableRow(Rows.event(TestEvents.view("e-1", "u-1"), TestEvents.NOW));
    assertThat(row.get("event_time")).isEqualTo("2026-11-22T10:15:30.123Z");
    assertThat(row.get("ingest_time")).isEqualTo("2026-11-22T12:00:00Z");
    assertThat((List<?>) row.get("products")).hasSize(2).allSatisfy(p -> assertThat(p).isInstanceOf(TableRow.class));
    assertThat(((TableRow) ((List<?>) row.get("products")).get(0)).get("quantity")).isEqualTo(2L);
    assertThat(row.get("attributes")).isEqualTo("{\"device\":\"mobile\",\"page\":\"/p/sku-1\"}");
  }

  private static TableFieldSchema field(List<TableFieldSchema> fields, String name) {
    return fields.stream().filter(f -> f.getName().equals(name)).findFirst().orElseThrow();
  }
}
