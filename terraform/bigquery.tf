# The tables come from the contract's schema files: generated/tables.json (name, key, partitioning, clustering)
# and generated/<table>.bigquery.json (columns) are written by TableSchemas via terraform-checks
# (TerraformGeneratedFilesTest), which fails the build when they are stale. Never edit them by hand.
locals {
  tables = jsondecode(file("${path.module}/generated/tables.json"))
}

resource "google_bigquery_dataset" "warehouse" {
  dataset_id    = var.dataset_id
  friendly_name = "shopstream warehouse"
  description   = "Events, dead letters, catalog and model outputs of shopstream (tables from the event contract)."
  location      = var.bigquery_location
  labels        = local.labels

  depends_on = [google_project_service.apis]
}

resource "google_bigquery_table" "tables" {
  for_each = local.tables

  dataset_id          = google_bigquery_dataset.warehouse.dataset_id
  table_id            = each.key
  description         = each.value.description
  schema              = file("${path.module}/generated/${each.key}.bigquery.json")
  clustering          = length(each.value.cluster_by) > 0 ? each.value.cluster_by : null
  deletion_protection = var.deletion_protection
  labels              = local.labels

  dynamic "time_partitioning" {
    for_each = each.value.partition_by == null ? [] : [each.value.partition_by]
    content {
      type  = "DAY"
      field = time_partitioning.value
    }
  }

  # BigQuery keys are informational (NOT ENFORCED); the pipeline enforces uniqueness.
  dynamic "table_constraints" {
    for_each = length(each.value.primary_key) > 0 ? [each.value.primary_key] : []
    content {
      primary_key {
        columns = table_constraints.value
      }
    }
  }
}
