# The events pipeline's Flex Template, made by this apply: the launcher image (built and pushed by Jib from module
# flex-template: the pipeline jar and its runtime dependencies without DuckDB, profile flex-template) and the
# template spec (written here from metadata.json). The one build step before `terraform apply` is README "Build":
#   ./mvnw -B -ntp -DskipTests -pl flex-template -am package -Pflex-template
# The image tag is a hash of what that build produced (flex-template/target/flex), so a changed build gives a new
# tag, a new spec object and an in-place update of the streaming job; an unchanged build changes nothing.
#
# The push runs on the machine running terraform, as the identity gcloud is logged in with (Jib asks gcloud's
# Docker credential helper): no Docker engine, no Cloud Build and no default Cloud Build account are involved.
locals {
  pipeline_jars              = sort([for f in fileset("${var.pipeline_build_dir}/flex", "*.jar") : "${var.pipeline_build_dir}/flex/${f}"])
  pipeline_build_id          = substr(sha256(join("\n", [for f in local.pipeline_jars : "${basename(f)} ${filesha256(f)}"])), 0, 16)
  templates_repository       = "${google_artifact_registry_repository.templates.location}-docker.pkg.dev/${var.project_id}/${google_artifact_registry_repository.templates.repository_id}"
  pipeline_image             = "${local.templates_repository}/events-pipeline:${local.pipeline_build_id}"
  pipeline_template_gcs_path = "gs://${google_storage_bucket.templates.name}/${google_storage_bucket_object.pipeline_template.name}"
}

resource "terraform_data" "pipeline_image" {
  triggers_replace = [local.pipeline_image]

  provisioner "local-exec" {
    working_dir = "${path.module}/.."
    command     = "./mvnw -B -ntp -q -DskipTests -pl flex-template -am package -Pflex-template -Dflex.image.skip.push=false -Dflex.image=${local.pipeline_image} -Djib.to.credHelper=gcloud"
  }

  lifecycle {
    precondition {
      condition     = length(local.pipeline_jars) > 1
      error_message = "No pipeline build in ${var.pipeline_build_dir}/flex: run ./mvnw -B -ntp -DskipTests -pl flex-template -am package -Pflex-template first (README: Build)."
    }
  }

  depends_on = [google_artifact_registry_repository.templates, time_sleep.apis_propagation]
}

# The spec `gcloud dataflow flex-template build` would write: the image, the SDK language and the metadata.
resource "google_storage_bucket_object" "pipeline_template" {
  name         = "events-pipeline-${local.pipeline_build_id}.json"
  bucket       = google_storage_bucket.templates.name
  content_type = "application/json"
  content = jsonencode({
    image    = local.pipeline_image
    sdkInfo  = { language = "JAVA" }
    metadata = jsondecode(file(var.pipeline_metadata_file))
  })

  depends_on = [terraform_data.pipeline_image]
}
