output "ingest_url" {
  description = "URL of the ingest function (POST events; callers need roles/run.invoker, see invoker_members)."
  value       = google_cloudfunctions2_function.ingest.url
}

output "recommend_url" {
  description = "URL of the recommend function (GET /recommendations?user_id=...)."
  value       = google_cloudfunctions2_function.recommend.url
}

output "upload_function" {
  description = "Name of the upload function (triggered by files finalized in the uploads bucket)."
  value       = google_cloudfunctions2_function.upload.name
}

output "uploads_bucket" {
  description = "Bucket to drop event and catalog files into."
  value       = google_storage_bucket.uploads.name
}

output "function_sources_bucket" {
  description = "Bucket holding the zipped function sources."
  value       = google_storage_bucket.function_sources.name
}

output "dataflow_temp_bucket" {
  description = "Bucket for Dataflow temp and staging files."
  value       = google_storage_bucket.dataflow_temp.name
}

output "templates_bucket" {
  description = "Bucket of the Flex Template specs terraform writes."
  value       = google_storage_bucket.templates.name
}

output "templates_repository" {
  description = "Artifact Registry repository for Flex Template images."
  value       = local.templates_repository
}

output "pipeline_template_gcs_path" {
  description = "The events pipeline's Flex Template spec this apply wrote (also what backfill_template_gcs_path may name)."
  value       = local.pipeline_template_gcs_path
}

output "pipeline_image" {
  description = "The Flex Template launcher image this apply pushed."
  value       = local.pipeline_image
}

output "events_topic" {
  description = "Events topic id."
  value       = google_pubsub_topic.events.id
}

output "catalog_topic" {
  description = "Catalog topic id."
  value       = google_pubsub_topic.catalog.id
}

output "events_subscription" {
  description = "Subscription the events pipeline reads."
  value       = google_pubsub_subscription.events_pipeline.id
}

output "catalog_subscription" {
  description = "Subscription for the catalog records."
  value       = google_pubsub_subscription.catalog_pipeline.id
}

output "dead_letter_topics" {
  description = "Dead-letter topics of the events and catalog subscriptions."
  value = {
    events  = google_pubsub_topic.events_dead_letter.id
    catalog = google_pubsub_topic.catalog_dead_letter.id
  }
}

output "dataset" {
  description = "BigQuery dataset as project.dataset."
  value       = "${var.project_id}.${google_bigquery_dataset.warehouse.dataset_id}"
}

output "tables" {
  description = "BigQuery table ids by contract table name."
  value       = { for name, t in google_bigquery_table.tables : name => t.id }
}

output "dataflow_job_id" {
  description = "Id of the running events pipeline job."
  value       = google_dataflow_flex_template_job.events.job_id
}

output "service_accounts" {
  description = "Service account of each component."
  value = {
    ingest         = google_service_account.ingest.email
    recommend      = google_service_account.recommend.email
    upload         = google_service_account.upload.email
    upload_trigger = google_service_account.upload_trigger.email
    build          = google_service_account.build.email
    dataflow       = google_service_account.dataflow.email
  }
}

output "monitoring_dashboard" {
  description = "Id of the Cloud Monitoring dashboard (Monitoring > Dashboards > shopstream <prefix>)."
  value       = google_monitoring_dashboard.shopstream.id
}
