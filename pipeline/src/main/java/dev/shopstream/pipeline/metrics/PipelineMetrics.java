package dev.shopstream.pipeline.metrics;

import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.GaugeResult;
import org.apache.beam.sdk.metrics.MetricNameFilter;
import org.apache.beam.sdk.metrics.MetricQueryResults;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricsFilter;

/**
 * The pipeline's counters and watermark lag from {@link PipelineResult#metrics()}, in one flat snapshot for logs and
 * benches: counters as {@code <namespace>.<name>} (a class namespace shortened to its simple name, e.g.
 * {@code DedupeEvents.duplicates}, {@code duckdb.events.rows_written}), summed over the steps that report them
 * (attempted values: the DirectRunner has no committed ones), and the watermark lag in milliseconds from
 * {@link WatermarkProbe} ({@code null} until the probe has reported).
 */
public record PipelineMetrics(Map<String, Long> counters, Long watermarkLagMillis) {

  public PipelineMetrics {
    counters = Map.copyOf(counters);
  }

  /** The metrics of a running or finished pipeline, the lag measured against {@code now}. */
  public static PipelineMetrics of(PipelineResult result, Instant now) {
    MetricQueryResults all = result.metrics().allMetrics();
    Map<String, Long> counters = new TreeMap<>();
    for (MetricResult<Long> c : all.getCounters()) {
      counters.merge(shortNamespace(c.getName().getNamespace()) + "." + c.getName().getName(), c.getAttempted(),
          Long::sum);
    }
    Long lag = null;
    for (MetricResult<GaugeResult> g : result.metrics().queryMetrics(MetricsFilter.builder()
        .addNameFilter(MetricNameFilter.named(WatermarkProbe.NAMESPACE, WatermarkProbe.WATERMARK)).build())
        .getGauges()) {
      GaugeResult gauge = g.getAttempted();
      if (gauge != null && gauge.getValue() > 0) {
        long l = Math.max(0, now.toEpochMilli() - gauge.getValue());
        lag = lag == null ? l : Math.min(lag, l);
      }
    }
    return new PipelineMetrics(counters, lag);
  }

  /** A counter's value, 0 when it was never incremented. */
  public long counter(String name) {
    return counters.getOrDefault(name, 0L);
  }

  /** {@code dev.shopstream....ParseEvents} to {@code ParseEvents}; other namespaces unchanged. */
  public static String shortNamespace(String namespace) {
    return namespace.startsWith("dev.shopstream.") ? namespace.substring(namespace.lastIndexOf('.') + 1) : namespace;
  }
}
