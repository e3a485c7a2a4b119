package dev.shopstream.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The typed rows write exactly their table's columns (as TableSchemas derives them) and read back what they wrote. */
class TypedRowsTest {
  private static final Instant T = Instant.parse("2026-11-22T10:00:00.123Z");

  private static List<String> columns(TableSchema table) {
    return table.columns().stream().map(TableSchema.Column::name).toList();
  }

  @Test
  void aUserActivityRowHasTheTablesColumnsAndRoundTrips() {
    UserActivityRow row = new UserActivityRow("u-1",
        List.of(new UserActivityRow.RecentItem("p-2", "view", T), new UserActivityRow.RecentItem("p-1", "purchase", T)),
        List.of("p-1"), T.plusSeconds(1));

    Map<String, Object> written = row.toRow();

    assertThat(written.keySet()).containsExactlyInAnyOrderElementsOf(columns(TableSchemas.userActivity()));
    TableSchema.Column recent = TableSchemas.userActivity().column(UserActivityRow.RECENT_ITEMS);
    Map<?, ?> item = (Map<?, ?>) ((List<?>) written.get(UserActivityRow.RECENT_ITEMS)).get(0);
    assertThat(item.keySet().stream().map(String::valueOf).toList())
        .containsExactlyInAnyOrderElementsOf(recent.fields().stream().map(TableSchema.Column::name).toList());
    assertThat(written.get(UserActivityRow.UPDATED_AT)).isEqualTo("2026-11-22T10:00:01.123Z");
    assertThat(UserActivityRow.fromRow(written)).isEqualTo(row);
  }

  @Test
  void anItemNeighborRowHasTheTablesColumnsAndRoundTrips() {
    ItemNeighborRow row = new ItemNeighborRow("p-1", "p-2", "co_view", 0.5, 1, 3.0, T);

    Map<String, Object> written = row.toRow();

    assertThat(written.keySet()).containsExactlyInAnyOrderElementsOf(columns(TableSchemas.itemNeighbors()));
    assertThat(ItemNeighborRow.fromRow(written)).isEqualTo(row);
  }

  @Test
  void anItemFactorRowHasTheTablesColumnsAndRoundTrips() {
    ItemFactorRow row = new ItemFactorRow("p-1", new double[] {0.5, -0.25}, new double[] {1.5, 0}, -0.75, "run-1", 42, T);

    Map<String, Object> written = row.toRow();

    assertThat(written.keySet()).containsExactlyInAnyOrderElementsOf(columns(TableSchemas.itemFactors()));
    assertThat(TableSchemas.itemFactors().column(ItemFactorRow.CONTEXT).mode()).isEqualTo(TableSchema.Mode.REPEATED);
    assertThat(written.get(ItemFactorRow.CONTEXT)).isEqualTo(List.of(0.5, -0.25));
    assertThat(ItemFactorRow.fromRow(written)).isEqualTo(row);
    assertThat(row.dimensions()).isEqualTo(2);
  }

  @Test
  void anItemFactorRowRefusesEmbeddingsTheModelCannotScoreNamingTheColumn() {
    assertThatThrownBy(() -> new ItemFactorRow("p", new double[] {1}, new double[] {1, 2}, 0, "v", 0, T))
        .hasMessageStartingWith("target_embedding: has 2 values, context_embedding has 1");
    assertThatThrownBy(() -> new ItemFactorRow("p", new double[0], new double[0], 0, "v", 0, T))
        .hasMessageStartingWith("context_embedding: must not be empty");
    assertThatThrownBy(() -> new ItemFactorRow("p", new double[] {Double.NaN}, new double[] {1}, 0, "v", 0, T))
        .hasMessageStartingWith("context_embedding[0]: must be a finite number");
    assertThatThrownBy(() -> new ItemFactorRow("p", new double[] {1}, new double[] {1}, Double.POSITIVE_INFINITY, "v", 0, T))
        .hasMessageStartingWith("bias: must be a finite number");
    Map<String, Object> row = new HashMap<>(new ItemFactorRow("p", new double[] {1}, new double[] {1}, 0, "v", 0, T).toRow());
    row.put(ItemFactorRow.TARGET, List.of("x"));
    assertThatThrownBy(() -> ItemFactorRow.fromRow(row)).hasMessage("target_embedding[0]: must be a number");
  }

  @Test
  void aSessionRowHasTheTablesColumnsWithTheirValueTypesAndRoundTrips() {
    SessionRow row = new SessionRow("u-1", T, T.plusSeconds(90), 3, List.of("p-2", "p-1"), true, 25.5,
        T.plusSeconds(120));

    Map<String, Object> written = row.toRow();

    assertThat(written.keySet()).containsExactlyElementsOf(columns(TableSchemas.sessions()));
    assertThat(written).containsEntry(SessionRow.SESSION_START, "2026-11-22T10:00:00.123Z")
        .containsEntry(SessionRow.SESSION_END, "2026-11-22T10:01:30.123Z")
        .containsEntry(SessionRow.EVENTS, 3L).containsEntry(SessionRow.CONVERTED, true)
        .containsEntry(SessionRow.REVENUE, 25.5).containsEntry(SessionRow.PRODUCTS, List.of("p-2", "p-1"))
        .containsEntry(SessionRow.UPDATED_AT, "2026-11-22T10:02:00.123Z");
    assertThat(SessionRow.fromRow(written)).isEqualTo(row);
  }

