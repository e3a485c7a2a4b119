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

# Zipped function sources, uploaded by terraform.
resource "google_storage_bucket" "function_sources" {
  name                        = "${var.project_id}-${local.prefix}-fn-sources"
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = true
  labels                      = local.labels

  lifecycle_rule {
    condition {
      num_newer_versions = 3
    }
    action {
      type = "Delete"
    }
  }

  depends_on = [google_project_service.apis]
}

# Dataflow temp and staging files.
resource "google_storage_bucket" "dataflow_temp" {
  name                        = "${var.project_id}-${local.prefix}-dataflow"
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = true
  labels                      = local.labels

  lifecycle_rule {
    condition {
      age = 7
    }
    action {
      type = "Delete"
    }
  }

  depends_on = [google_project_service.apis]
}

# Flex Template specs (gcloud dataflow flex-template build writes them here).
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
