package dev.shopstream.warehouse.duckdb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shopstream.contract.DeadLetter;
import dev.shopstream.contract.Event;
import dev.shopstream.contract.EventCodec;
import dev.shopstream.contract.Rows;
import dev.shopstream.contract.TableSchemas;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
}
