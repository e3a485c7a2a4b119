package dev.shopstream.terraform;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shopstream.terraform.TerraformConfig.Block;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The monitoring (monitoring.tf) shows and alerts on what the issue asks for, and its log-based metrics match the
 * log lines the functions really write (their source is read here, so a changed message fails the build).
 */
class TerraformMonitoringTest {
  static final Path FUNCTIONS = TerraformCodeAgreementTest.FUNCTIONS_SRC;

  static TerraformConfig tf;

  @BeforeAll
  static void load() {
    tf = TerraformConfig.load();
  }

  @Test
  void theDashboardShowsDataFlowFailuresAndPerformance() {
    String charts = tf.ofType("locals").map(b -> b.text("charts")).flatMap(Optional::stream).findFirst()
        .orElseThrow(() -> new AssertionError("no local.charts"));
    String locals = String.join("\n", tf.ofType("locals").map(b -> TerraformConfig.print(b.tree())).toList());
    for (String metric : List.of("request_count", "request_latencies")) {
      for (String service : List.of("local.ingest_service", "local.recommend_service")) {
        assertThat(charts).as("a chart of %s of %s", metric, service)
            .containsPattern("format\\(local\\.run_filter, " + Pattern.quote(service) + ", \"" + metric + "\"\\)");
      }
    }
    assertThat(charts).contains("REDUCE_PERCENTILE_50").contains("REDUCE_PERCENTILE_99")
        .contains("response_code_class")
        .contains("subscription/num_undelivered_messages").contains("subscription/oldest_unacked_message_age")
        .contains("\"system_lag\"").contains("\"data_watermark_age\"")
        .contains("\"user_counter\"").contains("dead_lettered").contains("metric.label.ptransform")
        .contains("google_logging_metric.upload_outcomes").contains("google_logging_metric.recommend_stale")
        .contains("google_logging_metric.ingest_unacknowledged").contains("local.dead_letters_filter");
    assertThat(locals).contains("resource.labels.job_name=\\\"${local.dataflow_job_name}\\\"");
    assertThat(tf.resource("google_monitoring_dashboard", "shopstream").text("dashboard_json").orElse(""))
        .contains("for c in local.charts");
  }

  @Test
  void theAlertsCoverTheIssuesListAndNotifyTheChannelVariable() {
    List<Block> policies = tf.resources("google_monitoring_alert_policy").toList();
    assertThat(policies).extracting(b -> b.label(1))
        .contains("dead_letters", "backlog_age", "serving", "job_not_running");
    for (Block p : policies) {
      assertThat(p.text("notification_channels")).as(p.where()).hasValue("var.notification_channels");
      assertThat(p.block("documentation")).as("%s: tells the reader what to do", p.where()).isPresent();
      assertThat(p.blocks("conditions")).as(p.where()).isNotEmpty();
    }
    String serving = TerraformConfig.print(tf.resource("google_monitoring_alert_policy", "serving").tree());
    assertThat(serving).contains("5xx").contains("google_logging_metric.recommend_stale");
    String job = TerraformConfig.print(tf.resource("google_monitoring_alert_policy", "job_not_running").tree());
    assertThat(job).contains("condition_absent").contains("\"is_failed\"");
    assertThat(TerraformConfig.print(tf.resource("google_monitoring_alert_policy", "backlog_age").tree()))
        .contains("oldest_unacked_message_age").contains("var.alert_backlog_age_seconds");
  }

  /** The upload summary line: "gs://bucket/object: status[ (reason)] {json}" for every status the code sets. */
  @Test
  void theUploadOutcomeMetricMatchesTheUploadFunctionsLogLines() throws IOException {
    String code = Files.readString(FUNCTIONS.resolve("upload/UploadFunction.java"));
    assertThat(code).contains("LOG.log(level, run.object.uri() + \": \" + status + (reason == null ? \"\" : \" (\" + reason + \")\") + \" summary \"");
    List<String> statuses = new ArrayList<>();
    Matcher m = Pattern.compile("\"(succeeded|succeeded_with_rejections|failed|publish_failed|backfill_launched|"
        + "backfill_already_running)\"").matcher(code);
    while (m.find()) {
      if (!statuses.contains(m.group(1))) {
        statuses.add(m.group(1));
      }
    }
    assertThat(statuses).contains("succeeded", "succeeded_with_rejections", "failed", "publish_failed",
        "backfill_launched", "backfill_already_running");
    Block metric = tf.resource("google_logging_metric", "upload_outcomes");
    Pattern filter = messageRegex(metric);
    Pattern extractor = extractor(metric, "status");
    for (String status : statuses) {
      String line = "gs://my-shop-uploads/events/2026/a b.jsonl: " + status
          + " (why) summary errors/events/2026/a b.jsonl.summary.json {\"status\":\"" + status + "\"}";
      assertThat(filter.matcher(line).find()).as(line).isTrue();
      Matcher e = extractor.matcher(line);
      assertThat(e.find() && e.group(1).equals(status)).as("status label of %s", line).isTrue();
    }
    for (String notAnOutcome : List.of("gs://b/o: progress {\"rows_read\":10}", "gs://b/o: unreadable gzip",
        "gs://b/o: 300000000 bytes is above BACKFILL_THRESHOLD_BYTES", "ignored gs://b/o: only objects under")) {
      assertThat(filter.matcher(notAnOutcome).find()).as("not an outcome: %s", notAnOutcome).isFalse();
    }
  }

