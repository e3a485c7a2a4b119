package dev.shopstream.terraform;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shopstream.terraform.TerraformConfig.Block;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every .tf file parses; every reference names something declared; each resource has its required arguments. */
class TerraformSyntaxAndReferencesTest {
  /** Roots of references that name resources: the prefixes of the providers this configuration may use. */
  private static final Pattern RESOURCE_TYPE = Pattern.compile("^(google|archive|time|random|null|terraform)_[a-z0-9_]+$");

  /**
   * Required arguments (and blocks) of each resource and data source type used, per the provider docs. A type
   * missing here fails the test: add its required arguments when you start using it.
   */
  static final Map<String, List<String>> REQUIRED = Map.ofEntries(
      Map.entry("google_project_service", List.of("service")),
      Map.entry("google_service_account", List.of("account_id")),
      Map.entry("google_project_iam_member", List.of("project", "role", "member")),
      Map.entry("google_pubsub_topic_iam_member", List.of("topic", "role", "member")),
      Map.entry("google_pubsub_subscription_iam_member", List.of("subscription", "role", "member")),
      Map.entry("google_storage_bucket_iam_member", List.of("bucket", "role", "member")),
      Map.entry("google_bigquery_dataset_iam_member", List.of("dataset_id", "role", "member")),
      Map.entry("google_bigquery_table_iam_member", List.of("dataset_id", "table_id", "role", "member")),
      Map.entry("google_bigquery_data_transfer_config", List.of("display_name", "data_source_id", "params")),
      Map.entry("google_cloud_run_service_iam_member", List.of("location", "service", "role", "member")),
      Map.entry("google_service_account_iam_member", List.of("service_account_id", "role", "member")),
      Map.entry("google_project_iam_custom_role", List.of("role_id", "title", "permissions")),
      Map.entry("google_compute_network", List.of("name")),
      Map.entry("google_compute_subnetwork", List.of("name", "network", "ip_cidr_range")),
      Map.entry("google_compute_firewall", List.of("name", "network")),
      Map.entry("google_logging_metric", List.of("name", "filter")),
      Map.entry("google_monitoring_dashboard", List.of("dashboard_json")),
      Map.entry("google_monitoring_alert_policy", List.of("display_name", "combiner", "conditions")),
      Map.entry("google_artifact_registry_repository_iam_member",
          List.of("location", "repository", "role", "member")),
      Map.entry("google_storage_bucket", List.of("name", "location")),
      Map.entry("google_storage_bucket_object", List.of("name", "bucket")),
      Map.entry("terraform_data", List.of()),
      Map.entry("google_artifact_registry_repository", List.of("repository_id", "format", "location")),
      Map.entry("google_pubsub_topic", List.of("name")),
      Map.entry("google_pubsub_subscription", List.of("name", "topic")),
      Map.entry("google_bigquery_dataset", List.of("dataset_id")),
      Map.entry("google_bigquery_table", List.of("dataset_id", "table_id")),
      Map.entry("google_cloudfunctions2_function", List.of("name", "location", "build_config", "service_config")),
      Map.entry("google_dataflow_flex_template_job", List.of("name", "container_spec_gcs_path", "region")),
      Map.entry("google_secret_manager_secret", List.of("secret_id", "replication")),
      Map.entry("google_secret_manager_secret_iam_member", List.of("secret_id", "role", "member")),
      Map.entry("time_sleep", List.of()),
      Map.entry("data.google_project", List.of()),
      Map.entry("data.google_storage_project_service_account", List.of()),
      Map.entry("data.archive_file", List.of("type", "output_path")));

  static TerraformConfig tf;

  @BeforeAll
  static void load() {
    tf = TerraformConfig.load();
  }

  @Test
  void everyTfFileParses() {
    assertThat(tf.files).as("no .tf files under %s", TerraformConfig.DIR).isNotEmpty();
    List<String> errors = tf.files.stream().flatMap(f -> f.errors().stream()).toList();
    assertThat(errors).as("syntax errors").isEmpty();
  }

