variable "project_id" {
  description = "Google Cloud project that holds the whole environment."
  type        = string

  validation {
    condition     = can(regex("^(?:[a-z][a-z0-9.-]{0,61}[a-z0-9]:)?[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.project_id))
    error_message = "project_id must be a Google Cloud project id, e.g. my-shop-prod."
  }
}

variable "region" {
  description = "Region of the functions, the Dataflow job, the buckets and the Artifact Registry repository."
  type        = string
  default     = "europe-west1"

  validation {
    condition     = can(regex("^[a-z]+-[a-z]+[0-9]$", var.region))
    error_message = "region must be a Google Cloud region such as europe-west1."
  }
}

variable "bigquery_location" {
  description = "Location of the BigQuery dataset (a region, or the multi-region EU or US)."
  type        = string
  default     = "EU"
}

variable "name_prefix" {
  description = "Prefix of every named resource (buckets, service accounts, functions, the Dataflow job), so several environments can share a project."
  type        = string
  default     = "shopstream"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,13}[a-z0-9]$", var.name_prefix))
    error_message = "name_prefix must be 3 to 15 lowercase letters, digits or dashes, starting with a letter (service account ids are limited to 30 characters)."
  }
}

variable "labels" {
  description = "Extra labels on every resource that takes labels."
  type        = map(string)
  default     = {}
}

variable "events_topic_name" {
  description = "Pub/Sub topic the ingest and upload functions publish events to (the functions' default is events)."
  type        = string
  default     = "events"

  validation {
    condition     = can(regex("^[A-Za-z][A-Za-z0-9._~+%-]{2,254}$", var.events_topic_name))
    error_message = "events_topic_name must be a Pub/Sub topic id."
  }
}

variable "catalog_topic_name" {
  description = "Pub/Sub topic the upload function publishes catalog records to."
  type        = string
  default     = "catalog"

  validation {
    condition     = can(regex("^[A-Za-z][A-Za-z0-9._~+%-]{2,254}$", var.catalog_topic_name))
    error_message = "catalog_topic_name must be a Pub/Sub topic id."
  }
}

variable "message_retention" {
  description = "How long the pipeline's subscriptions keep unacknowledged messages (a duration in seconds, e.g. 604800s), i.e. how long the pipeline may be down without losing events."
  type        = string
  default     = "604800s"

  validation {
    condition     = can(regex("^[0-9]+s$", var.message_retention))
    error_message = "message_retention must be a number of seconds such as 604800s."
  }
}

variable "max_delivery_attempts" {
  description = "Deliveries of one message before Pub/Sub moves it to the dead-letter topic (5 to 100)."
  type        = number
  default     = 10

  validation {
    condition     = var.max_delivery_attempts >= 5 && var.max_delivery_attempts <= 100
    error_message = "max_delivery_attempts must be from 5 to 100."
  }
}

variable "dataset_id" {
  description = "BigQuery dataset holding the contract's tables."
  type        = string
  default     = "shopstream"

  validation {
    condition     = can(regex("^[A-Za-z0-9_]{1,1024}$", var.dataset_id))
    error_message = "dataset_id may contain only letters, digits and underscores."
  }
}

variable "deletion_protection" {
  description = "Protect the BigQuery tables and the uploads bucket from terraform destroy. Set to false (and apply) before destroying the environment."
  type        = bool
  default     = true
}

variable "uploads_retention_days" {
  description = "Days an uploaded file is kept in the uploads bucket (0 keeps files forever)."
  type        = number
  default     = 30

  validation {
    condition     = var.uploads_retention_days >= 0
    error_message = "uploads_retention_days must not be negative."
  }
}

variable "function_sources_retention_days" {
  description = "Days a replaced function source zip is kept (as a noncurrent version) after a new build replaced it."
  type        = number
  default     = 30

  validation {
    condition     = var.function_sources_retention_days >= 1
    error_message = "function_sources_retention_days must be at least 1."
  }
}

variable "dataflow_temp_retention_days" {
  description = "Days files under temp/ and backfill/ of the Dataflow bucket are kept (staging/, which the running job needs, never expires)."
  type        = number
  default     = 7

  validation {
    condition     = var.dataflow_temp_retention_days >= 1
    error_message = "dataflow_temp_retention_days must be at least 1."
  }
}

variable "functions_build_dir" {
  description = "Folder of the function bundles: <dir>/<function>/target/deployment (the functions jar and that function's dependencies) is zipped and uploaded per function. See README: Build."
  type        = string
  default     = "../function-bundles"
}

