package dev.shopstream.contract;

import static dev.shopstream.contract.ColumnSource.required;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A row of the {@code products} table ({@code product-v1.schema.json}): the one place its columns are spelled. The
 * typed shape is {@link Product}; {@link #toRow} writes it in the shape of {@link Rows} (what every sink takes, and
 * what the pipeline's catalog side input holds), {@link #fromRow} reads it back from that shape, {@link #from} reads
 * it from a query's answer (what the serving stores read). Absent optional values are left out; {@code attributes}
 * is JSON text, left out when empty.
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
  /** The table's columns in its order. */
  public static final List<String> COLUMNS = List.of(PRODUCT_ID, TITLE, CATEGORY, PRICE, CURRENCY, AVAILABLE,
      ATTRIBUTES, UPDATED_AT);

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
    return new Product(String.valueOf(UserActivityRow.required(row, PRODUCT_ID)), text(row, TITLE),
        text(row, CATEGORY),
        price == null ? null : price instanceof Number n ? n.doubleValue() : Double.valueOf(price.toString()),
        text(row, CURRENCY),
        available == null ? null : available instanceof Boolean b ? b : Boolean.valueOf(available.toString()),
        attributes(attributes == null ? null : attributes.toString()),
        Instant.parse(String.valueOf(UserActivityRow.required(row, UPDATED_AT))));
  }

  /**
   * Reads a row of a query's answer. A query may leave out the optional columns it does not need (the serving
   * catalog reads no prices or attributes): those read as absent.
   */
  public static Product from(ColumnSource row) {
    Double price = row.has(PRICE) ? row.number(PRICE) : null;
    Boolean available = row.has(AVAILABLE) ? row.bool(AVAILABLE) : null;
    return new Product(required(PRODUCT_ID, row.text(PRODUCT_ID)), row.optionalText(TITLE),
        row.optionalText(CATEGORY), price, row.optionalText(CURRENCY), available,
        attributes(row.optionalText(ATTRIBUTES)), required(UPDATED_AT, row.instant(UPDATED_AT)));
  }

  private static Map<String, String> attributes(String json) {
    if (json == null) {
      return Map.of();
    }
    try {
      return Json.MAPPER.readValue(json, new TypeReference<Map<String, String>>() {}); // trusted JSON: a column we wrote
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(ATTRIBUTES + ": is not a JSON object of strings", e);
    }
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
