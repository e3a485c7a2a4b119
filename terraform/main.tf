data "google_project" "this" {
  project_id = var.project_id
}

locals {
  prefix = var.name_prefix

  # Every API the environment uses. Enabling is idempotent; disable_on_destroy = false so that destroying this
  # environment never switches off an API that something else in the project relies on.
  apis = toset([
    "artifactregistry.googleapis.com",
    "bigquery.googleapis.com",
    "bigquerydatatransfer.googleapis.com",
    "bigquerystorage.googleapis.com",
    "cloudbuild.googleapis.com",
    "cloudfunctions.googleapis.com",
    "compute.googleapis.com",
    "dataflow.googleapis.com",
    "eventarc.googleapis.com",
    "iam.googleapis.com",
    "logging.googleapis.com",
    "monitoring.googleapis.com",
    "pubsub.googleapis.com",
    "run.googleapis.com",
    "secretmanager.googleapis.com",
    "storage.googleapis.com",
  ])

  # Google-managed service agents that need grants.
  pubsub_service_agent = "serviceAccount:service-${data.google_project.this.number}@gcp-sa-pubsub.iam.gserviceaccount.com"
  gcs_service_agent    = "serviceAccount:${data.google_storage_project_service_account.gcs.email_address}"
  # BigQuery Data Transfer Service's agent, which runs scheduled queries as their service account.
  transfer_service_agent = "serviceAccount:service-${data.google_project.this.number}@gcp-sa-bigquerydatatransfer.iam.gserviceaccount.com"

  # The bucket Cloud Functions (gen2) copies each function's source to and builds from.
  gcf_sources_bucket = "gcf-v2-sources-${data.google_project.this.number}-${var.region}"

  labels = merge({ app = "shopstream", env = var.name_prefix }, var.labels)
}

resource "google_project_service" "apis" {
  for_each = local.apis

  project            = var.project_id
  service            = each.value
  disable_on_destroy = false
}

# A freshly enabled API (Eventarc and Cloud Functions above all) and a fresh IAM grant take a while to reach
# every Google front end; the first apply would otherwise fail with "permission denied" or "API not enabled".
resource "time_sleep" "apis_propagation" {
  create_duration = var.propagation_wait

  depends_on = [google_project_service.apis]
}

resource "time_sleep" "iam_propagation" {
  create_duration = var.propagation_wait

  depends_on = [
    google_project_iam_member.eventarc_receiver,
    google_project_iam_member.gcs_agent_publishes,
  ]
}

# The function builds' grants must have propagated before the first build fetches the source: the provider's own
# example (google_cloudfunctions2_function, "Cloudfunctions2 Basic Builder") waits 60 s after them for this reason.
# The compaction's grants (and the transfer agent's right to act as its account) before the scheduled query exists.
resource "time_sleep" "compaction_iam_propagation" {
  create_duration = var.propagation_wait

  depends_on = [
    google_bigquery_table_iam_member.compaction_edits_neighbors,
    google_project_iam_member.compaction_runs_queries,
    google_service_account_iam_member.transfer_agent_mints_compaction_tokens,
  ]
}

resource "time_sleep" "build_iam_propagation" {
  create_duration = var.propagation_wait

  depends_on = [
    google_storage_bucket_iam_member.build_reads_sources,
    google_project_iam_member.build_reads_gcf_sources,
    google_project_iam_member.build_pushes_images,
    google_project_iam_member.build_writes_logs,
  ]
}
