package dev.shopstream.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shopstream.contract.ColumnSource;
import dev.shopstream.contract.DeadLetter;
import dev.shopstream.contract.EventType;
import dev.shopstream.contract.Json;
import dev.shopstream.contract.ProductRow;
import dev.shopstream.contract.ProductTrendRow;
import dev.shopstream.contract.UserActivityRow;
import dev.shopstream.emulator.gcs.GcsEmulator;
import dev.shopstream.functions.upload.UploadFunction;
import dev.shopstream.model.ModelConfig;
import dev.shopstream.warehouse.duckdb.DuckDbWarehouse;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The console's read-only JSON views of what the stack holds: the latest dead letters, the uploads' summaries,
 * trending over time, a user's recent items and catalog rows, and the newest evaluation report's figures. Each is a {@code SELECT} on the warehouse (through
 * {@link DuckDbWarehouse#connect}) or a read of the bucket's summaries; nothing is computed here that the pipeline
 * or the functions compute (recommendations come from the recommend function itself). Served by
 * {@link StatusServer} under {@code /api/} (docs/openapi.yaml).
 */
final class ConsoleApi {
  static final int MAX_LIMIT = 200;
  /** The dead-letter columns the console lists (its JSON fields are the columns' names). */
  private static final List<String> DEAD_LETTER_COLUMNS = List.of(DeadLetter.EVENT_ID, DeadLetter.STEP,
      DeadLetter.ERROR, DeadLetter.PAYLOAD, DeadLetter.FAILED_AT);
  /** The catalog columns the console lists (its JSON fields are the columns' names). */
  private static final List<String> PRODUCT_COLUMNS = List.of(ProductRow.PRODUCT_ID, ProductRow.TITLE,
      ProductRow.CATEGORY, ProductRow.PRICE, ProductRow.CURRENCY, ProductRow.AVAILABLE);

  private final DuckDbWarehouse warehouse;
  private final GcsEmulator gcs;
  private final String bucket;
  private final QualityReports reports;

  /** @param reportsDir where {@code evaluate --report} writes the reports the Quality panel shows */
  ConsoleApi(DuckDbWarehouse warehouse, GcsEmulator gcs, String bucket, java.nio.file.Path reportsDir) {
    this.warehouse = warehouse;
    this.gcs = gcs;
    this.bucket = bucket;
    this.reports = new QualityReports(reportsDir);
  }

  /** The newest evaluation report's summary and links ({@link QualityReports#newest}). */
  ObjectNode quality() {
    return reports.newest();
  }

  /** The evaluation reports' files, read-only. */
  QualityReports reports() {
    return reports;
  }

  /** The newest dead letters, newest first, and the table's total. */
  ObjectNode deadLetters(int limit) throws SQLException {
    ObjectNode json = Json.MAPPER.createObjectNode();
    ArrayNode items = json.putArray("items");
    try (Connection c = warehouse.connect()) {
      try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM dead_letter")) {
        rs.next();
        json.put("total", rs.getLong(1));
      }
      try (PreparedStatement ps = c.prepareStatement("SELECT " + ColumnSource.selectList(DEAD_LETTER_COLUMNS)
          + " FROM dead_letter ORDER BY failed_at DESC LIMIT ?")) {
        ps.setInt(1, limit);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            items.addObject().put(DeadLetter.EVENT_ID, rs.getString(1)).put(DeadLetter.STEP, rs.getString(2))
                .put(DeadLetter.ERROR, rs.getString(3)).put(DeadLetter.PAYLOAD, rs.getString(4))
                .put(DeadLetter.FAILED_AT, time(rs, 5));
          }
        }
      }
    }
    return json;
  }

  /**
   * The newest upload summaries ({@code errors/<object>.summary.json}, as the upload function wrote them), each
   * with {@code summary_url} and, when rows were rejected, {@code error_report_url}: the bucket's download URLs.
   */
  ObjectNode uploads(int limit) {
    ObjectNode json = Json.MAPPER.createObjectNode();
    ArrayNode items = json.putArray("items");
    String suffix = UploadFunction.summaryObjectName("").substring(UploadFunction.ERRORS_PREFIX.length());
    List<GcsEmulator.ObjectSummary> summaries = gcs.list(bucket, UploadFunction.ERRORS_PREFIX)
        .stream().filter(o -> o.name().endsWith(suffix)).toList();
    json.put("total", summaries.size());
    for (GcsEmulator.ObjectSummary o : summaries.subList(0, Math.min(limit, summaries.size()))) {
      ObjectNode item = items.addObject();
      JsonNode summary;
      try {
        summary = Json.MAPPER.readTree(gcs.read(bucket, o.name()).orElse(new byte[0])); // trusted JSON: our upload summary
      } catch (IOException e) {
        summary = null;
      }
      if (summary instanceof ObjectNode s) {
        item.setAll(s);
      } else {
        item.put("status", "unreadable_summary");
      }
      item.put("summary_object", o.name()).put("updated", o.updated().toString())
          .put("summary_url", downloadUrl(o.name()));
      if (item.hasNonNull("error_report")) {
        item.put("error_report_url", downloadUrl(item.get("error_report").asText()));
      }
    }
    return json;
  }

  private String downloadUrl(String object) {
    return gcs.url() + "/storage/v1/b/" + bucket + "/o/"
        + URLEncoder.encode(object, StandardCharsets.UTF_8).replace("+", "%20") + "?alt=media";
  }

  /**
   * Trending over time: for the {@code k} products with the highest trend score over the windows ending within
   * {@code hours} of the newest window end, the score of each window end: Σ events × w(event_type) of the
   * {@code product_trends} rows (the weights of the model's defaults, as the recommend function's trending).
   */
  ObjectNode trends(int k, int hours) throws SQLException {
    ModelConfig weights = ModelConfig.defaults();
    String score = java.util.Arrays.stream(EventType.values())
        .map(t -> "WHEN '" + t.wireName() + "' THEN " + weights.weight(t))
        .collect(Collectors.joining(" ", "sum(events * CASE event_type ", " ELSE 0 END)"));
    String sql = "WITH w AS (SELECT product_id, window_end, " + score + " AS score FROM product_trends"
        + " WHERE window_end > (SELECT max(window_end) FROM product_trends) - to_hours(CAST(? AS BIGINT))"
        + " GROUP BY 1, 2),"
        + " top AS (SELECT product_id, sum(score) AS total FROM w GROUP BY 1 HAVING sum(score) > 0"
        + " ORDER BY total DESC, product_id LIMIT ?)"
        + " SELECT w.product_id, w.window_end, w.score, p.title FROM w JOIN top USING (product_id)"
        + " LEFT JOIN products p USING (product_id) ORDER BY top.total DESC, w.product_id, w.window_end";
    Map<String, ObjectNode> series = new LinkedHashMap<>();
    java.util.TreeSet<String> ends = new java.util.TreeSet<>();
    try (Connection c = warehouse.connect(); PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setInt(1, hours);
      ps.setInt(2, k);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          String id = rs.getString(1);
          String end = time(rs, 2);
          ends.add(end);
          ObjectNode s = series.computeIfAbsent(id,
              x -> Json.MAPPER.createObjectNode().put(ProductTrendRow.PRODUCT_ID, x));
          s.put(ProductRow.TITLE, rs.getString(4));
          s.withObject("/scores").put(end, rs.getDouble(3));
        }
      }
    }
    ObjectNode json = Json.MAPPER.createObjectNode();
    json.put("hours", hours);
    ArrayNode windowEnds = json.putArray("window_ends");
    ends.forEach(windowEnds::add);
    ArrayNode out = json.putArray("series");
    for (ObjectNode s : series.values()) {
      ObjectNode scores = (ObjectNode) s.remove("scores");
      ArrayNode points = s.putArray("points");
      for (String end : ends) { // a window without the product's events scores 0
        points.add(scores.has(end) ? scores.get(end).asDouble() : 0);
      }
      out.add(s);
    }
    return json;
  }

  /** A user's {@code user_activity} row: recent items (newest first) and purchases; null when unknown. */
  ObjectNode user(String userId) throws SQLException {
    try (Connection c = warehouse.connect(); PreparedStatement ps = c.prepareStatement(
        "SELECT to_json(recent_items)::VARCHAR, to_json(purchased)::VARCHAR, updated_at FROM user_activity"
            + " WHERE user_id = ?")) {
      ps.setString(1, userId);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return null;
        }
        ObjectNode json = Json.MAPPER.createObjectNode().put(UserActivityRow.USER_ID, userId);
        json.set(UserActivityRow.RECENT_ITEMS, readJson(rs.getString(1)));
        json.set(UserActivityRow.PURCHASED, readJson(rs.getString(2)));
        json.put(UserActivityRow.UPDATED_AT, time(rs, 3));
        return json;
      }
    }
  }

  /** The users whose activity changed last, newest first (for the explorer's suggestions). */
  ObjectNode recentUsers(int limit) throws SQLException {
    ObjectNode json = Json.MAPPER.createObjectNode();
    ArrayNode items = json.putArray("items");
    try (Connection c = warehouse.connect(); PreparedStatement ps = c.prepareStatement(
        "SELECT user_id FROM user_activity ORDER BY updated_at DESC, user_id LIMIT ?")) {
      ps.setInt(1, limit);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          items.add(rs.getString(1));
        }
      }
    }
    return json;
  }

  /**
   * Catalog rows: those of {@code ids} that exist (at most {@link #MAX_LIMIT}), or, without ids, the first
   * {@code limit} products by id.
   */
  ObjectNode products(List<String> ids, int limit) throws SQLException {
    String columns = "SELECT " + ColumnSource.selectList(PRODUCT_COLUMNS) + " FROM products";
    String sql = ids.isEmpty() ? columns + " ORDER BY product_id LIMIT ?"
        : columns + " WHERE product_id IN (" + String.join(", ", java.util.Collections.nCopies(ids.size(), "?"))
            + ") ORDER BY product_id";
    ObjectNode json = Json.MAPPER.createObjectNode();
    ArrayNode items = json.putArray("items");
    try (Connection c = warehouse.connect(); PreparedStatement ps = c.prepareStatement(sql)) {
      if (ids.isEmpty()) {
        ps.setInt(1, limit);
      } else {
        for (int i = 0; i < ids.size(); i++) {
          ps.setString(i + 1, ids.get(i));
        }
      }
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          ObjectNode p = items.addObject().put(ProductRow.PRODUCT_ID, rs.getString(1))
              .put(ProductRow.TITLE, rs.getString(2)).put(ProductRow.CATEGORY, rs.getString(3));
          double price = rs.getDouble(4);
          if (rs.wasNull()) {
            p.putNull(ProductRow.PRICE);
          } else {
            p.put(ProductRow.PRICE, price);
          }
          p.put(ProductRow.CURRENCY, rs.getString(5));
          boolean available = rs.getBoolean(6);
          if (rs.wasNull()) {
            p.putNull(ProductRow.AVAILABLE);
          } else {
            p.put(ProductRow.AVAILABLE, available);
          }
        }
      }
    }
    return json;
  }

  private static JsonNode readJson(String text) {
    if (text == null) {
      return Json.MAPPER.createArrayNode();
    }
    try {
      return Json.readUntrusted(text);
    } catch (IOException e) {
      return Json.MAPPER.createArrayNode();
    }
  }

  private static String time(ResultSet rs, int column) throws SQLException {
    OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
    return t == null ? null : t.toInstant().toString();
  }

  static List<String> splitIds(String value) {
    List<String> ids = new ArrayList<>();
    if (value != null) {
      for (String id : value.split(",")) {
        if (!id.isBlank() && ids.size() < MAX_LIMIT) {
          ids.add(id.strip());
        }
      }
    }
    return ids;
  }
}
