resource "google_pubsub_topic" "events" {
  name       = var.events_topic_name
  labels     = local.labels
  depends_on = [google_project_service.apis]
}

resource "google_pubsub_topic" "catalog" {
  name       = var.catalog_topic_name
  labels     = local.labels
  depends_on = [google_project_service.apis]
}

resource "google_pubsub_topic" "events_dead_letter" {
  name       = "${var.events_topic_name}-dead-letter"
  labels     = local.labels
  depends_on = [google_project_service.apis]
}

resource "google_pubsub_topic" "catalog_dead_letter" {
  name       = "${var.catalog_topic_name}-dead-letter"
  labels     = local.labels
  depends_on = [google_project_service.apis]
}

# The events pipeline reads this subscription (--inputSubscription): nothing published while the pipeline is
# down or being replaced is lost.
resource "google_pubsub_subscription" "events_pipeline" {
  name                       = "${var.events_topic_name}-pipeline"
  topic                      = google_pubsub_topic.events.id
  ack_deadline_seconds       = 60
  message_retention_duration = var.message_retention
  labels                     = local.labels

  expiration_policy {
    ttl = ""
  }

  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.events_dead_letter.id
    max_delivery_attempts = var.max_delivery_attempts
  }

  retry_policy {
    minimum_backoff = "10s"
    maximum_backoff = "600s"
  }
}

# Catalog records for the pipeline's catalog reader.
resource "google_pubsub_subscription" "catalog_pipeline" {
  name                       = "${var.catalog_topic_name}-pipeline"
  topic                      = google_pubsub_topic.catalog.id
  ack_deadline_seconds       = 60
  message_retention_duration = var.message_retention
  labels                     = local.labels

  expiration_policy {
    ttl = ""
  }

  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.catalog_dead_letter.id
    max_delivery_attempts = var.max_delivery_attempts
  }

  retry_policy {
    minimum_backoff = "10s"
    maximum_backoff = "600s"
  }
}

# A topic without a subscription drops its messages: these keep dead letters for inspection and replay.
resource "google_pubsub_subscription" "events_dead_letter_hold" {
  name                       = "${var.events_topic_name}-dead-letter-hold"
  topic                      = google_pubsub_topic.events_dead_letter.id
  message_retention_duration = "604800s"
  labels                     = local.labels

  expiration_policy {
    ttl = ""
  }
}

resource "google_pubsub_subscription" "catalog_dead_letter_hold" {
  name                       = "${var.catalog_topic_name}-dead-letter-hold"
  topic                      = google_pubsub_topic.catalog_dead_letter.id
  message_retention_duration = "604800s"
  labels                     = local.labels

  expiration_policy {
    ttl = ""
  }
}
