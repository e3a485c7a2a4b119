package dev.shopstream.contract;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * A row of the {@code products} table ({@code product-v1.schema.json}): the one place its columns are spelled. The
 * typed shape is {@link Product}; {@link #toRow} writes it in the shape of {@link Rows} (what every sink takes, and
 * what the pipeline's catalog side input holds), {@link #fromRow} reads it back from that shape. Absent optional
 * values are left out; {@code attributes} is JSON text, left out when empty.
 */
public final class ProductRow {
  // the table's columns are the catalog's wire fields, spelled once, by ProductCodec
  public static final String PRODUCT_ID = ProductCodec.PRODUCT_ID;
  public static final String TITLE = ProductCodec.TITLE;
  public static final String CATEGORY = ProductCodec.CATEGORY;
  public static final String PRICE = ProductCodec.PRICE;
  public static final String CURRENCY = ProductCodec.CURRENCY;
  public static final String AVAILABLE = ProductCodec.AVAILABLE;
  public static final String ATTRIBUTES = ProductCodec.ATTRIBUTES;
  public static final String UPDATED_AT = ProductCodec.UPDATED_AT;

  private ProductRow() {}

  /** The {@code products} row of a product: its latest version. */
  public static Map<String, Object> toRow(Product p) {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put(PRODUCT_ID, p.productId());
    putIfPresent(row, TITLE, p.title());
    putIfPresent(row, CATEGORY, p.category());
    putIfPresent(row, PRICE, p.price());
    putIfPresent(row, CURRENCY, p.currency());
    putIfPresent(row, AVAILABLE, p.available());
    if (!p.attributes().isEmpty()) {
      try {
        row.put(ATTRIBUTES, Json.MAPPER.writeValueAsString(new TreeMap<>(p.attributes())));
      } catch (JsonProcessingException e) {
        throw new IllegalStateException(e);
      }
    }
    row.put(UPDATED_AT, p.updatedAt().toString());
    return row;
  }

  /** Reads a row of the shape {@link #toRow} writes; a missing required column is named in the error. */
  public static Product fromRow(Map<String, ?> row) {
    Object price = row.get(PRICE);
    Object available = row.get(AVAILABLE);
    Object attributes = row.get(ATTRIBUTES);
    Map<String, String> parsed = Map.of();
    if (attributes != null) {
      try {
        parsed = Json.MAPPER.readValue(attributes.toString(), new TypeReference<Map<String, String>>() {});
      } catch (JsonProcessingException e) {
        throw new IllegalArgumentException(ATTRIBUTES + ": is not a JSON object of strings", e);
      }
    }
    return new Product(String.valueOf(UserActivityRow.required(row, PRODUCT_ID)), text(row, TITLE),
        text(row, CATEGORY),
        price == null ? null : price instanceof Number n ? n.doubleValue() : Double.valueOf(price.toString()),
        text(row, CURRENCY),
        available == null ? null : available instanceof Boolean b ? b : Boolean.valueOf(available.toString()),
        parsed, Instant.parse(String.valueOf(UserActivityRow.required(row, UPDATED_AT))));
  }

  private static String text(Map<String, ?> row, String column) {
    Object value = row.get(column);
    return value == null ? null : value.toString();
  }

  private static void putIfPresent(Map<String, Object> row, String column, Object value) {
    if (value != null) {
      row.put(column, value);
    }
  }
}
