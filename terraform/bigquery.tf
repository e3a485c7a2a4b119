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

  # item_neighbors and product_trends are partitioned and clustered on updated_at: serving's refresh reads only the
  # rows changed since its last one (BigQueryRecommendationStore.NEIGHBORS_CHANGED_SQL), which prunes to them.
  # Superseded product_trends panes are replaced in place (CDC upserts on its key) and old windows expire with their
  # partition; item_neighbors keeps each list forever (a list is only replaced, never deleted) and its superseded
  # rows are deleted by the compaction query below.
  dynamic "time_partitioning" {
    for_each = each.value.partition_by == null ? [] : [each.value.partition_by]
    content {
      type          = "DAY"
      field         = time_partitioning.value
      expiration_ms = each.key == "product_trends" ? var.trends_partition_expiration_days * 86400000 : null
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

# --- compaction of item_neighbors: a neighbour that drops out of a product's top K keeps its row (the sink upserts
# by product, signal and neighbour); serving reads only each list's newest rows. This scheduled query deletes the
# rows older than their list's newest, so the table holds the current lists only. It runs as its own service account,
# which may run query jobs and edit item_neighbors only (iam.tf).
resource "google_bigquery_data_transfer_config" "compact_neighbors" {
  display_name         = "${local.prefix}-compact-item-neighbors"
  location             = var.bigquery_location
  data_source_id       = "scheduled_query"
  schedule             = var.neighbors_compaction_schedule
  service_account_name = google_service_account.compaction.email

  params = {
    query = <<-SQL
      DELETE FROM `${var.project_id}.${google_bigquery_dataset.warehouse.dataset_id}.item_neighbors` AS t
      WHERE EXISTS (
        SELECT 1 FROM `${var.project_id}.${google_bigquery_dataset.warehouse.dataset_id}.item_neighbors` AS newer
        WHERE newer.product_id = t.product_id AND newer.signal = t.signal AND newer.updated_at > t.updated_at
      )
    SQL
  }

  depends_on = [
    google_bigquery_table.tables,
    google_bigquery_table_iam_member.compaction_edits_neighbors,
    google_project_iam_member.compaction_runs_queries,
    google_service_account_iam_member.transfer_agent_mints_compaction_tokens,
    time_sleep.compaction_iam_propagation,
  ]
}
