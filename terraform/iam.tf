# One service account per component; every grant is on the resource it concerns wherever IAM allows it.
# Project-level grants only where no resource-level role exists (Dataflow worker, BigQuery jobs, Eventarc
# receiving, build logs). No basic roles and no admin roles anywhere (checked by terraform-checks).

resource "google_service_account" "ingest" {
  account_id   = "${local.prefix}-ingest"
  display_name = "shopstream ingest function"
  depends_on   = [google_project_service.apis]
}

resource "google_service_account" "recommend" {
  account_id   = "${local.prefix}-recommend"
  display_name = "shopstream recommend function"
  depends_on   = [google_project_service.apis]
}

resource "google_service_account" "upload" {
  account_id   = "${local.prefix}-upload"
  display_name = "shopstream upload function"
  depends_on   = [google_project_service.apis]
}

resource "google_service_account" "upload_trigger" {
  account_id   = "${local.prefix}-upload-trg"
  display_name = "shopstream Eventarc trigger of the upload function"
  depends_on   = [google_project_service.apis]
}

resource "google_service_account" "build" {
  account_id   = "${local.prefix}-fn-build"
  display_name = "shopstream Cloud Functions builds"
  depends_on   = [google_project_service.apis]
}

resource "google_service_account" "compaction" {
  account_id   = "${local.prefix}-compaction"
  display_name = "shopstream compaction of item_neighbors (scheduled query)"
  depends_on   = [google_project_service.apis]
}

resource "google_service_account" "dataflow" {
  account_id   = "${local.prefix}-dataflow"
  display_name = "shopstream Dataflow workers"
  depends_on   = [google_project_service.apis]
}

data "google_storage_project_service_account" "gcs" {
  depends_on = [google_project_service.apis]
}

# --- ingest: publish to the events topic, nothing else.
resource "google_pubsub_topic_iam_member" "ingest_publishes_events" {
  topic  = google_pubsub_topic.events.id
  role   = "roles/pubsub.publisher"
  member = "serviceAccount:${google_service_account.ingest.email}"
}

# --- recommend: read the dataset, run query jobs (jobs exist only at project level).
resource "google_bigquery_dataset_iam_member" "recommend_reads_dataset" {
  dataset_id = google_bigquery_dataset.warehouse.dataset_id
  role       = "roles/bigquery.dataViewer"
  member     = "serviceAccount:${google_service_account.recommend.email}"
}

resource "google_project_iam_member" "recommend_runs_queries" {
  project = var.project_id
  role    = "roles/bigquery.jobUser"
  member  = "serviceAccount:${google_service_account.recommend.email}"
}

# --- compaction (the scheduled query of bigquery.tf): run query jobs, read and delete rows of item_neighbors only;
# the Data Transfer Service's agent mints its tokens (on this account only, not the project).
resource "google_project_iam_member" "compaction_runs_queries" {
  project = var.project_id
  role    = "roles/bigquery.jobUser"
  member  = "serviceAccount:${google_service_account.compaction.email}"
}

resource "google_bigquery_table_iam_member" "compaction_edits_neighbors" {
  project    = var.project_id
  dataset_id = google_bigquery_dataset.warehouse.dataset_id
  table_id   = google_bigquery_table.tables["item_neighbors"].table_id
  role       = "roles/bigquery.dataEditor"
  member     = "serviceAccount:${google_service_account.compaction.email}"
}

resource "google_service_account_iam_member" "transfer_agent_mints_compaction_tokens" {
  service_account_id = google_service_account.compaction.name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = local.transfer_service_agent
}

# --- upload: read uploaded objects and write their error reports (errors/<object>.jsonl and .summary.json, deleted
# again when a file has no rejected rows) in the same bucket; publish events and catalog records.
resource "google_storage_bucket_iam_member" "upload_uses_uploads" {
  bucket = google_storage_bucket.uploads.name
  role   = "roles/storage.objectUser"
  member = "serviceAccount:${google_service_account.upload.email}"
}

resource "google_pubsub_topic_iam_member" "upload_publishes_events" {
  topic  = google_pubsub_topic.events.id
  role   = "roles/pubsub.publisher"
  member = "serviceAccount:${google_service_account.upload.email}"
}

resource "google_pubsub_topic_iam_member" "upload_publishes_catalog" {
  topic  = google_pubsub_topic.catalog.id
  role   = "roles/pubsub.publisher"
  member = "serviceAccount:${google_service_account.upload.email}"
}