  @Test
  void aSyntaxErrorIsReportedWithItsLine() {
    TerraformConfig.File f = TerraformConfig.parse(TerraformConfig.DIR.resolve("broken.tf"),
        "variable \"a\" {\n  default = 1\n}\n\nresource \"x\" \"y\" {\n  a = = 2\n}\n");
    assertThat(f.errors()).isNotEmpty();
    assertThat(f.errors().get(0)).contains("broken.tf").contains("line 6");
  }

  @Test
  void everyReferenceIsDeclared() {
    assertThat(tf.blocks.stream().mapToLong(b -> b.references().size()).sum()).as("references found").isGreaterThan(50);
    assertThat(undeclared(tf)).isEmpty();
  }

  @Test
  void anUndeclaredReferenceIsReported() {
    TerraformConfig bad = TerraformConfig.fromText(Map.of("bad.tf", """
        variable "a" {
          type = string
        }
        locals {
          l = "${var.a}-${var.nope}"
        }
        resource "google_pubsub_topic" "t" {
          name   = local.l
          labels = { x = local.missing }
          depends_on = [google_service_account.ghost]
        }
        output "o" {
          value = [google_pubsub_topic.t.id, google_pubsub_topic.other.id, data.google_project.p.number]
        }
        """));
    assertThat(undeclared(bad)).hasSize(5)
        .anySatisfy(m -> assertThat(m).contains("bad.tf:4").contains("var.nope"))
        .anySatisfy(m -> assertThat(m).contains("local.missing"))
        .anySatisfy(m -> assertThat(m).contains("google_service_account.ghost"))
        .anySatisfy(m -> assertThat(m).contains("google_pubsub_topic.other"))
        .anySatisfy(m -> assertThat(m).contains("data.google_project.p"));
  }

  static List<String> undeclared(TerraformConfig tf) {
    Set<String> variables = names(tf, "variable");
    Set<String> modules = names(tf, "module");
    Set<String> locals = new HashSet<>();
    tf.ofType("locals").forEach(b -> locals.addAll(b.attributes().keySet()));
    Set<String> resources = new HashSet<>();
    tf.ofType("resource").forEach(b -> resources.add(b.address()));
    Set<String> data = new HashSet<>();
    tf.ofType("data").forEach(b -> data.add(b.address()));
    Set<String> iterators = new HashSet<>();
    tf.blocks.forEach(b -> collectDynamicLabels(b, iterators));

    List<String> undeclared = new ArrayList<>();
    for (Block b : tf.blocks) {
      for (List<String> ref : b.references()) {
        String root = ref.get(0);
        String problem = switch (root) {
          case "var" -> ref.size() > 1 && !variables.contains(ref.get(1)) ? "var." + ref.get(1) : null;
          case "local" -> ref.size() > 1 && !locals.contains(ref.get(1)) ? "local." + ref.get(1) : null;
          case "module" -> ref.size() > 1 && !modules.contains(ref.get(1)) ? "module." + ref.get(1) : null;
          case "data" -> ref.size() > 2 && !data.contains("data." + ref.get(1) + "." + ref.get(2))
              ? "data." + ref.get(1) + "." + ref.get(2) : null;
          default -> RESOURCE_TYPE.matcher(root).matches() && !iterators.contains(root) && ref.size() > 1
              && !resources.contains(root + "." + ref.get(1)) ? root + "." + ref.get(1) : null;
        };
        if (problem != null) {
          undeclared.add(b.where() + ": " + problem + " is not declared");
        }
      }
    }
    return undeclared.stream().distinct().toList();
  }