  @Test
  void theStaleMetricMatchesTheRequestLineOfAStaleAnswer() throws IOException {
    assertThat(Files.readString(FUNCTIONS.resolve("http/JsonHttpFunction.java")))
        .contains("request.getMethod() + \" \" + request.getPath() + \" -> \"")
        .contains("+ reply.status() + (details.isEmpty() ? \"\" : \" \" + details)");
    assertThat(Files.readString(FUNCTIONS.resolve("recommend/AnswerWriter.java")))
        .contains("\"items=\" + items.size() + (stale ? \" stale\" : \"\")");
    Pattern filter = messageRegex(tf.resource("google_logging_metric", "recommend_stale"));
    assertThat(filter.matcher("GET /recommendations -> 200 items=10 stale").find()).isTrue();
    assertThat(filter.matcher("GET /products/p1/similar -> 200 items=0 stale").find()).isTrue();
    assertThat(filter.matcher("GET /recommendations -> 200 items=10").find()).isFalse();
    assertThat(filter.matcher("GET /recommendations -> 503").find()).isFalse();
  }

  @Test
  void theUnacknowledgedMetricMatchesTheIngestWarning() throws IOException {
    assertThat(Files.readString(FUNCTIONS.resolve("ingest/IngestFunction.java")))
        .contains("\"Pub/Sub did not acknowledge \" + unacknowledged.size()");
    Pattern filter = messageRegex(tf.resource("google_logging_metric", "ingest_unacknowledged"));
    assertThat(filter.matcher("Pub/Sub did not acknowledge 3 of 10 events").find()).isTrue();
  }

  /** Every log-based metric reads the structured message of one function's Cloud Run service. */
  @Test
  void logMetricsReadAFunctionsStructuredMessage() {
    Map<String, String> services = Map.of("upload_outcomes", "local.upload_service",
        "recommend_stale", "local.recommend_service", "ingest_unacknowledged", "local.ingest_service");
    tf.resources("google_logging_metric").forEach(b -> {
      String filter = b.text("filter").orElse("");
      assertThat(filter).as(b.where()).contains("resource.type=\\\"cloud_run_revision\\\"")
          .contains("jsonPayload.message=~");
      assertThat(filter).as(b.where()).contains("${" + services.get(b.label(1)) + "}");
    });
  }

  /** The regex of {@code jsonPayload.message=~"..."} in a metric's filter, unescaped from HCL. */
  private static Pattern messageRegex(Block metric) {
    String filter = metric.text("filter").orElseThrow();
    Matcher m = Pattern.compile("jsonPayload\\.message=~\\\\\"(.*?)\\\\\"\"?$").matcher(filter);
    assertThat(m.find()).as("%s: a jsonPayload.message=~ regex in %s", metric.where(), filter).isTrue();
    return Pattern.compile(unescape(m.group(1)));
  }

  private static Pattern extractor(Block metric, String label) {
    String extractors = metric.text("label_extractors").orElseThrow();
    Matcher m = Pattern.compile(label + "\\s*=\\s*\"REGEXP_EXTRACT\\(jsonPayload\\.message, \\\\\"(.*?)\\\\\"\\)\"")
        .matcher(extractors);
    assertThat(m.find()).as("%s: a REGEXP_EXTRACT for %s in %s", metric.where(), label, extractors).isTrue();
    return Pattern.compile(unescape(m.group(1)));
  }

  private static String unescape(String hcl) {
    return hcl.replace("\\\\", "\\");
  }
}
