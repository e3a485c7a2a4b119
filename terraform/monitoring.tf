# Monitoring: one dashboard for data flow, failures and performance; alert policies sent to
# var.notification_channels; log-based metrics where Google has no built-in metric. The functions log through the
# Functions Framework's JSON handler on Cloud Run (K_SERVICE set), so each log line is jsonPayload.message:
#   - every HTTP request: "<METHOD> <path> -> <status>[ <details>]", recommend's 200s end in " items=N" or
#     " items=N stale" (JsonHttpFunction, RecommendFunction);
#   - every upload: "gs://<bucket>/<object>: <status>[ (<reason>)] {summary}" (object names may hold spaces) with status succeeded,
#     succeeded_with_rejections, failed, publish_failed, backfill_launched, backfill_already_running (UploadFunction);
#   - ingest when Pub/Sub did not acknowledge: "Pub/Sub did not acknowledge N of M events ..." (IngestFunction).
locals {
  ingest_service    = google_cloudfunctions2_function.ingest.name
  recommend_service = google_cloudfunctions2_function.recommend.name
  upload_service    = google_cloudfunctions2_function.upload.name
  dataflow_job_name = google_dataflow_flex_template_job.events.name

  # Cloud Run's built-in metrics of a function (gen2 functions are Cloud Run services of the same name).
  run_filter = "resource.type=\"cloud_run_revision\" AND resource.labels.service_name=\"%s\" AND metric.type=\"run.googleapis.com/%s\""

  pipeline_subscription_ids = [
    google_pubsub_subscription.events_pipeline.name,
    google_pubsub_subscription.catalog_pipeline.name,
  ]
  dead_letter_topic_ids = [
    google_pubsub_topic.events_dead_letter.name,
    google_pubsub_topic.catalog_dead_letter.name,
  ]
  all_subscription_ids = concat(local.pipeline_subscription_ids, [
    google_pubsub_subscription.events_dead_letter_hold.name,
    google_pubsub_subscription.catalog_dead_letter_hold.name,
  ])
  subscriptions_filter = "resource.type=\"pubsub_subscription\" AND resource.labels.subscription_id=one_of(${join(",", [for s in local.all_subscription_ids : "\"${s}\""])})"
  dead_letters_filter  = "resource.type=\"pubsub_topic\" AND resource.labels.topic_id=one_of(${join(",", [for t in local.dead_letter_topic_ids : "\"${t}\""])}) AND metric.type=\"pubsub.googleapis.com/topic/send_message_operation_count\""
  dataflow_filter      = "resource.type=\"dataflow_job\" AND resource.labels.job_name=\"${local.dataflow_job_name}\" AND metric.type=\"dataflow.googleapis.com/job/%s\""
  log_metric_filter    = "metric.type=\"logging.googleapis.com/user/%s\""

  # Dashboard charts: title, and one or more series (filter, aligner, reducer, group by, legend).
  charts = [
    { title = "Ingest requests by response class (/s)", series = [
      { filter = format(local.run_filter, local.ingest_service, "request_count"), aligner = "ALIGN_RATE", reducer = "REDUCE_SUM", group_by = ["metric.label.response_code_class"] },
    ] },
    { title = "Ingest latency p50 / p99 (includes waiting for Pub/Sub's publish acknowledgements)", series = [
      { filter = format(local.run_filter, local.ingest_service, "request_latencies"), aligner = "ALIGN_DELTA", reducer = "REDUCE_PERCENTILE_50", group_by = [] },
      { filter = format(local.run_filter, local.ingest_service, "request_latencies"), aligner = "ALIGN_DELTA", reducer = "REDUCE_PERCENTILE_99", group_by = [] },
    ] },
    { title = "Ingest publishes not acknowledged by Pub/Sub (/s)", series = [
      { filter = format(local.log_metric_filter, google_logging_metric.ingest_unacknowledged.name), aligner = "ALIGN_RATE", reducer = "REDUCE_SUM", group_by = [] },
    ] },
    { title = "Pub/Sub backlog per subscription (messages)", series = [
      { filter = "${local.subscriptions_filter} AND metric.type=\"pubsub.googleapis.com/subscription/num_undelivered_messages\"", aligner = "ALIGN_MEAN", reducer = "REDUCE_SUM", group_by = ["resource.label.subscription_id"] },
    ] },
    { title = "Oldest unacked message age per subscription (s)", series = [
      { filter = "${local.subscriptions_filter} AND metric.type=\"pubsub.googleapis.com/subscription/oldest_unacked_message_age\"", aligner = "ALIGN_MAX", reducer = "REDUCE_MAX", group_by = ["resource.label.subscription_id"] },
    ] },
    { title = "Dataflow system lag (s)", series = [
      { filter = format(local.dataflow_filter, "system_lag"), aligner = "ALIGN_MAX", reducer = "REDUCE_MAX", group_by = [] },
    ] },
    { title = "Dataflow data freshness: data watermark age (s)", series = [
      { filter = format(local.dataflow_filter, "data_watermark_age"), aligner = "ALIGN_MAX", reducer = "REDUCE_MAX", group_by = [] },
    ] },
    { title = "Dead letters per step (pipeline counters dead_lettered, rows_rejected; cumulative)", series = [
      { filter = "${format(local.dataflow_filter, "user_counter")} AND metric.label.metric_name=one_of(\"dead_lettered\",\"rows_rejected\")", aligner = "ALIGN_MAX", reducer = "REDUCE_MAX", group_by = ["metric.label.ptransform", "metric.label.metric_name"] },
    ] },
    { title = "Messages published to the dead-letter topics (/s)", series = [
      { filter = local.dead_letters_filter, aligner = "ALIGN_RATE", reducer = "REDUCE_SUM", group_by = ["resource.label.topic_id"] },
    ] },
    { title = "Upload outcomes (per minute)", series = [
      { filter = format(local.log_metric_filter, google_logging_metric.upload_outcomes.name), aligner = "ALIGN_DELTA", reducer = "REDUCE_SUM", group_by = ["metric.label.status"] },
    ] },
    { title = "Serving latency p50 / p99", series = [
      { filter = format(local.run_filter, local.recommend_service, "request_latencies"), aligner = "ALIGN_DELTA", reducer = "REDUCE_PERCENTILE_50", group_by = [] },
      { filter = format(local.run_filter, local.recommend_service, "request_latencies"), aligner = "ALIGN_DELTA", reducer = "REDUCE_PERCENTILE_99", group_by = [] },
    ] },
    { title = "Serving responses by class and stale answers (/s)", series = [
      { filter = format(local.run_filter, local.recommend_service, "request_count"), aligner = "ALIGN_RATE", reducer = "REDUCE_SUM", group_by = ["metric.label.response_code_class"] },
      { filter = format(local.log_metric_filter, google_logging_metric.recommend_stale.name), aligner = "ALIGN_RATE", reducer = "REDUCE_SUM", group_by = [] },
    ] },
  ]
}

