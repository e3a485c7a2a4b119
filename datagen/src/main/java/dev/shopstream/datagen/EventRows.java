package dev.shopstream.datagen;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shopstream.contract.EventCodec;
import dev.shopstream.contract.rows.RowParser;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Events as upload rows (JSON lines or CSV, one product per CSV row), and the malformed variants {@code --bad-rate}
 * injects to demo dead letters and error reports.
 *
 * <p>Bad rows, one kind chosen at random per bad row: {@code not_json} (the JSON line cut in half; in CSV a row
 * with too few columns), {@code unknown_event_type} ({@code teleport}), {@code missing_user_id},
 * {@code negative_quantity} ({@code -1}; a search gets a bad time instead) and {@code bad_time}
 * ({@code yesterday}). The event id is kept, so a dead letter can be traced back.
 */
final class EventRows {
  /** The upload's CSV columns for events (one product per row). */
  static final List<String> CSV_HEADER = RowParser.EVENT_COLUMNS;
  static final List<String> BAD_KINDS =
      List.of("not_json", "unknown_event_type", "missing_user_id", "negative_quantity", "bad_time");

  private EventRows() {}

  static String json(ObjectNode event) {
    return event.toString();
  }

  /**
   * One CSV row per product (one row with empty product columns for an event without products). A CSV row is one
   * event to the upload function, deduplicated by event_id, so the rows of an event with several products (a
   * basket) get ids {@code <event_id>-1}, {@code <event_id>-2}, ...; a single-product event keeps its id.
   */
  static List<List<String>> csv(ObjectNode e) {
    List<List<String>> rows = new ArrayList<>();
    JsonNode products = e.path(EventCodec.PRODUCTS);
    String id = text(e, EventCodec.EVENT_ID);
    if (products.isEmpty()) {
      rows.add(row(e, id, null));
    } else {
      int n = 0;
      for (JsonNode p : products) {
        rows.add(row(e, products.size() == 1 || id.isEmpty() ? id : id + "-" + (++n), p));
      }
    }
    return rows;
  }

  private static List<String> row(ObjectNode e, String id, JsonNode p) {
    List<String> r = new ArrayList<>(CSV_HEADER.size());
    r.add(id);
    r.add(text(e, EventCodec.EVENT_TYPE));
    r.add(text(e, EventCodec.USER_ID));
    r.add(text(e, EventCodec.SESSION_ID));
    r.add(text(e, EventCodec.EVENT_TIME));
    r.add(p == null ? "" : text(p, EventCodec.PRODUCT_ID));
    r.add(p == null ? "" : text(p, EventCodec.QUANTITY));
    r.add(p == null ? "" : text(p, EventCodec.PRICE));
    r.add(text(e, EventCodec.CURRENCY));
    r.add(text(e, EventCodec.QUERY));
    return r;
  }

  private static String text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    return v == null || v.isNull() ? "" : v.asText();
  }

  /** The kind of bad row to make of the next event. */
  static String badKind(Random r) {
    return BAD_KINDS.get(r.nextInt(BAD_KINDS.size()));
  }

  /** A copy of the event broken in the given way, as a JSON line. */
  static String badJson(ObjectNode event, String kind) {
    if (kind.equals("not_json")) {
      String text = event.toString();
      return text.substring(0, text.length() / 2);
    }
    return broken(event, kind).toString();
  }

  /** A copy of the event broken in the given way, as CSV rows. */
  static List<List<String>> badCsv(ObjectNode event, String kind) {
    if (kind.equals("not_json")) {
      List<List<String>> rows = csv(event);
      List<String> first = rows.get(0);
      return List.of(new ArrayList<>(first.subList(0, 4)));
    }
    return csv(broken(event, kind));
  }

  private static ObjectNode broken(ObjectNode event, String kind) {
    ObjectNode e = event.deepCopy();
    switch (kind) {
      case "unknown_event_type" -> e.put(EventCodec.EVENT_TYPE, "teleport");
      case "missing_user_id" -> e.remove(EventCodec.USER_ID);
      case "negative_quantity" -> {
        if (e.path(EventCodec.PRODUCTS).isArray() && !e.path(EventCodec.PRODUCTS).isEmpty()) {
          ((ObjectNode) ((ArrayNode) e.get(EventCodec.PRODUCTS)).get(0)).put(EventCodec.QUANTITY, -1);
        } else {
          e.put(EventCodec.EVENT_TIME, "yesterday");
        }
      }
      case "bad_time" -> e.put(EventCodec.EVENT_TIME, "yesterday");
      default -> throw new IllegalArgumentException(kind);
    }
    return e;
  }
}
