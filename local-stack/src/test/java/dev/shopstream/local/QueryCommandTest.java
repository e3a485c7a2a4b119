package dev.shopstream.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shopstream.contract.Json;
import dev.shopstream.warehouse.duckdb.DuckDbWarehouse;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code query}: a read-only query of the warehouse printed as a table, from the file when no stack holds it and
 * through the running stack's {@code /api/query} when one does; anything but one read-only query is refused (exit 2
 * here, 400 there) and changes nothing.
 */
class QueryCommandTest {
  @TempDir Path dir;

  private record Run(int code, String out, String err) {}

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = Main.commandLine();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int code = cl.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  private DuckDbWarehouse warehouseWithDemoRows() throws Exception {
    DuckDbWarehouse w = DuckDbWarehouse.open(dir.resolve("warehouse.duckdb"));
    try (Connection c = w.connect(); Statement s = c.createStatement()) {
      s.execute("create table demo (a integer, b varchar)");
      s.execute("insert into demo values (1, 'one'), (2, null)");
    }
    return w;
  }

  private static long demoRows(DuckDbWarehouse w) throws Exception {
    try (Connection c = w.connect(); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("select count(*) from demo")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  @Test
  void selectsFromTheFileWhenNoStackHoldsIt() throws Exception {
    warehouseWithDemoRows().close();
    Run r = run("query", "--data-dir", dir.toString(), "select a, b from demo order by a");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("| a | b    |", "| 1 | one  |", "| 2 | NULL |", "2 rows");

    Run cut = run("query", "--data=" + dir, "--max-rows=1", "select", "a", "from", "demo", "order", "by", "a");
    assertThat(cut.code()).as(cut.err()).isZero();
    assertThat(cut.out()).contains("| 1 |", "1 row (more rows left off").doesNotContain("| 2 |");
  }

  @Test
  void anythingButOneReadOnlyQueryIsRefusedWithExitTwo() throws Exception {
    warehouseWithDemoRows().close();
    for (String sql : new String[] {"delete from demo", "drop table demo", "select 1; delete from demo",
        "insert into demo values (3, 'x')", "/* select */ update demo set a = 0", "  ", "copy demo to 'x.csv'"}) {
      Run r = run("query", "--data-dir", dir.toString(), sql);
      assertThat(r.code()).as(sql + ": " + r.err()).isEqualTo(2);
      assertThat(r.err()).as(sql).contains("query refused");
    }
    Run bad = run("query", "--data-dir", dir.toString(), "--max-rows", "many", "select 1");
    assertThat(bad.code()).isEqualTo(2);
    assertThat(bad.err()).contains("--max-rows", "many");
    Run failing = run("query", "--data-dir", dir.toString(), "select * from no_such_table");
    assertThat(failing.code()).isEqualTo(1);
    assertThat(failing.err()).contains("query failed", "no_such_table");
    try (DuckDbWarehouse w = DuckDbWarehouse.open(dir.resolve("warehouse.duckdb"))) {
      assertThat(demoRows(w)).isEqualTo(2);
    }
  }

  @Test
  void aStatementThatWritesBehindAReadOnlyKeywordIsRefusedAndRolledBack() throws Exception {
    try (DuckDbWarehouse w = warehouseWithDemoRows(); Connection c = w.connect()) {
      for (String sql : new String[] {"with x as (select 3 as a, 'x' as b) insert into demo select * from x",
          "with x as (select 1) delete from demo"}) {
        try {
          WarehouseQuery.run(c, sql, 10, Duration.ofSeconds(5));
          throw new AssertionError("ran: " + sql);
        } catch (WarehouseQuery.NotReadOnlyException | java.sql.SQLException expected) {
          // refused, or DuckDB does not take it
        }
      }
      assertThat(demoRows(w)).isEqualTo(2);
    }
  }

  @Test
  void goesThroughTheRunningStackWhenItHoldsTheFile() throws Exception {
    try (DuckDbWarehouse w = warehouseWithDemoRows();
         StatusServer server = StatusServer.start("127.0.0.1", 0, Json.MAPPER::createObjectNode, Optional::empty,
             null, null, w::connect)) {
      String base = "http://127.0.0.1:" + server.port();
      Files.writeString(dir.resolve("endpoints.json"), Json.MAPPER.createObjectNode()
          .put("status", base + "/status").toString());

      Run r = run("query", "--data-dir", dir.toString(), "select b from demo where a = 1");
      assertThat(r.code()).as(r.err()).isZero();
      assertThat(r.err()).contains("/api/query");
      assertThat(r.out()).contains("| one |", "1 row");

      Run api = run("query", "--via=api", "--data-dir", dir.toString(), "select count(*) as n from demo");
      assertThat(api.code()).as(api.err()).isZero();
      assertThat(api.out()).contains("| n |", "| 2 |");

      HttpResponse<String> refused = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base
          + "/api/query?sql=" + URLEncoder.encode("delete from demo", StandardCharsets.UTF_8))).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(refused.statusCode()).isEqualTo(400);
      assertThat(Json.MAPPER.readTree(refused.body()).path("error").asText()).isEqualTo("not_read_only");
      assertThat(demoRows(w)).isEqualTo(2);
    }
  }
}
