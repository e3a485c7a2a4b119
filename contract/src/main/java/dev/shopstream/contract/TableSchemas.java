package dev.shopstream.contract;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shopstream.contract.TableSchema.Column;
import dev.shopstream.contract.TableSchema.Mode;
import dev.shopstream.contract.TableSchema.Type;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Derives every warehouse table from the contract's schema files ({@code x-table} says the table's name, key,
 * partitioning, clustering and any columns the pipeline adds). Nothing about a table's shape is written twice.
 *
 * <p>Mapping: {@code string} → STRING, {@code string/date-time} → TIMESTAMP, {@code integer} → INT64,
 * {@code number} → FLOAT64, {@code boolean} → BOOL, an array of objects → REPEATED RECORD, an array of scalars →
 * REPEATED scalar, an object with only {@code additionalProperties} (a free map) → JSON, an object with
 * {@code properties} → RECORD. A field is REQUIRED when the schema requires it.
 */
public final class TableSchemas {
  /** Every schema file that defines a table, in the order the tables are created. */
  public static final List<String> SCHEMA_RESOURCES = List.of(
      EventCodec.SCHEMA_RESOURCE,
      "/contract/schemas/dead-letter-v1.schema.json",
      "/contract/schemas/product-v1.schema.json",
      "/contract/schemas/session-v1.schema.json",
      "/contract/schemas/product-trend-v1.schema.json",
      "/contract/schemas/item-neighbor-v1.schema.json",
      "/contract/schemas/item-factor-v1.schema.json",
      "/contract/schemas/user-activity-v1.schema.json");

  /** The tables' names (each schema's {@code x-table.name}; {@link #get} fails for a name no schema defines). */
  public static final String EVENTS = "events";
  public static final String DEAD_LETTER = "dead_letter";
  public static final String PRODUCTS = "products";
  public static final String SESSIONS = "sessions";
  public static final String PRODUCT_TRENDS = "product_trends";
  public static final String ITEM_NEIGHBORS = "item_neighbors";
  public static final String ITEM_FACTORS = "item_factors";
  public static final String USER_ACTIVITY = "user_activity";

  private static final List<TableSchema> ALL = SCHEMA_RESOURCES.stream()
      .map(r -> fromSchema(JsonSchema.fromResource(r).document())).toList();

  private TableSchemas() {}

  public static List<TableSchema> all() {
    return ALL;
  }

  public static TableSchema get(String table) {
    return ALL.stream().filter(t -> t.name().equals(table)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no table " + table + " in the contract"));
  }

  public static TableSchema events() {
    return get(EVENTS);
  }

  public static TableSchema deadLetter() {
    return get(DEAD_LETTER);
  }

  public static TableSchema products() {
    return get(PRODUCTS);
  }

  public static TableSchema sessions() {
    return get(SESSIONS);
  }

  public static TableSchema productTrends() {
    return get(PRODUCT_TRENDS);
  }

  public static TableSchema itemNeighbors() {
    return get(ITEM_NEIGHBORS);
  }

  public static TableSchema itemFactors() {
    return get(ITEM_FACTORS);
  }

  public static TableSchema userActivity() {
    return get(USER_ACTIVITY);
  }

  /** Builds the table of one schema document that carries {@code x-table}. */
  public static TableSchema fromSchema(JsonNode schema) {
    JsonNode table = schema.get("x-table");
    if (table == null) {
      throw new IllegalArgumentException("schema has no x-table: " + schema.path("$id").asText());
    }
    List<Column> columns = new ArrayList<>(columns(schema));
    for (JsonNode extra : table.path("extraColumns")) {
      columns.add(new Column(extra.get("name").textValue(), Type.valueOf(extra.get("type").textValue()),
          Mode.valueOf(extra.path("mode").asText("NULLABLE")), extra.path("description").asText(""), List.of()));
    }
    TableSchema result = new TableSchema(
        table.get("name").textValue(),
        table.path("description").asText(schema.path("description").asText("")),
        columns,
        strings(table.path("primaryKey")),
        table.path("partitionBy").isMissingNode() ? null : table.get("partitionBy").textValue(),
        strings(table.path("clusterBy")),
        table.path("upsert").asBoolean(false));
    check(result);
    return result;
  }

  private static List<Column> columns(JsonNode objectSchema) {
    Set<String> required = new HashSet<>(strings(objectSchema.path("required")));
    List<Column> columns = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = objectSchema.path("properties").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> p = it.next();
      columns.add(column(p.getKey(), p.getValue(), required.contains(p.getKey())));
    }
    return columns;
  }

  private static Column column(String name, JsonNode s, boolean required) {
    String description = s.path("description").asText("");
    Mode mode = required ? Mode.REQUIRED : Mode.NULLABLE;
    String type = s.path("type").asText();
    switch (type) {
      case "array" -> {
        JsonNode items = s.path("items");
        if ("object".equals(items.path("type").asText())) {
          return new Column(name, Type.RECORD, Mode.REPEATED, description, columns(items));
        }
        return new Column(name, scalar(items), Mode.REPEATED, description, List.of());
      }
      case "object" -> {
        if (s.has("properties")) {
          return new Column(name, Type.RECORD, mode, description, columns(s));
        }
        return new Column(name, Type.JSON, mode, description, List.of());
      }
      default -> {
        return new Column(name, scalar(s), mode, description, List.of());
      }
    }
  }

  private static Type scalar(JsonNode s) {
    return switch (s.path("type").asText()) {
      case "string" -> "date-time".equals(s.path("format").asText()) ? Type.TIMESTAMP : Type.STRING;
      case "integer" -> Type.INT64;
      case "number" -> Type.FLOAT64;
      case "boolean" -> Type.BOOL;
      default -> throw new IllegalArgumentException("no column type for schema " + s);
    };
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.textValue()));
    return out;
  }

  private static void check(TableSchema t) {
    if (t.upsert() && t.primaryKey().isEmpty()) {
      throw new IllegalArgumentException(t.name() + ": an upsert table needs a primary key");
    }
    List<String> referenced = new ArrayList<>(t.primaryKey());
    referenced.addAll(t.clusterBy());
    if (t.partitionBy() != null) {
      referenced.add(t.partitionBy());
      if (t.column(t.partitionBy()).type() != Type.TIMESTAMP) {
        throw new IllegalArgumentException(t.name() + ": partition column must be a TIMESTAMP");
      }
    }
    referenced.forEach(t::column); // throws for a column the table does not have
  }

  /** The table's columns in BigQuery's JSON schema format (what {@code bq mk} and terraform take). */
  public static ArrayNode toBigQueryJson(TableSchema t) {
    ArrayNode fields = Json.MAPPER.createArrayNode();
    t.columns().forEach(c -> fields.add(toBigQueryJson(c)));
    return fields;
  }

  private static ObjectNode toBigQueryJson(Column c) {
    ObjectNode f = Json.MAPPER.createObjectNode();
    f.put("name", c.name());
    f.put("type", c.type().name());
    f.put("mode", c.mode().name());
    if (!c.description().isEmpty()) {
      f.put("description", c.description());
    }
    if (!c.fields().isEmpty()) {
      ArrayNode nested = f.putArray("fields");
      c.fields().forEach(n -> nested.add(toBigQueryJson(n)));
    }
    return f;
  }
}
