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
  void readingARowWithoutARequiredColumnNamesTheColumn() {
    Map<String, Object> row = new HashMap<>(new ItemNeighborRow("p-1", "p-2", "co_view", 0.5, 1, 3.0, T).toRow());
    row.remove(ItemNeighborRow.NEIGHBOR_ID);

    assertThatThrownBy(() -> ItemNeighborRow.fromRow(row)).hasMessage("neighbor_id: is required");
    assertThatThrownBy(() -> UserActivityRow.fromRow(Map.of(UserActivityRow.USER_ID, "u")))
        .hasMessage("updated_at: is required");
  }
}
