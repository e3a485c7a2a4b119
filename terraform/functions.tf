# The three Cloud Functions (gen2, Java 17), each from its own prebuilt bundle: the functions jar and only the
# runtime dependencies that function uses (function-bundles/<function>, built by terraform/build-functions.sh; see
# README: Build). A bundle's hash is in its object's name, so a new build of one function redeploys only that one.
locals {
  function_names = toset(["ingest", "recommend", "upload"])
}

data "archive_file" "functions" {
  for_each = local.function_names

  type        = "zip"
  source_dir  = "${var.functions_build_dir}/${each.key}/target/deployment"
  output_path = "${path.module}/.build/${each.key}.zip"
}

resource "google_storage_bucket_object" "functions" {
  for_each = data.archive_file.functions

  name   = "${each.key}-${each.value.output_md5}.zip"
  bucket = google_storage_bucket.function_sources.name
  source = each.value.output_path
}

locals {
  cors_allowed_origins = join(",", var.cors_allowed_origins)
}

resource "google_cloudfunctions2_function" "ingest" {
  name        = "${local.prefix}-ingest"
  location    = var.region
  description = "Validates shop events against the contract and publishes them to Pub/Sub."
  labels      = local.labels

  build_config {
    runtime         = "java17"
    entry_point     = "dev.shopstream.functions.ingest.IngestFunction"
    service_account = google_service_account.build.id
    source {
      storage_source {
        bucket = google_storage_bucket.function_sources.name
        object = google_storage_bucket_object.functions["ingest"].name
      }
    }
  }

  service_config {
    service_account_email            = google_service_account.ingest.email
    available_memory                 = var.functions.ingest.memory
    available_cpu                    = var.functions.ingest.cpu
    min_instance_count               = var.functions.ingest.min_instances
    max_instance_count               = var.functions.ingest.max_instances
    max_instance_request_concurrency = var.functions.ingest.concurrency
    timeout_seconds                  = var.functions.ingest.timeout_seconds
    ingress_settings                 = var.ingress_settings
    all_traffic_on_latest_revision   = true
    environment_variables = {
      PROJECT_ID           = var.project_id
      EVENTS_TOPIC         = google_pubsub_topic.events.name
      MAX_BATCH_EVENTS     = tostring(var.ingest_max_batch_events)
      MAX_BODY_BYTES       = tostring(var.ingest_max_body_bytes)
      PUBLISH_TIMEOUT      = var.ingest_publish_timeout
      CORS_ALLOWED_ORIGINS = local.cors_allowed_origins
    }
    dynamic "secret_environment_variables" {
      for_each = var.pseudonymize_user_ids ? [1] : []
      content {
        key        = "USER_ID_HMAC_KEY"
        project_id = var.project_id
        secret     = google_secret_manager_secret.user_id_hmac_key[0].secret_id
        version    = "latest"
      }
    }
  }

  depends_on = [
    time_sleep.apis_propagation,
    google_pubsub_topic_iam_member.ingest_publishes_events,
    google_secret_manager_secret_iam_member.ingest_reads_user_id_key,
    google_storage_bucket_iam_member.build_reads_sources,
    google_project_iam_member.build_reads_gcf_sources,
    google_project_iam_member.build_pushes_images,
    google_project_iam_member.build_writes_logs,
    time_sleep.build_iam_propagation,
  ]
}

resource "google_cloudfunctions2_function" "recommend" {
  name        = "${local.prefix}-recommend"
  location    = var.region
  description = "Answers recommendation requests from the BigQuery warehouse."
  labels      = local.labels

  build_config {
    runtime         = "java17"
    entry_point     = "dev.shopstream.functions.recommend.RecommendFunction"
    service_account = google_service_account.build.id
    source {
      storage_source {
        bucket = google_storage_bucket.function_sources.name
        object = google_storage_bucket_object.functions["recommend"].name
      }
    }
  }

  service_config {
    service_account_email            = google_service_account.recommend.email
    available_memory                 = var.functions.recommend.memory
    available_cpu                    = var.functions.recommend.cpu
    min_instance_count               = var.functions.recommend.min_instances
    max_instance_count               = var.functions.recommend.max_instances
    max_instance_request_concurrency = var.functions.recommend.concurrency
    timeout_seconds                  = var.functions.recommend.timeout_seconds
    ingress_settings                 = var.ingress_settings
    all_traffic_on_latest_revision   = true
    environment_variables = {
      PROJECT_ID           = var.project_id
      WAREHOUSE            = "bigquery"
      BIGQUERY_DATASET     = "${var.project_id}.${google_bigquery_dataset.warehouse.dataset_id}"
      TRENDING_WINDOW      = var.trending_window
      TREND_WEIGHT         = var.trend_weight
      CORS_ALLOWED_ORIGINS = local.cors_allowed_origins
    }
  }

  depends_on = [
    time_sleep.apis_propagation,
    google_bigquery_dataset_iam_member.recommend_reads_dataset,
    google_project_iam_member.recommend_runs_queries,
    google_bigquery_table.tables,
    google_storage_bucket_iam_member.build_reads_sources,
    google_project_iam_member.build_reads_gcf_sources,
    google_project_iam_member.build_pushes_images,
    google_project_iam_member.build_writes_logs,
    time_sleep.build_iam_propagation,
  ]
}