  @Test
  void aSessionRowWithoutProductsReadsAsNone() {
    Map<String, Object> written = new HashMap<>(
        new SessionRow("u-1", T, T, 1, List.of(), false, 0, T).toRow());
    written.remove(SessionRow.PRODUCTS);

    assertThat(SessionRow.fromRow(written).products()).isEmpty();
  }

  @Test
  void aProductTrendRowHasTheTablesColumnsAndRoundTrips() {
    ProductTrendRow row = new ProductTrendRow("p-1", "view", T, T.plusSeconds(3600), 4, 7, "ON_TIME",
        T.plusSeconds(3700));

    Map<String, Object> written = row.toRow();

    assertThat(written.keySet()).containsExactlyElementsOf(columns(TableSchemas.productTrends()));
    assertThat(written).containsEntry(ProductTrendRow.WINDOW_START, "2026-11-22T10:00:00.123Z")
        .containsEntry(ProductTrendRow.WINDOW_END, "2026-11-22T11:00:00.123Z")
        .containsEntry(ProductTrendRow.EVENTS, 4L).containsEntry(ProductTrendRow.UNITS, 7L)
        .containsEntry(ProductTrendRow.TIMING, "ON_TIME");
    assertThat(ProductTrendRow.fromRow(written)).isEqualTo(row);
  }

  @Test
  void aProductTrendRowOfUnknownTimingLeavesTheOptionalColumnOut() {
    ProductTrendRow row = new ProductTrendRow("p-1", "view", T, T.plusSeconds(3600), 4, 7, null, T);

    Map<String, Object> written = row.toRow();

    List<String> required = columns(TableSchemas.productTrends()).stream()
        .filter(c -> !c.equals(ProductTrendRow.TIMING)).toList();
    assertThat(written.keySet()).containsExactlyElementsOf(required);
    assertThat(ProductTrendRow.fromRow(written)).isEqualTo(row);
  }

  @Test
  void aProductRowHasTheTablesColumnsAndRoundTrips() {
    Product product = new Product("p-1", "Red shoes", "shoes", 49.5, "EUR", false, Map.of("size", "42", "color", "red"),
        T);

    Map<String, Object> written = ProductRow.toRow(product);

    assertThat(written.keySet()).containsExactlyElementsOf(columns(TableSchemas.products()));
    assertThat(written).containsEntry(ProductRow.PRICE, 49.5).containsEntry(ProductRow.AVAILABLE, false)
        .containsEntry(ProductRow.ATTRIBUTES, "{\"color\":\"red\",\"size\":\"42\"}")
        .containsEntry(ProductRow.UPDATED_AT, "2026-11-22T10:00:00.123Z");
    assertThat(written).isEqualTo(Rows.product(product));
    assertThat(ProductRow.fromRow(written)).isEqualTo(product);
  }

  @Test
  void aProductRowLeavesAbsentOptionalColumnsOutAndReadsThemAsNull() {
    Product product = new Product("p-1", null, null, null, null, null, Map.of(), T);

    Map<String, Object> written = ProductRow.toRow(product);

    assertThat(written.keySet()).containsExactly(ProductRow.PRODUCT_ID, ProductRow.UPDATED_AT);
    assertThat(ProductRow.fromRow(written)).isEqualTo(product);
    Map<String, Object> noTime = new HashMap<>(written);
    noTime.remove(ProductRow.UPDATED_AT);
    assertThatThrownBy(() -> ProductRow.fromRow(noTime)).hasMessage("updated_at: is required");
  }

  @Test
  void readingARowWithoutARequiredColumnNamesTheColumn() {
    Map<String, Object> row = new HashMap<>(new ItemNeighborRow("p-1", "p-2", "co_view", 0.5, 1, 3.0, T).toRow());
    row.remove(ItemNeighborRow.NEIGHBOR_ID);

    assertThatThrownBy(() -> ItemNeighborRow.fromRow(row)).hasMessage("neighbor_id: is required");
    assertThatThrownBy(() -> UserActivityRow.fromRow(Map.of(UserActivityRow.USER_ID, "u")))
        .hasMessage("updated_at: is required");
    Map<String, Object> session = new HashMap<>(new SessionRow("u", T, T, 1, List.of(), false, 0, T).toRow());
    session.remove(SessionRow.SESSION_START);
    assertThatThrownBy(() -> SessionRow.fromRow(session)).hasMessage("session_start: is required");
    Map<String, Object> trend = new HashMap<>(new ProductTrendRow("p", "view", T, T, 1, 1, "LATE", T).toRow());
    trend.remove(ProductTrendRow.UNITS);
    assertThatThrownBy(() -> ProductTrendRow.fromRow(trend)).hasMessage("units: is required");
  }