# Backfill of large uploads: launch a Dataflow job (project-level only) that runs as the Dataflow worker account.
resource "google_project_iam_member" "upload_launches_backfill" {
  count = var.backfill_template_gcs_path == "" ? 0 : 1

  project = var.project_id
  role    = "roles/dataflow.developer"
  member  = "serviceAccount:${google_service_account.upload.email}"
}

resource "google_service_account_iam_member" "upload_acts_as_dataflow" {
  count = var.backfill_template_gcs_path == "" ? 0 : 1

  service_account_id = google_service_account.dataflow.name
  role               = "roles/iam.serviceAccountUser"
  member             = "serviceAccount:${google_service_account.upload.email}"
}

# A backfill job reads the uploaded file as the Dataflow worker account.
resource "google_storage_bucket_iam_member" "dataflow_reads_uploads" {
  count = var.backfill_template_gcs_path == "" ? 0 : 1

  bucket = google_storage_bucket.uploads.name
  role   = "roles/storage.objectViewer"
  member = "serviceAccount:${google_service_account.dataflow.email}"
}

resource "google_storage_bucket_iam_member" "upload_reads_templates" {
  count = var.backfill_template_gcs_path == "" ? 0 : 1

  bucket = google_storage_bucket.templates.name
  role   = "roles/storage.objectViewer"
  member = "serviceAccount:${google_service_account.upload.email}"
}

# --- Eventarc: the trigger's identity receives events (project level only) and invokes the upload function
# (granted on its Cloud Run service in functions.tf). Cloud Storage's service agent publishes the notifications.
resource "google_project_iam_member" "eventarc_receiver" {
  project = var.project_id
  role    = "roles/eventarc.eventReceiver"
  member  = "serviceAccount:${google_service_account.upload_trigger.email}"
}

resource "google_project_iam_member" "gcs_agent_publishes" {
  project = var.project_id
  role    = "roles/pubsub.publisher"
  member  = local.gcs_service_agent
}

# --- function builds: read the source zip, push the image, write build logs.
resource "google_storage_bucket_iam_member" "build_reads_sources" {
  bucket = google_storage_bucket.function_sources.name
  role   = "roles/storage.objectViewer"
  member = "serviceAccount:${google_service_account.build.email}"
}

resource "google_project_iam_member" "build_pushes_images" {
  # Cloud Functions creates its gcf-artifacts repository on first deploy, so the grant cannot be on it.
  project = var.project_id
  role    = "roles/artifactregistry.writer"
  member  = "serviceAccount:${google_service_account.build.email}"
}

resource "google_project_iam_member" "build_writes_logs" {
  project = var.project_id
  role    = "roles/logging.logWriter"
  member  = "serviceAccount:${google_service_account.build.email}"
}

# Gen2 copies the source zip to its own bucket gcf-v2-sources-<project number>-<region> and the build fetches it from
# there ("Access to bucket gcf-v2-sources-... denied. You must grant Storage Object Viewer permission to ..." otherwise,
# hashicorp/terraform-provider-google#20571). Cloud Functions creates that bucket at the first deploy, so the grant is
# project-level, narrowed by an IAM condition to that one bucket and its objects.
resource "google_project_iam_member" "build_reads_gcf_sources" {
  project = var.project_id
  role    = "roles/storage.objectViewer"
  member  = "serviceAccount:${google_service_account.build.email}"

  condition {
    title       = "gcf-v2-sources bucket only"
    description = "The bucket Cloud Functions (gen2) copies function sources to before building them."
    expression  = "resource.name == \"projects/_/buckets/${local.gcf_sources_bucket}\" || resource.name.startsWith(\"projects/_/buckets/${local.gcf_sources_bucket}/\")"
  }
}

# --- Dataflow workers.
resource "google_project_iam_member" "dataflow_worker" {
  project = var.project_id
  role    = "roles/dataflow.worker"
  member  = "serviceAccount:${google_service_account.dataflow.email}"
}

resource "google_pubsub_subscription_iam_member" "dataflow_consumes_events" {
  subscription = google_pubsub_subscription.events_pipeline.id
  role         = "roles/pubsub.subscriber"
  member       = "serviceAccount:${google_service_account.dataflow.email}"
}

resource "google_pubsub_subscription_iam_member" "dataflow_views_events_subscription" {
  # PubsubIO reads the subscription's metadata (ack deadline) before pulling.
  subscription = google_pubsub_subscription.events_pipeline.id
  role         = "roles/pubsub.viewer"
  member       = "serviceAccount:${google_service_account.dataflow.email}"
}

