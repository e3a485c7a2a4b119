package dev.shopstream.functions.upload;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shopstream.contract.EventIds;
import dev.shopstream.contract.Json;
import dev.shopstream.functions.Settings;
import java.io.IOException;
import java.net.URI;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Launches a Dataflow Flex Template job for one object: {@code POST
 * https://dataflow.googleapis.com/v1b3/projects/{project}/locations/{region}/flexTemplates:launch}.
 *
 * <p>Template parameters (all strings, options of the events pipeline's {@code EventsPipelineOptions}, see
 * {@code docs/DATAFLOW.md}): for events objects {@code inputFiles} ({@code gs://bucket/object}) with
 * {@code sourceBucket}, {@code sourceObject} and {@code sourceGeneration} (the row ids: the same as if the object had
 * been published row by row); for catalog objects {@code catalogFiles} and, when known, {@code defaultUpdatedAt}
 * (catalog rows without {@code updated_at}); always {@code warehouse=BIGQUERY} and {@code bigQueryDataset}. The
 * format and compression follow from the object's name, as in the upload function.
 *
 * <p>The job name is derived from bucket, object and generation ({@code backfill-<kind>-<32 hex>}): Dataflow refuses
 * a second active job with the same name (HTTP 409), so a redelivered event cannot start two backfills of one file;
 * that answer counts as a successful launch.
 */
public final class DataflowFlexTemplateLauncher implements BackfillLauncher {
  public static final String DEFAULT_REGION = "us-central1";
  static final Pattern REGION = Pattern.compile("[a-z]+-[a-z]+[0-9]+");
  static final Pattern GCS_PATH = Pattern.compile("gs://[a-z0-9][a-z0-9._-]{1,220}/.+");
  static final Pattern BIGQUERY_DATASET = Pattern.compile("[a-z][-a-z0-9.:]*[a-z0-9][:.][A-Za-z0-9_]{1,1024}");
  /** {@code regions/REGION/subnetworks/NAME}, or a subnet's self link (a Shared VPC's). */
  static final Pattern SUBNETWORK = Pattern.compile("(https://www\\.googleapis\\.com/compute/v1/projects/"
      + "[a-z][-a-z0-9.:]*[a-z0-9]/)?regions/[a-z0-9-]+/subnetworks/[a-z0-9-]+");
  static final Pattern IP_CONFIGURATION = Pattern.compile("WORKER_IP_PRIVATE|WORKER_IP_PUBLIC");
  static final int MAX_ERROR_BODY_CHARS = 2000;

  /**
   * Where and how jobs run.
   *
   * @param project {@code PROJECT_ID} (or {@code GOOGLE_CLOUD_PROJECT})
   * @param region {@code DATAFLOW_REGION}, default {@code us-central1}
   * @param templateGcsPath the Flex Template spec file, {@code TEMPLATE_GCS_PATH} ({@code gs://...})
   * @param tempLocation {@code DATAFLOW_TEMP_LOCATION} ({@code gs://...}), or null for the template's default
   * @param serviceAccountEmail {@code DATAFLOW_SERVICE_ACCOUNT}, or null for the default worker account
   * @param maxWorkers {@code DATAFLOW_MAX_WORKERS} (1 to 1000), or null for Dataflow's default
   * @param bigQueryDataset {@code DATAFLOW_BIGQUERY_DATASET}, the warehouse the job writes ({@code project:dataset}
   *     or {@code project.dataset})
   * @param subnetwork {@code DATAFLOW_SUBNETWORK}, the workers' subnet ({@code regions/REGION/subnetworks/NAME} or a
   *     self link), or null for the project's default network
   * @param ipConfiguration {@code DATAFLOW_IP_CONFIGURATION} ({@code WORKER_IP_PRIVATE}: workers without external
   *     IPs, as terraform sets it), or null for Dataflow's default (public IPs)
   */
  public record Config(String project, String region, String templateGcsPath, String tempLocation,
      String serviceAccountEmail, Integer maxWorkers, String bigQueryDataset, String subnetwork,
      String ipConfiguration) {
    public Config {
      Objects.requireNonNull(project, "project");
      Objects.requireNonNull(region, "region");
      Objects.requireNonNull(templateGcsPath, "templateGcsPath");
      Objects.requireNonNull(bigQueryDataset, "bigQueryDataset");
    }

    /** Jobs on the project's default network and Dataflow's default IP configuration. */
    public Config(String project, String region, String templateGcsPath, String tempLocation,
        String serviceAccountEmail, Integer maxWorkers, String bigQueryDataset) {
      this(project, region, templateGcsPath, tempLocation, serviceAccountEmail, maxWorkers, bigQueryDataset, null,
          null);
    }

    /** The configuration from the settings; empty when {@code TEMPLATE_GCS_PATH} is not set. */
    public static java.util.Optional<Config> from(Settings settings) {
      if (settings.optional("TEMPLATE_GCS_PATH").isEmpty()) {
        return java.util.Optional.empty();
      }
      String project = settings.projectId().orElseGet(() -> settings.required("PROJECT_ID"));
      String maxWorkers = settings.optional("DATAFLOW_MAX_WORKERS").orElse(null);
      return java.util.Optional.of(new Config(project,
          settings.string("DATAFLOW_REGION", DEFAULT_REGION, REGION, "a Google Cloud region such as us-central1"),
          settings.required("TEMPLATE_GCS_PATH", GCS_PATH, "a gs:// path of a Flex Template spec file"),
          settings.optional("DATAFLOW_TEMP_LOCATION").isPresent()
              ? settings.required("DATAFLOW_TEMP_LOCATION", GCS_PATH, "a gs:// path") : null,
          settings.optional("DATAFLOW_SERVICE_ACCOUNT").orElse(null),
          maxWorkers == null ? null : settings.integer("DATAFLOW_MAX_WORKERS", 1, 1, 1000),
          settings.required("DATAFLOW_BIGQUERY_DATASET", BIGQUERY_DATASET, "project:dataset or project.dataset"),
          settings.optional("DATAFLOW_SUBNETWORK").isPresent()
              ? settings.required("DATAFLOW_SUBNETWORK", SUBNETWORK,
                  "regions/REGION/subnetworks/NAME or a subnet's self link")
              : null,
          settings.optional("DATAFLOW_IP_CONFIGURATION").isPresent()
              ? settings.required("DATAFLOW_IP_CONFIGURATION", IP_CONFIGURATION,
                  "WORKER_IP_PRIVATE or WORKER_IP_PUBLIC")
              : null));
    }
  }

  private final Config config;
  private final HttpSender http;

  public DataflowFlexTemplateLauncher(Config config, HttpSender http) {
    this.config = Objects.requireNonNull(config, "config");
    this.http = Objects.requireNonNull(http, "http");
  }

  /** {@code backfill-events-<32 hex>}: the same for the same bucket, object and generation. */
  public static String jobName(UploadedObject o, FileType type) {
    return EventIds.fromParts("backfill-" + type.kind().wireName() + "-", o.bucket(), o.name(),
        Long.toString(o.generation()));
  }

  /** The request {@link #launch} sends (without credentials, which the sender adds). */
  public HttpSender.Request request(Request r) {
    UploadedObject o = r.object();
    ObjectNode body = Json.MAPPER.createObjectNode();
    ObjectNode launch = body.putObject("launchParameter");
    launch.put("jobName", jobName(o, r.type()));
    launch.put("containerSpecGcsPath", config.templateGcsPath());
    ObjectNode parameters = launch.putObject("parameters");
    if (r.type().kind() == FileType.Kind.EVENTS) {
      parameters.put("inputFiles", o.uri());
      parameters.put("sourceBucket", o.bucket());
      parameters.put("sourceObject", o.name());
      parameters.put("sourceGeneration", Long.toString(o.generation()));
    } else {
      parameters.put("catalogFiles", o.uri());
      if (r.defaultUpdatedAt() != null) {
        parameters.put("defaultUpdatedAt", r.defaultUpdatedAt());
      }
    }
    parameters.put("warehouse", "BIGQUERY");
    parameters.put("bigQueryDataset", config.bigQueryDataset());
    ObjectNode environment = launch.putObject("environment");
    if (config.tempLocation() != null) {
      environment.put("tempLocation", config.tempLocation());
    }
    if (config.serviceAccountEmail() != null) {
      environment.put("serviceAccountEmail", config.serviceAccountEmail());
    }
    if (config.maxWorkers() != null) {
      environment.put("maxWorkers", config.maxWorkers());
    }
    if (config.subnetwork() != null) {
      environment.put("subnetwork", config.subnetwork());
    }
    if (config.ipConfiguration() != null) {
      environment.put("ipConfiguration", config.ipConfiguration());
    }
    URI uri = URI.create("https://dataflow.googleapis.com/v1b3/projects/" + config.project() + "/locations/"
        + config.region() + "/flexTemplates:launch");
    return new HttpSender.Request("POST", uri, Map.of("Content-Type", "application/json; charset=utf-8"),
        body.toString());
  }

  @Override
  public Launch launch(Request r) throws IOException, RejectedException {
    HttpSender.Request request = request(r);
    String jobName = jobName(r.object(), r.type());
    HttpSender.Response response = http.send(request);
    int status = response.status();
    if (status >= 200 && status < 300) {
      JsonNode job = Json.MAPPER.readTree(response.body() == null ? "{}" : response.body()).path("job"); // trusted JSON: Google's API answer
      return new Launch(jobName, job.path("id").isTextual() ? job.get("id").textValue() : null, false);
    }
    if (status == 409) {
      return new Launch(jobName, null, true);
    }
    String detail = response.body() == null ? "" : response.body();
    detail = detail.length() > MAX_ERROR_BODY_CHARS ? detail.substring(0, MAX_ERROR_BODY_CHARS) + "..." : detail;
    String message = "Dataflow refused to launch " + jobName + " (HTTP " + status + "): " + detail;
    if (status == 408 || status == 429 || status >= 500) {
      throw new IOException(message);
    }
    throw new RejectedException(message);
  }
}
