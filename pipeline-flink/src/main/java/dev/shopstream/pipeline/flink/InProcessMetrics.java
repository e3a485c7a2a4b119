package dev.shopstream.pipeline.flink;

import dev.shopstream.pipeline.metrics.PipelineMetrics;
import dev.shopstream.pipeline.metrics.WatermarkProbe;
import java.time.Instant;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Metric;
import org.apache.flink.metrics.MetricConfig;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.reporter.MetricReporter;
import org.apache.flink.metrics.reporter.MetricReporterFactory;

/**
 * The Beam metrics of a pipeline running on the embedded Flink cluster of this JVM, read live. Beam's Flink runner
 * hands a streaming job's counters to the {@link PipelineResult} only when the job ends; while it runs it reports
 * them (after every bundle) as Flink metrics named {@code <namespace>.<name>}, one per operator instance. This
 * reporter, registered in the embedded cluster's configuration ({@link EmbeddedFlink}), keeps a reference to each;
 * {@link #snapshot} sums them per name into the same {@link PipelineMetrics} the other runners give.
 */
public final class InProcessMetrics implements MetricReporter, MetricReporterFactory {
  /** The reporter's name in the Flink configuration. */
  static final String NAME = "shopstream";
  private static final Map<Metric, String> METRICS = new ConcurrentHashMap<>();

  @Override
  public MetricReporter createMetricReporter(Properties properties) {
    return new InProcessMetrics();
  }

  @Override
  public void open(MetricConfig config) {}

  @Override
  public void close() {}

  @Override
  public void notifyOfAddedMetric(Metric metric, String name, MetricGroup group) {
    // Beam's metric names hold their namespace: Flink's own (numRecordsIn, ...) have none
    if (name.indexOf('.') > 0 && (metric instanceof Counter || metric instanceof Gauge<?>)) {
      METRICS.put(metric, name);
    }
  }

  @Override
  public void notifyOfRemovedMetric(Metric metric, String name, MetricGroup group) {
    METRICS.remove(metric);
  }

  /**
   * The counters of the running job, summed over operators and instances, as {@code <short namespace>.<name>}, and
   * the watermark lag against {@code now} ({@link WatermarkProbe}'s gauge; null until it has reported). Counters
   * start from zero at every start of the job: they count this run's work.
   */
  public static PipelineMetrics snapshot(Instant now) {
    Map<String, Long> counters = new TreeMap<>();
    Long lag = null;
    String watermark = WatermarkProbe.NAMESPACE + "." + WatermarkProbe.WATERMARK;
    for (Map.Entry<Metric, String> e : METRICS.entrySet()) {
      String name = e.getValue();
      if (e.getKey() instanceof Counter c) {
        int dot = name.lastIndexOf('.');
        counters.merge(PipelineMetrics.shortNamespace(name.substring(0, dot)) + name.substring(dot), c.getCount(),
            Long::sum);
      } else if (name.equals(watermark) && e.getKey() instanceof Gauge<?> g && g.getValue() instanceof Number n
          && n.longValue() > 0) {
        long l = Math.max(0, now.toEpochMilli() - n.longValue());
        lag = lag == null ? l : Math.min(lag, l);
      }
    }
    return new PipelineMetrics(counters, lag);
  }
}