resource "google_pubsub_subscription_iam_member" "dataflow_consumes_catalog" {
  subscription = google_pubsub_subscription.catalog_pipeline.id
  role         = "roles/pubsub.subscriber"
  member       = "serviceAccount:${google_service_account.dataflow.email}"
}

resource "google_pubsub_subscription_iam_member" "dataflow_views_catalog_subscription" {
  subscription = google_pubsub_subscription.catalog_pipeline.id
  role         = "roles/pubsub.viewer"
  member       = "serviceAccount:${google_service_account.dataflow.email}"
}

# The events read takes the event time from a message attribute (withTimestampAttribute). On Dataflow that makes the
# job create a watermark tracking subscription <subscription>__df_internal... on the same topic: creating it needs
# pubsub.subscriptions.create on the project and pubsub.topics.attachSubscription on the topic, and the job then
# reads and finally deletes it. Without these the job computes no watermark and no window ever closes.
# Pub/Sub does not support IAM Conditions on resource names, and the subscription does not exist before the job
# starts, so the narrowest grant is a custom role with just these permissions (not roles/pubsub.editor).
resource "google_project_iam_custom_role" "dataflow_tracking_subscriptions" {
  role_id     = "${replace(local.prefix, "-", "_")}_dataflow_tracking_subscriptions"
  title       = "shopstream Dataflow watermark tracking subscriptions"
  description = "Create, read and delete the __df_internal tracking subscription of a Pub/Sub read with a timestamp attribute."
  permissions = [
    "pubsub.subscriptions.consume",
    "pubsub.subscriptions.create",
    "pubsub.subscriptions.delete",
    "pubsub.subscriptions.get",
  ]

  depends_on = [google_project_service.apis]
}

resource "google_project_iam_member" "dataflow_manages_tracking_subscriptions" {
  project = var.project_id
  role    = google_project_iam_custom_role.dataflow_tracking_subscriptions.name
  member  = "serviceAccount:${google_service_account.dataflow.email}"
}

resource "google_pubsub_topic_iam_member" "dataflow_attaches_to_events" {
  # roles/pubsub.subscriber on a topic holds pubsub.topics.attachSubscription (and nothing else that applies to it).
  topic  = google_pubsub_topic.events.id
  role   = "roles/pubsub.subscriber"
  member = "serviceAccount:${google_service_account.dataflow.email}"
}

# The pipeline also publishes every parse or validation dead letter to the events dead-letter topic.
resource "google_pubsub_topic_iam_member" "dataflow_publishes_dead_letters" {
  topic  = google_pubsub_topic.events_dead_letter.id
  role   = "roles/pubsub.publisher"
  member = "serviceAccount:${google_service_account.dataflow.email}"
}

resource "google_bigquery_dataset_iam_member" "dataflow_writes_dataset" {
  dataset_id = google_bigquery_dataset.warehouse.dataset_id
  role       = "roles/bigquery.dataEditor"
  member     = "serviceAccount:${google_service_account.dataflow.email}"
}

resource "google_storage_bucket_iam_member" "dataflow_uses_temp" {
  bucket = google_storage_bucket.dataflow_temp.name
  role   = "roles/storage.objectUser"
  member = "serviceAccount:${google_service_account.dataflow.email}"
}

resource "google_storage_bucket_iam_member" "dataflow_reads_templates" {
  bucket = google_storage_bucket.templates.name
  role   = "roles/storage.objectViewer"
  member = "serviceAccount:${google_service_account.dataflow.email}"
}

resource "google_artifact_registry_repository_iam_member" "dataflow_pulls_templates" {
  location   = google_artifact_registry_repository.templates.location
  repository = google_artifact_registry_repository.templates.name
  role       = "roles/artifactregistry.reader"
  member     = "serviceAccount:${google_service_account.dataflow.email}"
}

# --- Pub/Sub service agent: forwards undeliverable messages to the dead-letter topics.
resource "google_pubsub_topic_iam_member" "pubsub_agent_publishes_dead_letters" {
  for_each = {
    events  = google_pubsub_topic.events_dead_letter.id
    catalog = google_pubsub_topic.catalog_dead_letter.id
  }

  topic  = each.value
  role   = "roles/pubsub.publisher"
  member = local.pubsub_service_agent
}

resource "google_pubsub_subscription_iam_member" "pubsub_agent_acks_forwarded" {
  for_each = {
    events  = google_pubsub_subscription.events_pipeline.id
    catalog = google_pubsub_subscription.catalog_pipeline.id
  }

  subscription = each.value
  role         = "roles/pubsub.subscriber"
  member       = local.pubsub_service_agent
}
