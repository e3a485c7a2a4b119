package dev.shopstream.contract;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Warehouse rows of the contract's tables, in the one shape every sink takes (BigQuery's JSON row shape):
 * TIMESTAMP as an RFC 3339 string, JSON as serialized text, RECORD as a map, REPEATED as a list, absent values
 * omitted. Keys are the column names of {@link TableSchemas}.
 */
public final class Rows {
  /** The id column of {@code events} and {@code dead_letter}. */
  public static final String EVENT_ID = "event_id";
  /** The version column of every upsert table: the latest row per key wins. */
  public static final String UPDATED_AT = "updated_at";

  private Rows() {}

  public static Map<String, Object> event(Event e, Instant ingestTime) {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("event_id", e.eventId());
    row.put("event_type", e.eventType().wireName());
    row.put("user_id", e.userId());
    putIfPresent(row, "session_id", e.sessionId());
    row.put("event_time", e.eventTime().toString());
    List<Map<String, Object>> products = new ArrayList<>();
    for (ProductLine p : e.products()) {
      Map<String, Object> line = new LinkedHashMap<>();
      line.put("product_id", p.productId());
      line.put("quantity", p.quantity());
      putIfPresent(line, "price", p.price());
      products.add(line);
    }
    row.put("products", products);
    putIfPresent(row, "currency", e.currency());
    putIfPresent(row, "query", e.query());
    if (!e.attributes().isEmpty()) {
      row.put("attributes", json(new TreeMap<>(e.attributes())));
    }
    row.put("ingest_time", ingestTime.toString());
    return row;
  }

  /** A {@code products} row: the product's latest version ({@link ProductRow#toRow}). */
  public static Map<String, Object> product(Product p) {
    return ProductRow.toRow(p);
  }

  public static Map<String, Object> deadLetter(DeadLetter d) {
    Map<String, Object> row = new LinkedHashMap<>();
    putIfPresent(row, DeadLetter.EVENT_ID, d.eventId());
    row.put(DeadLetter.PAYLOAD, d.payload());
    if (!d.attributes().isEmpty()) {
      row.put(DeadLetter.ATTRIBUTES, json(new TreeMap<>(d.attributes())));
    }
    row.put(DeadLetter.ERROR, d.error());
    row.put(DeadLetter.STEP, d.step());
    row.put(DeadLetter.FAILED_AT, d.failedAt().toString());
    return row;
  }

  private static void putIfPresent(Map<String, Object> row, String column, Object value) {
    if (value != null) {
      row.put(column, value);
    }
  }

  private static String json(Object value) {
    try {
      return Json.MAPPER.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
