package dev.shopstream.warehouse.duckdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shopstream.contract.DeadLetter;
import dev.shopstream.contract.Event;
import dev.shopstream.contract.EventCodec;
import dev.shopstream.contract.Rows;
import dev.shopstream.contract.TableSchema;
import dev.shopstream.contract.TableSchema.Column;
import dev.shopstream.contract.TableSchema.Mode;
import dev.shopstream.contract.TableSchemas;
import dev.shopstream.warehouse.duckdb.DuckDbWarehouse.WritePath;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class DuckDbWarehouseTest {
  private static final Instant INGEST = Instant.parse("2026-11-22T12:00:00Z");

  @TempDir
  Path dir;

  private static Event event(String id, String product, double price) {
    EventCodec.Decoded d = new EventCodec(Clock.systemUTC()).decode("""
        {"event_id":"%s","event_type":"purchase","user_id":"u'1","event_time":"2026-11-22T10:00:00Z",
         "products":[{"product_id":"%s","quantity":3,"price":%s},{"product_id":"x"}],"attributes":{"k":"v"}}"""
        .formatted(id, product, price));
    assertThat(d.errors()).isEmpty();
    return d.event();
  }

  @Test
  void createsContractTablesAndWritesEachEventIdOnce() throws Exception {
    DuckDbWarehouse warehouse = DuckDbWarehouse.open(dir.resolve("w/warehouse.duckdb"));
    try {
      var rows = List.of(Rows.event(event("e1", "p,1'\\\"", 2.5), INGEST), Rows.event(event("e2", "p2", 1), INGEST));
      assertThat(warehouse.insert(TableSchemas.events(), rows)).isEqualTo(2);
      assertThat(warehouse.insert(TableSchemas.events(), rows)).isZero(); // a retried write

      assertThat(warehouse.count("events")).isEqualTo(2);
      try (Connection c = warehouse.connect(); Statement s = c.createStatement();
           ResultSet r = s.executeQuery("SELECT user_id, event_time, products[1].product_id, products[1].quantity,"
               + " products[1].price, products[2].price, len(products), attributes->>'k', ingest_time"
               + " FROM events WHERE event_id = 'e1'")) {
        assertThat(r.next()).isTrue();
        assertThat(r.getString(1)).isEqualTo("u'1");
        assertThat(r.getObject(2, java.time.OffsetDateTime.class).toInstant())
            .isEqualTo(Instant.parse("2026-11-22T10:00:00Z"));
        assertThat(r.getString(3)).isEqualTo("p,1'\"");
        assertThat(r.getLong(4)).isEqualTo(3);
        assertThat(r.getDouble(5)).isEqualTo(2.5);
        assertThat(r.getObject(6)).isNull();
        assertThat(r.getInt(7)).isEqualTo(2);
        assertThat(r.getString(8)).isEqualTo("v");
        assertThat(r.getObject(9, java.time.OffsetDateTime.class).toInstant()).isEqualTo(INGEST);
      }
    } finally {
      warehouse.close();
    }
  }

  @Test
  void deadLettersKeepThePayloadAndConcurrentWritersDoNotConflict() throws Exception {
    DuckDbWarehouse warehouse = DuckDbWarehouse.open(dir.resolve("warehouse.duckdb"));
    assertThat(DuckDbWarehouse.open(dir.resolve("./warehouse.duckdb"))).isSameAs(warehouse);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Integer>> writes = IntStream.range(0, 8).mapToObj(i -> pool.submit(() ->
          warehouse.insert(TableSchemas.events(), List.of(Rows.event(event("same", "p", 1), INGEST),
              Rows.event(event("own-" + i, "p", 1), INGEST))))).toList();
      int inserted = 0;
      for (Future<Integer> w : writes) {
        inserted += w.get();
      }
      assertThat(inserted).isEqualTo(9);
      warehouse.insert(TableSchemas.deadLetter(), List.of(Rows.deadLetter(new DeadLetter(null, "{not json",
          Map.of("event_id", "x"), "$: is not valid JSON", "parse", INGEST))));
      try (Connection c = warehouse.connect(); Statement s = c.createStatement();
           ResultSet r = s.executeQuery("SELECT payload, attributes->>'event_id', step, event_id FROM dead_letter")) {
        assertThat(r.next()).isTrue();
        assertThat(r.getString(1)).isEqualTo("{not json");
        assertThat(r.getString(2)).isEqualTo("x");
        assertThat(r.getString(3)).isEqualTo("parse");
        assertThat(r.getString(4)).isNull();
      }
    } finally {
      pool.shutdownNow();
      warehouse.close();
    }
  }

  @Test
  void upsertTablesKeepTheLatestRowPerKey() throws Exception {
    DuckDbWarehouse warehouse = DuckDbWarehouse.open(dir.resolve("upsert.duckdb"));
    try {
      Map<String, Object> v1 = Map.of("product_id", "mug", "title", "Mug", "price", 10.0, "available", true,
          "updated_at", "2026-11-22T10:00:00Z");
      Map<String, Object> v2 = Map.of("product_id", "mug", "title", "Mug", "price", 12.5, "available", false,
          "updated_at", "2026-11-22T11:00:00Z");
      warehouse.insert(TableSchemas.products(), List.of(v1));
      warehouse.insert(TableSchemas.products(), List.of(v2));

      assertThat(warehouse.count("products")).isEqualTo(1);
      try (Connection c = warehouse.connect(); Statement s = c.createStatement();
           ResultSet r = s.executeQuery("SELECT price, available FROM products WHERE product_id = 'mug'")) {
        assertThat(r.next()).isTrue();
        assertThat(r.getDouble(1)).isEqualTo(12.5);
        assertThat(r.getBoolean(2)).isFalse();
      }
    } finally {
      warehouse.close();
    }
  }

  @Test
  void everyContractTableIsCreated() throws Exception {
    DuckDbWarehouse warehouse = DuckDbWarehouse.open(dir.resolve("all.duckdb"));
    try {
      for (var table : TableSchemas.all()) {
        assertThat(warehouse.count(table.name())).as(table.name()).isZero();
      }
    } finally {
      warehouse.close();
    }
  }

  @Test
  void ddlUsesDuckDbTypesForTheContractColumns() {
    assertThat(DuckDbWarehouse.createTableSql(TableSchemas.events()))
        .contains("event_id VARCHAR NOT NULL")
        .contains("event_time TIMESTAMPTZ NOT NULL")
        .contains("products STRUCT(product_id VARCHAR, quantity BIGINT, price DOUBLE)[]")
        .contains("attributes JSON")
        .contains("PRIMARY KEY (event_id)");
  }

  @Test
  void bothWritePathsWriteTheSameRowsIntoEveryContractTable() throws Exception {
    DuckDbWarehouse staged = DuckDbWarehouse.open(dir.resolve("staged.duckdb"));
    DuckDbWarehouse statements = DuckDbWarehouse.open(dir.resolve("statements.duckdb"));
    statements.writePath(WritePath.STATEMENTS);
    try {
      for (TableSchema table : TableSchemas.all()) {
        // a key twice in one write, then again in later writes; every column type, nulls, quotes, other offsets
        List<List<Map<String, Object>>> writes = List.of(
            List.of(sample(table, "k1", 1), sample(table, "k2", 2), sample(table, "k1", 3)),
            List.of(sample(table, "k1", 4), sample(table, "k3", 5)),
            List.of(sample(table, "k2", 6)));
        for (List<Map<String, Object>> rows : writes) {
          assertThat(DuckDbWarehouse.stageable(table, rows)).as(table.name()).isTrue();
          assertThat(staged.insert(table, rows)).as(table.name()).isEqualTo(statements.insert(table, rows));
        }
        List<List<String>> written = rows(staged, table);
        assertThat(written).as(table.name()).hasSize(table.primaryKey().isEmpty() ? 6 : 3)
            .isEqualTo(rows(statements, table));
      }
    } finally {
      staged.close();
      statements.close();
    }
  }

  @ParameterizedTest
  @EnumSource(WritePath.class)
  void anUpsertKeepsTheLastRowPerKeyWithinAWriteAndAcrossWrites(WritePath path) throws Exception {
    DuckDbWarehouse warehouse = DuckDbWarehouse.open(dir.resolve("latest.duckdb"));
    warehouse.writePath(path);
    try {
      TableSchema table = TableSchemas.userActivity();
      assertThat(warehouse.insert(table, List.of(activity("u1", "a", "10:00"), activity("u2", "b", "10:00"),
          activity("u1", "c", "10:05")))).isEqualTo(2);
      assertThat(warehouse.insert(table, List.of(activity("u2", "d", "10:10")))).isEqualTo(1);

      assertThat(query(warehouse, "SELECT user_id, recent_items[1].product_id, epoch_ms(recent_items[1].event_time),"
          + " purchased, epoch_ms(updated_at) FROM user_activity ORDER BY user_id")).containsExactly(
          List.of("u1", "c", "1795341600000", "[c]", "1795341900000"),
          List.of("u2", "d", "1795341600000", "[d]", "1795342200000"));
    } finally {
      warehouse.close();
    }
  }

  @ParameterizedTest
  @EnumSource(WritePath.class)
  void aBadRowFailsItsWholeWriteWithADataErrorAndLeavesTheTableAsItWas(WritePath path) throws Exception {
    DuckDbWarehouse warehouse = DuckDbWarehouse.open(dir.resolve("bad.duckdb"));
    warehouse.writePath(path);
    try {
      TableSchema table = TableSchemas.productTrends();
      warehouse.insert(table, List.of(sample(table, "kept", 1)));
      Map<String, Object> missing = sample(table, "bad", 2);
      missing.put("events", null); // NOT NULL
      Map<String, Object> unparsable = sample(table, "bad", 3);
      unparsable.put("window_end", "not a time");

      List<Map<String, Object>> withMissing = List.of(sample(table, "kept", 4), missing, sample(table, "k5", 5));
      assertThatThrownBy(() -> warehouse.insert(table, withMissing)).isInstanceOf(SQLException.class)
          .hasMessageContaining("Constraint Error").hasMessageContaining("NOT NULL");
      List<Map<String, Object>> withUnparsable = List.of(sample(table, "k6", 6), unparsable);
      assertThatThrownBy(() -> warehouse.insert(table, withUnparsable)).isInstanceOf(SQLException.class)
          .hasMessageContaining("Conversion Error");

      assertThat(query(warehouse, "SELECT product_id, events FROM product_trends"))
          .containsExactly(List.of("kept", "1"));
      assertThat(warehouse.insert(table, List.of(sample(table, "kept", 4), sample(table, "k5", 5)))).isEqualTo(2);
      assertThat(query(warehouse, "SELECT product_id, events FROM product_trends ORDER BY product_id"))
          .containsExactly(List.of("k5", "5"), List.of("kept", "4"));
    } finally {
      warehouse.close();
    }
  }

  @Test
  void aValueOfAnotherJavaTypeIsConvertedByDuckDbAsBefore() throws Exception {
    DuckDbWarehouse warehouse = DuckDbWarehouse.open(dir.resolve("types.duckdb"));
    try {
      TableSchema table = TableSchemas.productTrends();
      Map<String, Object> text = sample(table, "text", 1);
      text.put("events", "7"); // INT64 as a string: not for the staging table's BIGINT, DuckDB casts it
      assertThat(DuckDbWarehouse.stageable(table, List.of(text))).isFalse();
      assertThat(DuckDbWarehouse.stageable(table, List.of(sample(table, "k", 2)))).isTrue();

      assertThat(warehouse.insert(table, List.of(text, sample(table, "k", 2)))).isEqualTo(2);
      assertThat(query(warehouse, "SELECT product_id, events FROM product_trends ORDER BY product_id"))
          .containsExactly(List.of("k", "2"), List.of("text", "7"));
    } finally {
      warehouse.close();
    }
  }

  @Test
  void theStagingTableHasTheColumnsAsTheStatementsBindThem() {
    assertThat(DuckDbWarehouse.stagingTableSql(TableSchemas.userActivity())).isEqualTo(
        "CREATE TEMP TABLE IF NOT EXISTS staging_user_activity (user_id VARCHAR, recent_items VARCHAR,"
            + " purchased VARCHAR, updated_at VARCHAR)");
    assertThat(DuckDbWarehouse.stagedInsertSql(TableSchemas.userActivity())).isEqualTo(
        "INSERT INTO user_activity (user_id, recent_items, purchased, updated_at) SELECT user_id,"
            + " from_json(recent_items::JSON, '[{\"product_id\":\"VARCHAR\",\"event_type\":\"VARCHAR\","
            + "\"event_time\":\"TIMESTAMPTZ\"}]'), from_json(purchased::JSON, '[\"VARCHAR\"]'),"
            + " updated_at::TIMESTAMPTZ FROM temp.main.staging_user_activity");
    assertThat(DuckDbWarehouse.stagedDeleteSql(TableSchemas.productTrends())).isEqualTo("DELETE FROM product_trends t"
        + " USING temp.main.staging_product_trends s WHERE t.product_id = s.product_id AND t.event_type = s.event_type"
        + " AND t.window_start = s.window_start::TIMESTAMPTZ");
    assertThat(DuckDbWarehouse.stagedInsertSql(TableSchemas.events())).startsWith("INSERT OR IGNORE INTO events (");
    assertThat(DuckDbWarehouse.stagingTableSql(TableSchemas.itemNeighbors()))
        .contains("score DOUBLE", "rank BIGINT", "updated_at VARCHAR");
  }

  private static Map<String, Object> activity(String user, String product, String time) {
    Map<String, Object> item = new LinkedHashMap<>();
    item.put("product_id", product);
    item.put("event_type", "view");
    item.put("event_time", "2026-11-22T10:00:00Z");
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("user_id", user);
    row.put("recent_items", List.of(item));
    row.put("purchased", List.of(product));
    row.put("updated_at", "2026-11-22T" + time + ":00Z");
    return row;
  }

  /**
   * A row of any contract table made from its column types: key columns from {@code key} (text) or fixed (others),
   * the other columns from {@code version}; nullable columns are null in every third version.
   */
  static Map<String, Object> sample(TableSchema table, String key, int version) {
    Map<String, Object> row = new LinkedHashMap<>();
    for (Column c : table.columns()) {
      boolean isKey = table.primaryKey().contains(c.name());
      if (!isKey && c.mode() == Mode.NULLABLE && version % 3 == 0) {
        continue;
      }
      row.put(c.name(), value(c, isKey ? key : null, version));
    }
    return row;
  }

  private static Object value(Column c, String key, int version) {
    if (c.mode() == Mode.REPEATED) {
      Column item = new Column(c.name(), c.type(), Mode.NULLABLE, "", c.fields());
      return version % 3 == 1 ? List.of() : List.of(value(item, null, version), value(item, null, version + 1));
    }
    return switch (c.type()) {
      case STRING -> key != null ? key : "v" + version + " 'q' \"dq\" \\ é";
      case INT64 -> version % 2 == 0 ? (Object) (long) version : (Object) version; // Long or Integer
      case FLOAT64 -> version % 2 == 0 ? (Object) (version + 0.25) : (Object) (long) version;
      case BOOL -> version % 2 == 0;
      case TIMESTAMP -> key != null ? "2026-11-22T10:00:00Z"
          : version % 2 == 0 ? "2026-11-22T1" + version + ":00:00.123456+01:00"
          : Instant.parse("2026-11-22T10:00:00Z").plusSeconds(version);
      case JSON -> "{\"k\":\"v" + version + "\",\"n\":[1,2.5,null]}";
      case RECORD -> {
        Map<String, Object> record = new LinkedHashMap<>();
        for (Column f : c.fields()) {
          if (f.mode() != Mode.NULLABLE || version % 2 == 0) {
            Object v = value(f, null, version);
            record.put(f.name(), v instanceof Instant i ? i.toString() : v);
          }
        }
        yield record;
      }
    };
  }

  /** Every row of a table in a fixed order, each as the text of its values. */
  private static List<List<String>> rows(DuckDbWarehouse warehouse, TableSchema table) throws SQLException {
    return query(warehouse, "SELECT * FROM " + table.name() + " ORDER BY ALL");
  }

  private static List<List<String>> query(DuckDbWarehouse warehouse, String sql) throws SQLException {
    List<List<String>> rows = new ArrayList<>();
    try (Connection c = warehouse.connect(); Statement s = c.createStatement(); ResultSet r = s.executeQuery(sql)) {
      while (r.next()) {
        List<String> row = new ArrayList<>();
        for (int i = 1; i <= r.getMetaData().getColumnCount(); i++) {
          row.add(String.valueOf(r.getString(i)));
        }
        rows.add(row);
      }
    }
    return rows;
  }
}
