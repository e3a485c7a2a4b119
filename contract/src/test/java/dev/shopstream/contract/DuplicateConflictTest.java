package dev.shopstream.contract;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The duplicate_conflict dead letter keeps the exact bytes it had before its names moved to the contract. */
class DuplicateConflictTest {
  private static final Event DROPPED = new Event("e-a", EventType.VIEW, "u-1", null,
      Instant.parse("2026-11-22T10:00:00Z"), List.of(new ProductLine("sku-1", 1, null)), null, null, Map.of());

  @Test
  void thePayloadPointsAtTheKeptEventsRowAndHoldsTheDroppedOneWhole() {
    assertThat(DuplicateConflict.payload(DROPPED, 0xffL)).isEqualTo(
        "{\"kept\":{\"event_id\":\"e-a\",\"fingerprint\":\"00000000000000ff\",\"stored_in\":\"events\"},"
            + "\"dropped\":" + EventCodec.encode(DROPPED) + "}");
    assertThat(DuplicateConflict.payload(DROPPED, -1L)).contains("\"fingerprint\":\"ffffffffffffffff\"");
  }

  @Test
  void theAttributesAndErrorNameTheId() {
    assertThat(DuplicateConflict.attributes(DROPPED)).isEqualTo(Map.of("event_id", "e-a"));
    assertThat(DuplicateConflict.error(DROPPED)).isEqualTo("duplicate_conflict: event_id e-a was already used by an "
        + "event with different content; the first one is kept, this one is dropped (payload: kept and dropped)");
  }
}
