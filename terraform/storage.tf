# Files dropped here (events or catalog as NDJSON/CSV) are loaded by the upload function.
resource "google_storage_bucket" "uploads" {
  name                        = "${var.project_id}-${local.prefix}-uploads"
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = !var.deletion_protection
  labels                      = local.labels

  dynamic "lifecycle_rule" {
    for_each = var.uploads_retention_days > 0 ? [var.uploads_retention_days] : []
    content {
      condition {
        age = lifecycle_rule.value
      }
      action {
        type = "Delete"
      }
    }
  }

  depends_on = [google_project_service.apis]
}

# Zipped function sources, uploaded by terraform. Each build has its own object name (the zip's hash), so a new build
# makes terraform replace the object: with versioning on, the replaced zip stays as a noncurrent version (what the
# previous deployment was built from) and the rule deletes it after function_sources_retention_days. A
# num_newer_versions rule would never fire here: no object name ever gets a newer version. The live zip is never
# touched by the rule (it is never noncurrent).
resource "google_storage_bucket" "function_sources" {
  name                        = "${var.project_id}-${local.prefix}-fn-sources"
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = true
  labels                      = local.labels

  versioning {
    enabled = true
  }

  lifecycle_rule {
    condition {
      days_since_noncurrent_time = var.function_sources_retention_days
    }
    action {
      type = "Delete"
    }
  }

  depends_on = [google_project_service.apis]
}

# Dataflow temp and staging files. staging/ holds the jars the running streaming job was started from (workers that
# autoscaling or a restart adds fetch them from there), so only temp/ and backfill/ (temporary files of finished
# writes and launches) expire. staging/ grows only with new code: files are staged under content-hash names, so an
# unchanged jar is uploaded once.
resource "google_storage_bucket" "dataflow_temp" {
  name                        = "${var.project_id}-${local.prefix}-dataflow"
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = true
  labels                      = local.labels

  lifecycle_rule {
    condition {
      age            = var.dataflow_temp_retention_days
      matches_prefix = ["temp/", "backfill/"]
    }
    action {
      type = "Delete"
    }
  }

  depends_on = [google_project_service.apis]
}

# Flex Template specs (template.tf writes them).
resource "google_storage_bucket" "templates" {
  name                        = "${var.project_id}-${local.prefix}-templates"
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = true
  labels                      = local.labels

  versioning {
    enabled = true
  }

  depends_on = [google_project_service.apis]
}

# Flex Template container images.
resource "google_artifact_registry_repository" "templates" {
  location      = var.region
  repository_id = "${local.prefix}-templates"
  format        = "DOCKER"
  description   = "shopstream Dataflow Flex Template images"
  labels        = local.labels

  depends_on = [google_project_service.apis]
}