variable "functions" {
  description = "Size of each Cloud Function: memory (e.g. 512Mi), cpu, instance limits, request timeout, concurrency."
  type = map(object({
    memory          = string
    cpu             = string
    min_instances   = number
    max_instances   = number
    timeout_seconds = number
    concurrency     = number
  }))
  default = {
    ingest    = { memory = "512Mi", cpu = "1", min_instances = 0, max_instances = 20, timeout_seconds = 60, concurrency = 40 }
    recommend = { memory = "1Gi", cpu = "1", min_instances = 0, max_instances = 10, timeout_seconds = 60, concurrency = 20 }
    upload    = { memory = "1Gi", cpu = "1", min_instances = 0, max_instances = 5, timeout_seconds = 540, concurrency = 1 }
  }

  validation {
    condition     = toset(keys(var.functions)) == toset(["ingest", "recommend", "upload"])
    error_message = "functions must have exactly the keys ingest, recommend and upload."
  }

  validation {
    condition     = alltrue([for f in values(var.functions) : f.min_instances >= 0 && f.max_instances >= 1 && f.min_instances <= f.max_instances])
    error_message = "Each function needs 0 <= min_instances <= max_instances and max_instances >= 1."
  }

  validation {
    condition     = alltrue([for f in values(var.functions) : f.timeout_seconds >= 1 && f.timeout_seconds <= 3600])
    error_message = "timeout_seconds must be from 1 to 3600."
  }
}

variable "invoker_members" {
  description = "Principals allowed to call the ingest and recommend functions (e.g. serviceAccount:shop-backend@my-project.iam.gserviceaccount.com). The functions are private: allUsers and allAuthenticatedUsers are refused."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for m in var.invoker_members : can(regex("^(user|serviceAccount|group|domain|principal|principalSet):", m))])
    error_message = "Each invoker member needs a type prefix such as serviceAccount: or group:."
  }

  validation {
    condition     = !contains(var.invoker_members, "allUsers") && !contains(var.invoker_members, "allAuthenticatedUsers")
    error_message = "The functions are private: allUsers and allAuthenticatedUsers are not allowed."
  }
}

variable "ingress_settings" {
  description = "Where the HTTP functions accept requests from: ALLOW_ALL (still authenticated), ALLOW_INTERNAL_ONLY or ALLOW_INTERNAL_AND_GCLB."
  type        = string
  default     = "ALLOW_ALL"

  validation {
    condition     = contains(["ALLOW_ALL", "ALLOW_INTERNAL_ONLY", "ALLOW_INTERNAL_AND_GCLB"], var.ingress_settings)
    error_message = "ingress_settings must be ALLOW_ALL, ALLOW_INTERNAL_ONLY or ALLOW_INTERNAL_AND_GCLB."
  }
}

variable "cors_allowed_origins" {
  description = "Browser origins allowed to call the HTTP functions (CORS_ALLOWED_ORIGINS); empty allows none."
  type        = list(string)
  default     = []
}

variable "ingest_max_batch_events" {
  description = "Most events in one ingest request (MAX_BATCH_EVENTS)."
  type        = number
  default     = 1000

  validation {
    condition     = var.ingest_max_batch_events >= 1 && var.ingest_max_batch_events <= 100000
    error_message = "ingest_max_batch_events must be from 1 to 100000."
  }
}

variable "ingest_max_body_bytes" {
  description = "Largest ingest request body in bytes (MAX_BODY_BYTES); Cloud Functions accepts up to 32 MiB."
  type        = number
  default     = 1048576

  validation {
    condition     = var.ingest_max_body_bytes >= 1 && var.ingest_max_body_bytes <= 33554432
    error_message = "ingest_max_body_bytes must be from 1 to 33554432."
  }
}

variable "ingest_publish_timeout" {
  description = "How long ingest waits for Pub/Sub to acknowledge a request's events (PUBLISH_TIMEOUT, ISO-8601)."
  type        = string
  default     = "PT10S"

  validation {
    condition     = can(regex("^P", var.ingest_publish_timeout))
    error_message = "ingest_publish_timeout must be an ISO-8601 duration such as PT10S."
  }
}

variable "trend_weight" {
  description = "Weight of trending in a user's recommendations (TREND_WEIGHT, 0-100; 0 = co-occurrence only). Tune it for the shop with evaluate --tune (docs/EVALUATION.md)."
  type        = number
  default     = 2

  validation {
    condition     = var.trend_weight >= 0 && var.trend_weight <= 100
    error_message = "trend_weight must be from 0 to 100."
  }
}