resource "google_logging_metric" "upload_outcomes" {
  name        = "${local.prefix}/upload_outcomes"
  description = "Files the upload function finished, by outcome (status of its summary line)."
  filter      = "resource.type=\"cloud_run_revision\" AND resource.labels.service_name=\"${local.upload_service}\" AND jsonPayload.message=~\"^gs://.+?: (succeeded|succeeded_with_rejections|failed|publish_failed|backfill_launched|backfill_already_running)( |$)\""

  metric_descriptor {
    metric_kind = "DELTA"
    value_type  = "INT64"
    unit        = "1"

    labels {
      key         = "status"
      value_type  = "STRING"
      description = "succeeded, succeeded_with_rejections, failed, publish_failed, backfill_launched or backfill_already_running"
    }
  }

  label_extractors = {
    status = "REGEXP_EXTRACT(jsonPayload.message, \"^gs://.+?: (succeeded|succeeded_with_rejections|failed|publish_failed|backfill_launched|backfill_already_running)(?: |$)\")"
  }

  depends_on = [google_project_service.apis]
}

resource "google_logging_metric" "recommend_stale" {
  name        = "${local.prefix}/recommend_stale_answers"
  description = "Recommend answers served from a stale snapshot (the last refresh failed or is too old)."
  filter      = "resource.type=\"cloud_run_revision\" AND resource.labels.service_name=\"${local.recommend_service}\" AND jsonPayload.message=~\" -> 200 items=[0-9]+ stale$\""

  metric_descriptor {
    metric_kind = "DELTA"
    value_type  = "INT64"
    unit        = "1"
  }

  depends_on = [google_project_service.apis]
}

resource "google_logging_metric" "ingest_unacknowledged" {
  name        = "${local.prefix}/ingest_unacknowledged"
  description = "Ingest requests in which Pub/Sub did not acknowledge some events within PUBLISH_TIMEOUT."
  filter      = "resource.type=\"cloud_run_revision\" AND resource.labels.service_name=\"${local.ingest_service}\" AND jsonPayload.message=~\"^Pub/Sub did not acknowledge\""

  metric_descriptor {
    metric_kind = "DELTA"
    value_type  = "INT64"
    unit        = "1"
  }

  depends_on = [google_project_service.apis]
}

resource "google_monitoring_dashboard" "shopstream" {
  dashboard_json = jsonencode({
    displayName = "shopstream ${local.prefix}"
    gridLayout = {
      columns = 2
      widgets = [for c in local.charts : {
        title = c.title
        xyChart = {
          dataSets = [for s in c.series : {
            plotType = "LINE"
            timeSeriesQuery = {
              timeSeriesFilter = {
                filter = s.filter
                aggregation = {
                  alignmentPeriod    = "60s"
                  perSeriesAligner   = s.aligner
                  crossSeriesReducer = s.reducer
                  groupByFields      = s.group_by
                }
              }
            }
          }]
        }
      }]
    }
  })

  depends_on = [google_project_service.apis]
}