  /** A query's answer as a map of the selected columns to their (driver-typed) values. */
  private record Answered(Map<String, Object> values) implements ColumnSource {
    @Override
    public boolean has(String column) {
      return values.containsKey(column);
    }

    @Override
    public Object value(String column, Kind kind) {
      if (!values.containsKey(column)) {
        throw new IllegalArgumentException("not selected: " + column);
      }
      Object v = values.get(column);
      return switch (kind) {
        case NUMBER -> v == null ? null : ((Number) v).doubleValue();
        case INTEGER -> v == null ? null : ((Number) v).longValue();
        default -> v;
      };
    }
  }

  private static Answered answered(Object... columnsAndValues) {
    Map<String, Object> values = new HashMap<>();
    for (int i = 0; i < columnsAndValues.length; i += 2) {
      values.put((String) columnsAndValues[i], columnsAndValues[i + 1]);
    }
    return new Answered(values);
  }

  @Test
  void theColumnListsTheStoresSelectAreTheTablesColumns() {
    assertThat(ItemNeighborRow.COLUMNS).isEqualTo(columns(TableSchemas.itemNeighbors()));
    assertThat(ItemFactorRow.COLUMNS).isEqualTo(columns(TableSchemas.itemFactors()));
    assertThat(ProductTrendRow.COLUMNS).isEqualTo(columns(TableSchemas.productTrends()));
    assertThat(ProductRow.COLUMNS).isEqualTo(columns(TableSchemas.products()));
    assertThat(ColumnSource.selectList(List.of(ProductRow.PRODUCT_ID, ProductRow.TITLE))).isEqualTo("product_id, title");
  }

  @Test
  void aQueryAnswersItemFactorRowReadsAsTheTypedRowAndABadOneNamesTheColumn() {
    ItemFactorRow row = new ItemFactorRow("p-1", new double[] {0.5, -0.25}, new double[] {1.5, 0}, -0.75, "run-1", 42, T);
    Map<String, Object> values = new HashMap<>(Map.of(ItemFactorRow.PRODUCT_ID, "p-1",
        ItemFactorRow.CONTEXT, new double[] {0.5, -0.25}, ItemFactorRow.TARGET, new double[] {1.5, 0},
        ItemFactorRow.BIAS, -0.75, ItemFactorRow.MODEL_VERSION, "run-1", ItemFactorRow.MODEL_STEPS, 42L,
        ItemFactorRow.UPDATED_AT, T));

    assertThat(ItemFactorRow.from(new Answered(values))).isEqualTo(row);
    values.put(ItemFactorRow.TARGET, new double[] {1.5, Double.NaN}); // a NULL element reads as NaN
    assertThatThrownBy(() -> ItemFactorRow.from(new Answered(values)))
        .hasMessageStartingWith("target_embedding[1]: must be a finite number");
    values.put(ItemFactorRow.TARGET, null);
    assertThatThrownBy(() -> ItemFactorRow.from(new Answered(values))).hasMessage("target_embedding: is required");
  }

  @Test
  void aQueryAnswersRowReadsAsTheTypedRow() {
    assertThat(ItemNeighborRow.from(answered("product_id", "p-1", "neighbor_id", "p-2", "signal", "co_view",
        "score", 0.5, "rank", 1L, "co_count", null, "updated_at", T)))
        .isEqualTo(new ItemNeighborRow("p-1", "p-2", "co_view", 0.5, 1, 0, T));
    assertThat(ProductTrendRow.from(answered("product_id", "p-1", "event_type", "view", "window_start", T,
        "window_end", T.plusSeconds(60), "events", 4L, "units", 7L, "updated_at", T)))
        .isEqualTo(new ProductTrendRow("p-1", "view", T, T.plusSeconds(60), 4, 7, null, T));
    // the serving catalog selects no prices or attributes: they read as absent
    assertThat(ProductRow.from(answered("product_id", "p-1", "title", "Teapot", "category", null,
        "available", false, "updated_at", T)))
        .isEqualTo(new Product("p-1", "Teapot", null, null, null, false, Map.of(), T));
    assertThat(ProductRow.from(answered("product_id", "p-1", "price", 2.5, "attributes", "{\"colour\":\"red\"}",
        "updated_at", T))).isEqualTo(new Product("p-1", null, null, 2.5, null, null, Map.of("colour", "red"), T));
  }

  @Test
  void aQueryAnswersRowWithoutARequiredValueNamesTheColumn() {
    assertThatThrownBy(() -> ProductRow.from(answered("product_id", "p-1", "updated_at", null)))
        .hasMessage("updated_at: is required");
    assertThatThrownBy(() -> ProductTrendRow.from(answered("product_id", "p-1", "event_type", "view",
        "window_start", T, "window_end", T, "events", 4L, "updated_at", T)))
        .hasMessageContaining("units");
    assertThatThrownBy(() -> ItemNeighborRow.from(answered("product_id", "p-1", "neighbor_id", null)))
        .hasMessage("neighbor_id: is required");
  }
}
