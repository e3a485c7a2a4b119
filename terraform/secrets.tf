# Optional pseudonymization of user_id (var.pseudonymize_user_ids): the HMAC key is a Secret Manager secret that
# only the ingest and upload functions' service accounts may read; each function gets it as USER_ID_HMAC_KEY.
# Terraform never holds the key itself (not in variables, not in state): add it as a version before the functions
# are deployed, see README "Pseudonymizing user ids".
resource "google_secret_manager_secret" "user_id_hmac_key" {
  count = var.pseudonymize_user_ids ? 1 : 0

  secret_id = "${local.prefix}-user-id-hmac-key"
  labels    = local.labels

  replication {
    auto {}
  }

  depends_on = [time_sleep.apis_propagation]
}

resource "google_secret_manager_secret_iam_member" "ingest_reads_user_id_key" {
  count = var.pseudonymize_user_ids ? 1 : 0

  secret_id = google_secret_manager_secret.user_id_hmac_key[0].id
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${google_service_account.ingest.email}"
}

resource "google_secret_manager_secret_iam_member" "upload_reads_user_id_key" {
  count = var.pseudonymize_user_ids ? 1 : 0

  secret_id = google_secret_manager_secret.user_id_hmac_key[0].id
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${google_service_account.upload.email}"
}