variable "trending_window" {
  description = "How far back the recommend function counts trending products (TRENDING_WINDOW, ISO-8601)."
  type        = string
  default     = "P7D"

  validation {
    condition     = can(regex("^P", var.trending_window))
    error_message = "trending_window must be an ISO-8601 duration such as P7D."
  }
}

variable "backfill_threshold_bytes" {
  description = "Uploads at least this large are loaded by a Dataflow batch job (BACKFILL_THRESHOLD_BYTES) instead of inside the upload function (rejected while backfill_template_gcs_path is empty)."
  type        = number
  default     = 268435456

  validation {
    condition     = var.backfill_threshold_bytes >= 1
    error_message = "backfill_threshold_bytes must be positive."
  }
}

variable "backfill_template_gcs_path" {
  description = "gs:// path of the Flex Template spec the upload function launches for large uploads (TEMPLATE_GCS_PATH). Empty: no backfill jobs (files above backfill_threshold_bytes are rejected with a report) and the upload function gets no Dataflow rights."
  type        = string
  default     = ""

  validation {
    condition     = var.backfill_template_gcs_path == "" || can(regex("^gs://", var.backfill_template_gcs_path))
    error_message = "backfill_template_gcs_path must be empty or a gs:// path."
  }
}

variable "backfill_max_workers" {
  description = "Upper bound of autoscaling of a backfill job (DATAFLOW_MAX_WORKERS)."
  type        = number
  default     = 5

  validation {
    condition     = var.backfill_max_workers >= 1 && var.backfill_max_workers <= 1000
    error_message = "backfill_max_workers must be from 1 to 1000."
  }
}

variable "pipeline_build_dir" {
  description = "The flex-template module's build output (flex-template/target after `./mvnw -DskipTests -pl flex-template -am package -Pflex-template`): flex/ (the pipeline jar and its runtime dependencies) makes the launcher image, and its hash is the image tag. See README: Build."
  type        = string
  default     = "../flex-template/target"
}

variable "pipeline_metadata_file" {
  description = "The Flex Template metadata (parameters, labels, help texts, regexes) terraform writes into the template spec."
  type        = string
  default     = "../pipeline/src/main/flex-template/metadata.json"
}

variable "dataflow_subnetwork" {
  description = "An existing subnet for the Dataflow workers instead of the VPC terraform creates: regions/REGION/subnetworks/NAME, or the subnet's self link for a Shared VPC (https://www.googleapis.com/compute/v1/projects/HOST/regions/REGION/subnetworks/NAME). It needs Private Google Access and a firewall rule allowing TCP 12345-12346 between VMs tagged dataflow."
  type        = string
  default     = ""

  validation {
    condition     = var.dataflow_subnetwork == "" || can(regex("(^|/)regions/[a-z0-9-]+/subnetworks/[a-z0-9-]+$", var.dataflow_subnetwork))
    error_message = "dataflow_subnetwork must be empty, regions/REGION/subnetworks/NAME or a subnet self link."
  }
}

variable "dataflow_subnet_cidr" {
  description = "IP range of the subnet terraform creates for the Dataflow workers (unused with dataflow_subnetwork)."
  type        = string
  default     = "10.64.0.0/20"

  validation {
    condition     = can(cidrhost(var.dataflow_subnet_cidr, 0))
    error_message = "dataflow_subnet_cidr must be an IPv4 CIDR range such as 10.64.0.0/20."
  }
}

variable "pipeline_machine_type" {
  description = "Machine type of the Dataflow workers."
  type        = string
  default     = "n2-standard-2"
}

variable "pipeline_max_workers" {
  description = "Upper bound of Dataflow autoscaling."
  type        = number
  default     = 3

  validation {
    condition     = var.pipeline_max_workers >= 1 && var.pipeline_max_workers <= 1000
    error_message = "pipeline_max_workers must be from 1 to 1000."
  }
}

variable "pipeline_storage_write_frequency_sec" {
  description = "How often the pipeline commits to BigQuery through the Storage Write API, in seconds (storageWriteApiTriggeringFrequencySec)."
  type        = number
  default     = 5

  validation {
    condition     = var.pipeline_storage_write_frequency_sec >= 1
    error_message = "pipeline_storage_write_frequency_sec must be at least 1."
  }
}

variable "pipeline_storage_write_streams" {
  description = "Storage Write API streams per table (numStorageWriteApiStreams)."
  type        = number
  default     = 1

  validation {
    condition     = var.pipeline_storage_write_streams >= 1
    error_message = "pipeline_storage_write_streams must be at least 1."
  }
}