resource "google_cloudfunctions2_function" "upload" {
  name        = "${local.prefix}-upload"
  location    = var.region
  description = "Loads files dropped in the uploads bucket: events to the events topic, catalog records to the catalog topic."
  labels      = local.labels

  build_config {
    runtime         = "java17"
    entry_point     = "dev.shopstream.functions.upload.UploadFunction"
    service_account = google_service_account.build.id
    source {
      storage_source {
        bucket = google_storage_bucket.function_sources.name
        object = google_storage_bucket_object.functions["upload"].name
      }
    }
  }

  service_config {
    service_account_email            = google_service_account.upload.email
    available_memory                 = var.functions.upload.memory
    available_cpu                    = var.functions.upload.cpu
    min_instance_count               = var.functions.upload.min_instances
    max_instance_count               = var.functions.upload.max_instances
    max_instance_request_concurrency = var.functions.upload.concurrency
    timeout_seconds                  = var.functions.upload.timeout_seconds
    ingress_settings                 = "ALLOW_INTERNAL_ONLY"
    all_traffic_on_latest_revision   = true
    environment_variables = {
      PROJECT_ID               = var.project_id
      EVENTS_TOPIC             = google_pubsub_topic.events.name
      CATALOG_TOPIC            = google_pubsub_topic.catalog.name
      BACKFILL_THRESHOLD_BYTES = tostring(var.backfill_threshold_bytes)
      TEMPLATE_GCS_PATH        = var.backfill_template_gcs_path
      DATAFLOW_REGION          = var.region
      DATAFLOW_TEMP_LOCATION   = "gs://${google_storage_bucket.dataflow_temp.name}/backfill"
      DATAFLOW_SERVICE_ACCOUNT = google_service_account.dataflow.email
      DATAFLOW_MAX_WORKERS     = tostring(var.backfill_max_workers)
      # backfill jobs run where the streaming job runs: its subnet, no external IPs (network.tf)
      DATAFLOW_SUBNETWORK       = local.dataflow_subnetwork
      DATAFLOW_IP_CONFIGURATION = "WORKER_IP_PRIVATE"
      # the warehouse a backfill job writes (its bigQueryDataset parameter)
      DATAFLOW_BIGQUERY_DATASET = "${var.project_id}:${google_bigquery_dataset.warehouse.dataset_id}"
    }
    dynamic "secret_environment_variables" {
      for_each = var.pseudonymize_user_ids ? [1] : []
      content {
        key        = "USER_ID_HMAC_KEY"
        project_id = var.project_id
        secret     = google_secret_manager_secret.user_id_hmac_key[0].secret_id
        version    = "latest"
      }
    }
  }

  event_trigger {
    trigger_region        = var.region
    event_type            = "google.cloud.storage.object.v1.finalized"
    retry_policy          = "RETRY_POLICY_RETRY"
    service_account_email = google_service_account.upload_trigger.email
    event_filters {
      attribute = "bucket"
      value     = google_storage_bucket.uploads.name
    }
  }

  depends_on = [
    time_sleep.apis_propagation,
    time_sleep.iam_propagation,
    google_project_iam_member.eventarc_receiver,
    google_project_iam_member.gcs_agent_publishes,
    google_storage_bucket_iam_member.upload_uses_uploads,
    google_storage_bucket_iam_member.dataflow_reads_uploads,
    google_pubsub_topic_iam_member.upload_publishes_events,
    google_pubsub_topic_iam_member.upload_publishes_catalog,
    google_secret_manager_secret_iam_member.upload_reads_user_id_key,
    google_project_iam_member.upload_launches_backfill,
    google_service_account_iam_member.upload_acts_as_dataflow,
    google_storage_bucket_iam_member.upload_reads_templates,
    google_storage_bucket_iam_member.build_reads_sources,
    google_project_iam_member.build_reads_gcf_sources,
    google_project_iam_member.build_pushes_images,
    google_project_iam_member.build_writes_logs,
    time_sleep.build_iam_propagation,
  ]
}

# Private HTTP functions: only var.invoker_members may call them (never allUsers).
resource "google_cloud_run_service_iam_member" "ingest_invokers" {
  for_each = toset(var.invoker_members)

  location = google_cloudfunctions2_function.ingest.location
  service  = google_cloudfunctions2_function.ingest.name
  role     = "roles/run.invoker"
  member   = each.value
}

resource "google_cloud_run_service_iam_member" "recommend_invokers" {
  for_each = toset(var.invoker_members)

  location = google_cloudfunctions2_function.recommend.location
  service  = google_cloudfunctions2_function.recommend.name
  role     = "roles/run.invoker"
  member   = each.value
}

# The Eventarc trigger delivers to the upload function's Cloud Run service as its own identity.
resource "google_cloud_run_service_iam_member" "eventarc_invokes_upload" {
  location = google_cloudfunctions2_function.upload.location
  service  = google_cloudfunctions2_function.upload.name
  role     = "roles/run.invoker"
  member   = "serviceAccount:${google_service_account.upload_trigger.email}"
}
