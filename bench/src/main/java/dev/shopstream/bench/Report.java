package dev.shopstream.bench;

import java.util.ArrayList;
import java.util.List;

/** A Markdown table of load results, each row with its ratio to a baseline row of the same run. */
public final class Report {
  private final String title;
  private final List<String> rows = new ArrayList<>();

  public Report(String title) {
    this.title = title;
  }

  /** Adds {@code result}; {@code baseline} (may be null) is the row it is compared with. */
  public Report add(LoadGenerator.Result result, LoadGenerator.Result baseline, int unitsPerRequest) {
    String ratio = baseline == null || baseline.throughput() == 0 ? "-"
        : String.format("%.0f%%", 100 * result.throughput() / baseline.throughput());
    rows.add(String.format("| %s | %d | %d | %.0f | %.0f | %.2f | %.2f | %.2f | %.2f | %s |", result.label(),
        result.requests(), result.failed() + result.unfinished(), result.throughput(),
        result.throughput() * unitsPerRequest, result.millis(50), result.millis(99), result.millis(99.9),
        result.maxMillis(), ratio));
    return this;
  }

  public Report note(String text) {
    rows.add("");
    rows.add(text);
    return this;
  }

  public void print() {
    System.out.println();
    System.out.println("### " + title);
    System.out.println();
    System.out.println("| run | requests | failed | req/s | units/s | p50 ms | p99 ms | p99.9 ms | max ms | vs baseline |");
    System.out.println("|---|---|---|---|---|---|---|---|---|---|");
    rows.forEach(System.out::println);
    System.out.flush();
  }
}