variable "pipeline_dedupe_ttl" {
  description = "How long the pipeline remembers an event id to drop later duplicates (dedupeTtl, ISO-8601)."
  type        = string
  default     = "PT24H"

  validation {
    condition     = can(regex("^P", var.pipeline_dedupe_ttl))
    error_message = "pipeline_dedupe_ttl must be an ISO-8601 duration such as PT24H."
  }
}

variable "pipeline_session_gap" {
  description = "Inactivity gap that ends a user's session in the sessions table (sessionGap, ISO-8601)."
  type        = string
  default     = "PT30M"

  validation {
    condition     = can(regex("^P", var.pipeline_session_gap))
    error_message = "pipeline_session_gap must be an ISO-8601 duration such as PT30M."
  }
}

variable "pipeline_trend_window" {
  description = "Size of the sliding windows of the product_trends table (trendWindow, ISO-8601)."
  type        = string
  default     = "PT1H"

  validation {
    condition     = can(regex("^P", var.pipeline_trend_window))
    error_message = "pipeline_trend_window must be an ISO-8601 duration such as PT1H."
  }
}

variable "pipeline_trend_period" {
  description = "How often a new product_trends window starts (trendPeriod, ISO-8601; divides pipeline_trend_window)."
  type        = string
  default     = "PT5M"

  validation {
    condition     = can(regex("^P", var.pipeline_trend_period))
    error_message = "pipeline_trend_period must be an ISO-8601 duration such as PT5M."
  }
}

variable "pipeline_allowed_lateness" {
  description = "How late data may still update sessions and product_trends (allowedLateness, ISO-8601)."
  type        = string
  default     = "PT1H"

  validation {
    condition     = can(regex("^P", var.pipeline_allowed_lateness))
    error_message = "pipeline_allowed_lateness must be an ISO-8601 duration such as PT1H."
  }
}

variable "pipeline_on_delete" {
  description = "What terraform does to the running pipeline when the job resource is replaced or destroyed: drain (finish in-flight data) or cancel."
  type        = string
  default     = "drain"

  validation {
    condition     = contains(["drain", "cancel"], var.pipeline_on_delete)
    error_message = "pipeline_on_delete must be drain or cancel."
  }
}

variable "propagation_wait" {
  description = "Wait after enabling APIs and after the Eventarc grants before first use (IAM and API enablement are eventually consistent)."
  type        = string
  default     = "60s"
}

variable "pseudonymize_user_ids" {
  description = "Replace user_id by HMAC-SHA256(key, user_id) in the ingest and upload functions, the key read from the Secret Manager secret <name_prefix>-user-id-hmac-key (add a version of at least 32 bytes before deploying the functions)."
  type        = bool
  default     = false
}

variable "notification_channels" {
  description = "Cloud Monitoring notification channels the alert policies notify (ids such as projects/PROJECT/notificationChannels/123); empty: alerts only show in the console."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for c in var.notification_channels : can(regex("^projects/[^/]+/notificationChannels/[^/]+$", c))])
    error_message = "Each notification channel must be projects/PROJECT/notificationChannels/ID."
  }
}

variable "alert_backlog_age_seconds" {
  description = "Alert when the oldest unacknowledged message of a pipeline subscription is older than this (seconds)."
  type        = number
  default     = 600
}

variable "alert_dead_letters_per_second" {
  description = "Alert when messages reach the dead-letter topics faster than this (per second, over 10 minutes)."
  type        = number
  default     = 0.05
}

variable "alert_serving_bad_per_second" {
  description = "Alert when the recommend function answers 5xx, or answers stale, faster than this (per second, over 5 minutes)."
  type        = number
  default     = 0.01
}

variable "trends_partition_expiration_days" {
  description = "Days a product_trends partition (by updated_at) is kept. Must exceed the serving TRENDING_WINDOW (7 days) plus the pipeline's allowed lateness: older panes can no longer count."
  type        = number
  default     = 14

  validation {
    condition     = var.trends_partition_expiration_days >= 8
    error_message = "trends_partition_expiration_days must be at least 8 (TRENDING_WINDOW is 7 days)."
  }
}

variable "neighbors_compaction_schedule" {
  description = "When the scheduled query deletes superseded item_neighbors rows (rows of a list older than its newest), in the Data Transfer Service's schedule syntax."
  type        = string
  default     = "every 24 hours"
}
