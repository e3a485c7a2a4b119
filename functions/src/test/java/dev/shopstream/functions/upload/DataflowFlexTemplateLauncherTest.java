package dev.shopstream.functions.upload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shopstream.contract.EventIds;
import dev.shopstream.contract.Json;
import dev.shopstream.functions.Settings;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DataflowFlexTemplateLauncherTest {
  private static final UploadedObject OBJECT = new UploadedObject("shop-uploads", "events/2026/big.jsonl.gz",
      1763631000123456L, 300L << 20, "application/gzip", null, "2026-11-20T09:30:00.123Z");
  private static final FileType TYPE = new FileType(FileType.Kind.EVENTS, FileType.Format.JSONL, true);
  private static final DataflowFlexTemplateLauncher.Config CONFIG = new DataflowFlexTemplateLauncher.Config(
      "my-project", "europe-west1", "gs://my-templates/backfill.json", "gs://my-temp/dataflow",
      "backfill@my-project.iam.gserviceaccount.com", 20, "my-project:shopstream");

  /** Captures requests and answers with a fixed response. */
  static final class FakeHttp implements HttpSender {
    final List<Request> requests = new ArrayList<>();
    Response response = new Response(200, "{\"job\":{\"id\":\"2026-11-20_01_02_03-123\",\"name\":\"x\"}}");

    @Override
    public Response send(Request request) {
      requests.add(request);
      return response;
    }
  }

  private final FakeHttp http = new FakeHttp();
  private final DataflowFlexTemplateLauncher launcher = new DataflowFlexTemplateLauncher(CONFIG, http);

  @Test
  void sendsTheExactFlexTemplateLaunchRequest() throws Exception {
    BackfillLauncher.Launch launch = launcher.launch(new BackfillLauncher.Request(OBJECT, TYPE, OBJECT.timeCreated()));

    String jobName = "backfill-events-" + EventIds.fromParts("", "shop-uploads", "events/2026/big.jsonl.gz",
        "1763631000123456");
    assertThat(launch).isEqualTo(new BackfillLauncher.Launch(jobName, "2026-11-20_01_02_03-123", false));
    assertThat(http.requests).hasSize(1);
    HttpSender.Request request = http.requests.get(0);
    assertThat(request.method()).isEqualTo("POST");
    assertThat(request.uri()).isEqualTo(URI.create(
        "https://dataflow.googleapis.com/v1b3/projects/my-project/locations/europe-west1/flexTemplates:launch"));
    assertThat(request.headers()).isEqualTo(Map.of("Content-Type", "application/json; charset=utf-8"));
    JsonNode body = Json.MAPPER.readTree(request.body());
    assertThat(body).isEqualTo(Json.MAPPER.readTree("""
        {"launchParameter": {
           "jobName": "%s",
           "containerSpecGcsPath": "gs://my-templates/backfill.json",
           "parameters": {
             "inputFiles": "gs://shop-uploads/events/2026/big.jsonl.gz",
             "sourceBucket": "shop-uploads",
             "sourceObject": "events/2026/big.jsonl.gz",
             "sourceGeneration": "1763631000123456",
             "warehouse": "BIGQUERY",
             "bigQueryDataset": "my-project:shopstream"},
           "environment": {
             "tempLocation": "gs://my-temp/dataflow",
             "serviceAccountEmail": "backfill@my-project.iam.gserviceaccount.com",
             "maxWorkers": 20}}}""".formatted(jobName)));
    assertThat(jobName).matches("[a-z]([-a-z0-9]{0,1022}[a-z0-9])?"); // Dataflow's job name rule
  }

  @Test
  void jobNameIsDeterministicPerGeneration() {
    UploadedObject next = new UploadedObject(OBJECT.bucket(), OBJECT.name(), OBJECT.generation() + 1, OBJECT.size(),
        null, null, null);

    assertThat(DataflowFlexTemplateLauncher.jobName(OBJECT, TYPE)).isEqualTo(DataflowFlexTemplateLauncher.jobName(
        new UploadedObject(OBJECT.bucket(), OBJECT.name(), OBJECT.generation(), 1, null, null, null), TYPE));
    assertThat(DataflowFlexTemplateLauncher.jobName(next, TYPE)).isNotEqualTo(
        DataflowFlexTemplateLauncher.jobName(OBJECT, TYPE));
  }

  @Test
  void optionalEnvironmentIsLeftOut() throws Exception {
    DataflowFlexTemplateLauncher bare = new DataflowFlexTemplateLauncher(new DataflowFlexTemplateLauncher.Config(
        "my-project", "us-central1", "gs://t/spec.json", null, null, null, "my-project.shop"), http);
    FileType csv = new FileType(FileType.Kind.CATALOG, FileType.Format.CSV, false);
    UploadedObject catalog = new UploadedObject("shop-uploads", "catalog/all.csv", 7, 300L << 20, null, null, null);

    JsonNode launch = Json.MAPPER.readTree(bare.request(new BackfillLauncher.Request(catalog, csv, null)).body())
        .get("launchParameter");

    assertThat(launch.get("environment")).isEqualTo(Json.MAPPER.createObjectNode());
    assertThat(launch.get("parameters")).isEqualTo(Json.MAPPER.readTree("""
        {"catalogFiles": "gs://shop-uploads/catalog/all.csv", "warehouse": "BIGQUERY",
         "bigQueryDataset": "my-project.shop"}"""));
    assertThat(Json.MAPPER.readTree(bare.request(new BackfillLauncher.Request(catalog, csv, "2026-11-20T09:30:00Z"))
        .body()).at("/launchParameter/parameters/defaultUpdatedAt").asText()).isEqualTo("2026-11-20T09:30:00Z");
    assertThat(launch.get("jobName").asText()).startsWith("backfill-catalog-");
  }

  @Test
  void aJobAlreadyRunningUnderTheNameCountsAsLaunched() throws Exception {
    http.response = new HttpSender.Response(409, "{\"error\":{\"status\":\"ALREADY_EXISTS\"}}");

    BackfillLauncher.Launch launch = launcher.launch(new BackfillLauncher.Request(OBJECT, TYPE, null));

    assertThat(launch.alreadyRunning()).isTrue();
    assertThat(launch.jobId()).isNull();
  }

  @Test
  void transientFailuresAreIoExceptionsAndPermanentOnesAreRejections() {
    http.response = new HttpSender.Response(503, "unavailable");
    assertThatThrownBy(() -> launcher.launch(new BackfillLauncher.Request(OBJECT, TYPE, null)))
        .isInstanceOf(IOException.class).hasMessageContaining("HTTP 503");

    http.response = new HttpSender.Response(403, "{\"error\":{\"status\":\"PERMISSION_DENIED\"}}");
    assertThatThrownBy(() -> launcher.launch(new BackfillLauncher.Request(OBJECT, TYPE, null)))
        .isInstanceOf(BackfillLauncher.RejectedException.class).hasMessageContaining("PERMISSION_DENIED");
  }

  /** Backfill jobs run where terraform puts the streaming job: its subnet, no external IPs (issue 15, item 5). */
  @Test
  void theWorkersSubnetAndPrivateIpsReachTheLaunchEnvironment() throws Exception {
    DataflowFlexTemplateLauncher.Config config = DataflowFlexTemplateLauncher.Config.from(new Settings(Map.of(
        "PROJECT_ID", "my-project", "TEMPLATE_GCS_PATH", "gs://tpl/spec.json",
        "DATAFLOW_BIGQUERY_DATASET", "my-project:shopstream",
        "DATAFLOW_SUBNETWORK", "regions/europe-west1/subnetworks/shopstream-dataflow-europe-west1",
        "DATAFLOW_IP_CONFIGURATION", "WORKER_IP_PRIVATE")::get)).orElseThrow();
    new DataflowFlexTemplateLauncher(config, http).launch(new BackfillLauncher.Request(OBJECT, TYPE, null));
    JsonNode environment = Json.MAPPER.readTree(http.requests.get(0).body()).path("launchParameter")
        .path("environment");
    assertThat(environment.path("subnetwork").asText())
        .isEqualTo("regions/europe-west1/subnetworks/shopstream-dataflow-europe-west1");
    assertThat(environment.path("ipConfiguration").asText()).isEqualTo("WORKER_IP_PRIVATE");
    assertThat(DataflowFlexTemplateLauncher.Config.from(new Settings(Map.of("PROJECT_ID", "my-project",
        "TEMPLATE_GCS_PATH", "gs://tpl/spec.json", "DATAFLOW_BIGQUERY_DATASET", "my-project:shopstream",
        "DATAFLOW_SUBNETWORK", "https://www.googleapis.com/compute/v1/projects/host-project/regions/europe-west1/"
            + "subnetworks/shared")::get))).isPresent();
    assertThatThrownBy(() -> DataflowFlexTemplateLauncher.Config.from(new Settings(Map.of("PROJECT_ID",
        "my-project", "TEMPLATE_GCS_PATH", "gs://tpl/spec.json", "DATAFLOW_BIGQUERY_DATASET", "my-project:shopstream",
        "DATAFLOW_IP_CONFIGURATION", "PRIVATE")::get)))
        .hasMessageContaining("DATAFLOW_IP_CONFIGURATION");
    assertThatThrownBy(() -> DataflowFlexTemplateLauncher.Config.from(new Settings(Map.of("PROJECT_ID",
        "my-project", "TEMPLATE_GCS_PATH", "gs://tpl/spec.json", "DATAFLOW_BIGQUERY_DATASET", "my-project:shopstream",
        "DATAFLOW_SUBNETWORK", "default")::get)))
        .hasMessageContaining("DATAFLOW_SUBNETWORK");
  }

  @Test
  void configComesFromSettingsOnlyWhenATemplateIsSet() {
    assertThat(DataflowFlexTemplateLauncher.Config.from(new Settings(Map.of("PROJECT_ID", "my-project")::get)))
        .isEmpty();
    assertThat(DataflowFlexTemplateLauncher.Config.from(new Settings(Map.of("PROJECT_ID", "my-project",
        "TEMPLATE_GCS_PATH", "gs://tpl/spec.json", "DATAFLOW_MAX_WORKERS", "5",
        "DATAFLOW_BIGQUERY_DATASET", "my-project:shopstream")::get)))
        .contains(new DataflowFlexTemplateLauncher.Config("my-project", "us-central1", "gs://tpl/spec.json", null,
            null, 5, "my-project:shopstream"));
    assertThatThrownBy(() -> DataflowFlexTemplateLauncher.Config.from(new Settings(Map.of("PROJECT_ID",
        "my-project", "TEMPLATE_GCS_PATH", "gs://tpl/spec.json")::get)))
        .hasMessageContaining("DATAFLOW_BIGQUERY_DATASET is not set");
    assertThatThrownBy(() -> DataflowFlexTemplateLauncher.Config.from(new Settings(Map.of("PROJECT_ID",
        "my-project", "TEMPLATE_GCS_PATH", "/local/spec.json")::get)))
        .hasMessageContaining("TEMPLATE_GCS_PATH must be a gs:// path");
  }
}
