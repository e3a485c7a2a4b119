# The streaming events pipeline (EventsPipeline) from its Flex Template. Parameters are EventsPipelineOptions
# names (checked by terraform-checks). Updating: see README: Update the pipeline.
resource "google_dataflow_flex_template_job" "events" {
  provider = google-beta

  name                    = "${local.prefix}-events"
  region                  = var.region
  container_spec_gcs_path = local.pipeline_template_gcs_path
  service_account_email   = google_service_account.dataflow.email
  temp_location           = "gs://${google_storage_bucket.dataflow_temp.name}/temp"
  staging_location        = "gs://${google_storage_bucket.dataflow_temp.name}/staging"
  machine_type            = var.pipeline_machine_type
  max_workers             = var.pipeline_max_workers
  enable_streaming_engine = true
  subnetwork              = local.dataflow_subnetwork
  ip_configuration        = "WORKER_IP_PRIVATE"
  on_delete               = var.pipeline_on_delete
  labels                  = local.labels

  parameters = {
    inputSubscription                     = google_pubsub_subscription.events_pipeline.id
    catalogSubscription                   = google_pubsub_subscription.catalog_pipeline.id
    warehouse                             = "BIGQUERY"
    bigQueryDataset                       = "${var.project_id}:${google_bigquery_dataset.warehouse.dataset_id}"
    storageWriteApiTriggeringFrequencySec = tostring(var.pipeline_storage_write_frequency_sec)
    numStorageWriteApiStreams             = tostring(var.pipeline_storage_write_streams)
    deadLetterTopic                       = google_pubsub_topic.events_dead_letter.id
    dedupeTtl                             = var.pipeline_dedupe_ttl
    sessionGap                            = var.pipeline_session_gap
    trendWindow                           = var.pipeline_trend_window
    trendPeriod                           = var.pipeline_trend_period
    allowedLateness                       = var.pipeline_allowed_lateness
  }

  depends_on = [
    time_sleep.apis_propagation,
    google_project_iam_member.dataflow_worker,
    google_pubsub_subscription_iam_member.dataflow_consumes_events,
    google_pubsub_subscription_iam_member.dataflow_views_events_subscription,
    google_pubsub_subscription_iam_member.dataflow_consumes_catalog,
    google_pubsub_subscription_iam_member.dataflow_views_catalog_subscription,
    google_project_iam_member.dataflow_manages_tracking_subscriptions,
    google_pubsub_topic_iam_member.dataflow_attaches_to_events,
    google_pubsub_topic_iam_member.dataflow_publishes_dead_letters,
    google_bigquery_dataset_iam_member.dataflow_writes_dataset,
    google_storage_bucket_iam_member.dataflow_uses_temp,
    google_storage_bucket_iam_member.dataflow_reads_templates,
    google_storage_bucket_iam_member.dataflow_reads_uploads,
    google_artifact_registry_repository_iam_member.dataflow_pulls_templates,
    google_bigquery_table.tables,
    google_storage_bucket_object.pipeline_template,
    google_compute_subnetwork.dataflow,
    google_compute_firewall.dataflow_workers,
  ]
}