  @Test
  void dependsOnNamesDeclaredResources() {
    Set<String> addresses = new HashSet<>();
    tf.ofType("resource").forEach(b -> addresses.add(b.address()));
    tf.ofType("data").forEach(b -> addresses.add(b.address()));
    List<String> bad = new ArrayList<>();
    tf.blocks.forEach(b -> b.dependsOn().stream().filter(d -> !addresses.contains(d))
        .forEach(d -> bad.add(b.where() + ": depends_on " + d + " is not declared")));
    assertThat(bad).isEmpty();
  }

  @Test
  void everyResourceHasItsRequiredArguments() {
    List<String> missing = new ArrayList<>();
    for (Block b : tf.blocks) {
      if (!b.type().equals("resource") && !b.type().equals("data")) {
        continue;
      }
      String key = (b.type().equals("data") ? "data." : "") + b.label(0);
      List<String> required = REQUIRED.get(key);
      if (required == null) {
        missing.add(b.where() + ": type " + key + " is not in the REQUIRED table of this test; add it");
        continue;
      }
      for (String r : required) {
        if (!b.attributes().containsKey(r) && b.block(r).isEmpty()) {
          missing.add(b.where() + ": required argument " + r + " is missing");
        }
      }
    }
    assertThat(missing).isEmpty();
  }

  /** A bucket object is uploaded from exactly one of source (a file) and content (a string). */
  @Test
  void everyBucketObjectHasSourceOrContent() {
    tf.resources("google_storage_bucket_object").forEach(b -> assertThat(
        b.attributes().containsKey("source") ^ b.attributes().containsKey("content"))
        .as("%s: exactly one of source and content", b.where()).isTrue());
  }

  @Test
  void everyVariableAndOutputHasADescription() {
    List<String> bad = new ArrayList<>();
    tf.blocks.stream().filter(b -> b.type().equals("variable") || b.type().equals("output"))
        .filter(b -> !b.attributes().containsKey("description"))
        .forEach(b -> bad.add(b.where() + ": no description"));
    tf.ofType("variable").filter(b -> !b.attributes().containsKey("type"))
        .forEach(b -> bad.add(b.where() + ": no type"));
    assertThat(bad).isEmpty();
  }

  @Test
  void everyVariableIsUsed() {
    Set<String> used = new TreeSet<>();
    tf.blocks.forEach(b -> b.references().stream().filter(r -> r.get(0).equals("var") && r.size() > 1)
        .forEach(r -> used.add(r.get(1))));
    assertThat(used).containsAll(names("variable"));
  }

  @Test
  void theBackendIsAPartialGcsConfiguration() {
    Block terraform = tf.ofType("terraform").findFirst().orElseThrow(() -> new AssertionError("no terraform block"));
    assertThat(terraform.blocks("backend")).singleElement()
        .satisfies(b -> assertThat(b.labels()).containsExactly("gcs"))
        .satisfies(b -> assertThat(b.attributes()).as("partial config: set at terraform init").isEmpty());
    assertThat(terraform.text("required_version").orElse("")).contains(">= 1.5");
    Map<String, String> providers = terraform.block("required_providers")
        .map(p -> {
          Map<String, String> out = new java.util.LinkedHashMap<>();
          p.attributes().forEach((k, v) -> out.put(k, TerraformConfig.print(v)));
          return out;
        }).orElseThrow();
    assertThat(providers).containsKeys("google", "archive");
    assertThat(providers.get("google")).contains("hashicorp/google").contains("~> 6.0");
  }

  private static Set<String> names(String blockType) {
    return names(tf, blockType);
  }

  private static Set<String> names(TerraformConfig tf, String blockType) {
    Set<String> out = new HashSet<>();
    tf.ofType(blockType).forEach(b -> out.add(b.label(0)));
    return out;
  }

  private static void collectDynamicLabels(Block b, Set<String> out) {
    if (b.type().equals("dynamic")) {
      out.add(b.label(0));
    }
    b.blocks().forEach(n -> collectDynamicLabels(n, out));
  }

  static String rel(Path p) {
    return TerraformConfig.DIR.relativize(p).toString();
  }
}
