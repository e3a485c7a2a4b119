package dev.shopstream.pipeline.transforms;

import com.google.api.services.bigquery.model.TableRow;
import dev.shopstream.contract.Event;
import dev.shopstream.contract.EventType;
import dev.shopstream.contract.ProductLine;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.windowing.PaneInfo;
import org.apache.beam.sdk.values.TimestampedValue;
import org.joda.time.Instant;

/** Events at given times and rows described as one line each (with their pane's timing), for windowing tests. */
final class WindowedEvents {
  static final String DAY = "2026-11-22T";

  private WindowedEvents() {}

  static Instant at(String hhmm) {
    return Instant.parse(DAY + hhmm + ":00Z");
  }

  static TimestampedValue<Event> event(String id, EventType type, String user, String hhmm, ProductLine... lines) {
    Event e = new Event(id, type, user, null, java.time.Instant.parse(DAY + hhmm + ":00Z"), List.of(lines), null,
        null, Map.of());
    return TimestampedValue.of(e, at(hhmm));
  }

  /** A row as {@code col=value ...} in the table's column order, then {@code @TIMING} of its pane. */
  static final class DescribeFn extends DoFn<TableRow, String> {
    private final List<String> columns;

    DescribeFn(String... columns) {
      this.columns = List.of(columns);
    }

    @ProcessElement
    public void process(@Element TableRow row, PaneInfo pane, OutputReceiver<String> out) {
      StringBuilder s = new StringBuilder();
      for (String c : columns) {
        s.append(c).append('=').append(row.get(c)).append(' ');
      }
      out.output(s.append('@').append(pane.getTiming()).toString());
    }
  }
}
