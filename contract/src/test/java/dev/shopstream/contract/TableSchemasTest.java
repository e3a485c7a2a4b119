package dev.shopstream.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shopstream.contract.TableSchema.Column;
import dev.shopstream.contract.TableSchema.Mode;
import dev.shopstream.contract.TableSchema.Type;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TableSchemasTest {

  @Test
  void eventsTableIsDerivedFromTheEventSchema() {
    TableSchema events = TableSchemas.events();

    assertThat(events.columns()).extracting(Column::name).containsExactly(
        "event_id", "event_type", "user_id", "session_id", "event_time", "products", "currency", "query",
        "attributes", "ingest_time");
    assertThat(events.column("event_id")).isEqualTo(new Column("event_id", Type.STRING, Mode.REQUIRED,
        events.column("event_id").description(), List.of()));
    assertThat(events.column("event_time").type()).isEqualTo(Type.TIMESTAMP);
    assertThat(events.column("session_id").mode()).isEqualTo(Mode.NULLABLE);
    assertThat(events.column("attributes").type()).isEqualTo(Type.JSON);
    Column products = events.column("products");
    assertThat(products.type()).isEqualTo(Type.RECORD);
    assertThat(products.mode()).isEqualTo(Mode.REPEATED);
    assertThat(products.fields()).extracting(Column::name, Column::type, Column::mode).containsExactly(
        org.assertj.core.groups.Tuple.tuple("product_id", Type.STRING, Mode.REQUIRED),
        org.assertj.core.groups.Tuple.tuple("quantity", Type.INT64, Mode.NULLABLE),
        org.assertj.core.groups.Tuple.tuple("price", Type.FLOAT64, Mode.NULLABLE));
    assertThat(events.primaryKey()).containsExactly("event_id");
    assertThat(events.partitionBy()).isEqualTo("event_time");
    assertThat(events.clusterBy()).containsExactly("event_type", "user_id");
  }

  @Test
  void everyEventRowKeyIsAColumn() {
    Event e = new EventCodec(Clock.systemUTC()).decode("""
        {"event_id":"e","event_type":"purchase","user_id":"u","session_id":"s","event_time":"2026-01-01T00:00:00Z",
         "products":[{"product_id":"p","price":1.5}],"currency":"GBP","attributes":{"k":"v"}}""").event();

    Map<String, Object> row = Rows.event(e, Instant.parse("2026-01-01T00:00:01Z"));

    assertThat(row.keySet()).containsExactlyElementsOf(
        TableSchemas.events().columns().stream().map(Column::name).filter(n -> !n.equals("query")).toList());
    assertThat(row.get("attributes")).isEqualTo("{\"k\":\"v\"}");
    assertThat(row.get("products")).isEqualTo(List.of(Map.of("product_id", "p", "quantity", 1L, "price", 1.5)));
  }

  @Test
  void bigQueryJsonSchemaHasNestedFields() {
    var json = TableSchemas.toBigQueryJson(TableSchemas.events());
    assertThat(json.get(5).get("name").asText()).isEqualTo("products");
    assertThat(json.get(5).get("mode").asText()).isEqualTo("REPEATED");
    assertThat(json.get(5).get("fields").get(0).get("name").asText()).isEqualTo("product_id");
  }

  @Test
  void aTableMetadataNamingAMissingColumnIsRejected() throws Exception {
    var schema = Json.MAPPER.readTree("""
        {"type":"object","properties":{"a":{"type":"string"}},"x-table":{"name":"t","clusterBy":["b"]}}""");
    assertThatThrownBy(() -> TableSchemas.fromSchema(schema)).hasMessageContaining("no column b");
  }

  @Test
  void aSchemaKeywordTheValidatorDoesNotEnforceFailsAtLoad() throws Exception {
    var schema = Json.MAPPER.readTree("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\",\"uniqueItems\":true}}}");
    assertThatThrownBy(() -> JsonSchema.of(schema)).hasMessageContaining("uniqueItems");
  }

  @Test
  void contractDocsAreGeneratedFromTheSchema() throws Exception {
    Path docs = Path.of("..", "docs", "CONTRACT.md");
    assertThat(docs).as("docs/CONTRACT.md; regenerate with ContractDocs.main").exists();
    assertThat(Files.readString(docs)).as("docs/CONTRACT.md is stale: regenerate with ContractDocs.main")
        .isEqualTo(ContractDocs.render());
  }

  @Test
  void theTableNameConstantsAreTheSchemasTables() {
    assertThat(TableSchemas.all().stream().map(TableSchema::name).toList()).containsExactly(TableSchemas.EVENTS,
        TableSchemas.DEAD_LETTER, TableSchemas.PRODUCTS, TableSchemas.SESSIONS, TableSchemas.PRODUCT_TRENDS,
        TableSchemas.ITEM_NEIGHBORS, TableSchemas.ITEM_FACTORS, TableSchemas.USER_ACTIVITY);
  }

  @Test
  void theDeadLetterConstantsAreTheDeadLetterTablesColumns() {
    assertThat(List.of(DeadLetter.EVENT_ID, DeadLetter.PAYLOAD, DeadLetter.ATTRIBUTES, DeadLetter.ERROR,
        DeadLetter.STEP, DeadLetter.FAILED_AT)).isEqualTo(TableSchemas.deadLetter().columns().stream()
        .map(TableSchema.Column::name).toList());
  }
}