resource "google_monitoring_alert_policy" "dead_letters" {
  display_name          = "shopstream ${local.prefix}: dead letters rising"
  combiner              = "OR"
  notification_channels = var.notification_channels

  conditions {
    display_name = "messages to the dead-letter topics above ${var.alert_dead_letters_per_second}/s for 10 min"
    condition_threshold {
      filter          = local.dead_letters_filter
      comparison      = "COMPARISON_GT"
      threshold_value = var.alert_dead_letters_per_second
      duration        = "600s"
      aggregations {
        alignment_period     = "300s"
        per_series_aligner   = "ALIGN_RATE"
        cross_series_reducer = "REDUCE_SUM"
      }
    }
  }

  documentation {
    mime_type = "text/markdown"
    content   = "Events or catalog records are being dead-lettered. Read them from the *-dead-letter-hold subscriptions or the dead_letter table (column step says which step refused them, error says why); see docs/DATAFLOW.md, Dead letters."
  }

  depends_on = [google_project_service.apis]
}

resource "google_monitoring_alert_policy" "backlog_age" {
  display_name          = "shopstream ${local.prefix}: pipeline backlog too old"
  combiner              = "OR"
  notification_channels = var.notification_channels

  conditions {
    display_name = "oldest unacked message of a pipeline subscription older than ${var.alert_backlog_age_seconds} s"
    condition_threshold {
      filter          = "resource.type=\"pubsub_subscription\" AND resource.labels.subscription_id=one_of(${join(",", [for s in local.pipeline_subscription_ids : "\"${s}\""])}) AND metric.type=\"pubsub.googleapis.com/subscription/oldest_unacked_message_age\""
      comparison      = "COMPARISON_GT"
      threshold_value = var.alert_backlog_age_seconds
      duration        = "300s"
      aggregations {
        alignment_period   = "60s"
        per_series_aligner = "ALIGN_MAX"
      }
    }
  }

  documentation {
    mime_type = "text/markdown"
    content   = "The pipeline is not keeping up or not reading. Check the Dataflow job (system lag, errors, autoscaling at pipeline_max_workers); messages expire after message_retention."
  }

  depends_on = [google_project_service.apis]
}

resource "google_monitoring_alert_policy" "serving" {
  display_name          = "shopstream ${local.prefix}: serving 5xx or stale"
  combiner              = "OR"
  notification_channels = var.notification_channels

  conditions {
    display_name = "recommend 5xx above ${var.alert_serving_bad_per_second}/s for 5 min"
    condition_threshold {
      filter          = "${format(local.run_filter, local.recommend_service, "request_count")} AND metric.labels.response_code_class=\"5xx\""
      comparison      = "COMPARISON_GT"
      threshold_value = var.alert_serving_bad_per_second
      duration        = "300s"
      aggregations {
        alignment_period     = "60s"
        per_series_aligner   = "ALIGN_RATE"
        cross_series_reducer = "REDUCE_SUM"
      }
    }
  }

  conditions {
    display_name = "stale recommend answers above ${var.alert_serving_bad_per_second}/s for 5 min"
    condition_threshold {
      filter          = format(local.log_metric_filter, google_logging_metric.recommend_stale.name)
      comparison      = "COMPARISON_GT"
      threshold_value = var.alert_serving_bad_per_second
      duration        = "300s"
      aggregations {
        alignment_period     = "60s"
        per_series_aligner   = "ALIGN_RATE"
        cross_series_reducer = "REDUCE_SUM"
      }
    }
  }

  documentation {
    mime_type = "text/markdown"
    content   = "The recommend function fails or serves a stale snapshot: its BigQuery reads fail or are too slow (see the function's log: snapshot refresh failed ...)."
  }

  depends_on = [google_project_service.apis]
}

resource "google_monitoring_alert_policy" "job_not_running" {
  display_name          = "shopstream ${local.prefix}: events pipeline not running"
  combiner              = "OR"
  notification_channels = var.notification_channels

  conditions {
    display_name = "the job reports no system lag for 10 min (not running)"
    condition_absent {
      filter   = format(local.dataflow_filter, "system_lag")
      duration = "600s"
      aggregations {
        alignment_period   = "300s"
        per_series_aligner = "ALIGN_MAX"
      }
    }
  }

  conditions {
    display_name = "the job failed"
    condition_threshold {
      filter          = format(local.dataflow_filter, "is_failed")
      comparison      = "COMPARISON_GT"
      threshold_value = 0
      duration        = "0s"
      aggregations {
        alignment_period   = "60s"
        per_series_aligner = "ALIGN_MAX"
      }
    }
  }

  documentation {
    mime_type = "text/markdown"
    content   = "The streaming events pipeline is not running. terraform apply relaunches a job that reached a terminal state; look at the job's error messages first (gcloud dataflow jobs list --region REGION)."
  }

  depends_on = [google_project_service.apis]
}
