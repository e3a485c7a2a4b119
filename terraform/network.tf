# The Dataflow workers' network: a VPC of their own with one subnet in var.region, Private Google Access (workers
# without external IPs still reach Pub/Sub, BigQuery, Cloud Storage and Artifact Registry), and the firewall rule
# that lets workers talk to each other on the ports Dataflow uses (TCP 12345 for streaming, 12346 for batch
# shuffle), between VMs carrying Dataflow's network tag "dataflow". Workers get no external IP
# (ip_configuration = WORKER_IP_PRIVATE in dataflow.tf), which is what the common org policy
# constraints/compute.vmExternalIpAccess requires, and nothing on the internet can reach them.
#
# With var.dataflow_subnetwork set (e.g. a Shared VPC subnet), none of this is created: that subnet must have
# Private Google Access and the same firewall rule.
locals {
  create_network = var.dataflow_subnetwork == ""
  dataflow_subnetwork = local.create_network ? (
    "regions/${var.region}/subnetworks/${one(google_compute_subnetwork.dataflow[*].name)}"
  ) : var.dataflow_subnetwork
}

resource "google_compute_network" "dataflow" {
  count = local.create_network ? 1 : 0

  name                    = "${local.prefix}-dataflow"
  description             = "shopstream Dataflow workers"
  auto_create_subnetworks = false

  depends_on = [google_project_service.apis]
}

resource "google_compute_subnetwork" "dataflow" {
  count = local.create_network ? 1 : 0

  name                     = "${local.prefix}-dataflow-${var.region}"
  region                   = var.region
  network                  = google_compute_network.dataflow[0].id
  ip_cidr_range            = var.dataflow_subnet_cidr
  private_ip_google_access = true
}

resource "google_compute_firewall" "dataflow_workers" {
  count = local.create_network ? 1 : 0

  name        = "${local.prefix}-dataflow-workers"
  network     = google_compute_network.dataflow[0].id
  description = "Dataflow workers exchange data with each other (streaming 12345, batch shuffle 12346)."
  direction   = "INGRESS"
  source_tags = ["dataflow"]
  target_tags = ["dataflow"]

  allow {
    protocol = "tcp"
    ports    = ["12345-12346"]
  }
}
