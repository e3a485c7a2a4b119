package dev.shopstream.terraform;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shopstream.terraform.TerraformConfig.Block;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Least privilege and the first-apply ordering, checked on the parsed configuration. */
class TerraformPolicyTest {
  /** Basic roles and every admin role (roles/x.admin, roles/x.objectAdmin, ...). */
  static final Pattern FORBIDDEN_ROLE = Pattern.compile(
      "roles/(owner|editor)\\b|roles/[A-Za-z0-9_.]*(\\.admin|Admin)\\b");
  static final Pattern SERVICE_ACCOUNT_REF = Pattern.compile("google_service_account\\.([a-z0-9_]+)");

  static TerraformConfig tf;

  @BeforeAll
  static void load() {
    tf = TerraformConfig.load();
  }

  @Test
  void noBasicOrAdminRoleAnywhere() {
    assertThat(forbiddenRoles(tf)).isEmpty();
  }

  @Test
  void theRoleCheckCatchesBasicAndAdminRoles() {
    TerraformConfig bad = TerraformConfig.fromText(Map.of("bad.tf", """
        resource "google_project_iam_member" "a" {
          role = "roles/editor"
        }
        resource "google_project_iam_member" "b" {
          role = "roles/storage.objectAdmin"
        }
        resource "google_project_iam_member" "c" {
          role = "roles/pubsub.admin"
        }
        resource "google_project_iam_member" "d" {
          role = "roles/pubsub.publisher"
        }
        """));
    assertThat(forbiddenRoles(bad)).hasSize(3)
        .anySatisfy(m -> assertThat(m).startsWith("bad.tf:2"))
        .anySatisfy(m -> assertThat(m).startsWith("bad.tf:5"))
        .anySatisfy(m -> assertThat(m).startsWith("bad.tf:8"));
  }

  static List<String> forbiddenRoles(TerraformConfig tf) {
    List<String> found = new ArrayList<>();
    for (TerraformConfig.File f : tf.files) {
      String[] lines = f.text().split("\n", -1);
      for (int i = 0; i < lines.length; i++) {
        Matcher m = FORBIDDEN_ROLE.matcher(lines[i]);
        while (m.find()) {
          found.add(TerraformConfig.DIR.relativize(f.path()) + ":" + (i + 1) + ": " + m.group());
        }
      }
    }
    return found;
  }

  @Test
  void nothingIsGrantedToEveryone() {
    List<String> bad = new ArrayList<>();
    tf.ofType("resource").filter(b -> b.label(0).endsWith("_iam_member") || b.label(0).endsWith("_iam_binding"))
        .forEach(b -> {
          String members = b.text("member").orElse("") + b.text("members").orElse("");
          if (members.contains("allUsers") || members.contains("allAuthenticatedUsers")) {
            bad.add(b.where() + ": public member");
          }
        });
    tf.ofType("resource").filter(b -> b.label(0).endsWith("_iam_policy") || b.label(0).endsWith("_iam_binding"))
        .forEach(b -> bad.add(b.where() + ": authoritative IAM (use *_iam_member, which adds without removing)"));
    assertThat(bad).isEmpty();
  }

  @Test
  void everyFunctionRunsAsItsOwnServiceAccountAndBuildsAsADedicatedOne() {
    List<Block> functions = tf.resources("google_cloudfunctions2_function").toList();
    assertThat(functions).extracting(b -> b.label(1)).containsExactlyInAnyOrder("ingest", "recommend", "upload");
    Map<String, String> runtime = new HashMap<>();
    Set<String> builds = new LinkedHashSet<>();
    for (Block f : functions) {
      String sa = serviceAccount(f.block("service_config").flatMap(s -> s.text("service_account_email")))
          .orElseThrow(() -> new AssertionError(f.where() + ": service_config.service_account_email must name a google_service_account"));
      String previous = runtime.put(sa, f.label(1));
      assertThat(previous).as("%s shares service account %s with %s", f.where(), sa, previous).isNull();
      builds.add(serviceAccount(f.block("build_config").flatMap(b -> b.text("service_account")))
          .orElseThrow(() -> new AssertionError(f.where() + ": build_config.service_account must name a google_service_account")));
      f.block("event_trigger").ifPresent(t -> {
        String trigger = serviceAccount(t.text("service_account_email"))
            .orElseThrow(() -> new AssertionError(f.where() + ": event_trigger.service_account_email must be set"));
        assertThat(trigger).as("%s: the trigger has its own identity", f.where()).isNotEqualTo(sa);
      });
    }
    assertThat(builds).as("build accounts").doesNotContainAnyElementsOf(runtime.keySet());
    Block job = tf.resources("google_dataflow_flex_template_job").findFirst().orElseThrow();
    String worker = serviceAccount(job.text("service_account_email"))
        .orElseThrow(() -> new AssertionError(job.where() + ": service_account_email must name a google_service_account"));
    assertThat(runtime).doesNotContainKey(worker);
    assertThat(builds).doesNotContain(worker);
  }

  @Test
  void httpFunctionsArePrivateAndInvokersComeFromTheVariable() {
    List<Block> invokers = tf.resources("google_cloud_run_service_iam_member").toList();
    for (String fn : List.of("ingest", "recommend")) {
      assertThat(invokers).as("run.invoker bindings of %s from var.invoker_members", fn)
          .anySatisfy(b -> {
            assertThat(b.text("service").orElse("")).contains("google_cloudfunctions2_function." + fn + ".");
            assertThat(b.text("role")).hasValue("\"roles/run.invoker\"");
            assertThat(b.text("for_each").orElse("")).contains("var.invoker_members");
          });
    }
    assertThat(invokers).as("the Eventarc trigger's account invokes the upload function")
        .anySatisfy(b -> {
          assertThat(b.text("service").orElse("")).contains("google_cloudfunctions2_function.upload.");
          assertThat(b.text("member").orElse("")).contains("google_service_account.upload_trigger.");
        });
  }

  @Test
  void grantsAreInPlaceBeforeTheFunctionsAndThePipelineStart() {
    List<Block> grants = tf.ofType("resource").filter(b -> b.label(0).endsWith("_iam_member")).toList();
    List<Block> consumers = new ArrayList<>(tf.resources("google_cloudfunctions2_function").toList());
    consumers.addAll(tf.resources("google_dataflow_flex_template_job").toList());
    List<String> missing = new ArrayList<>();
    for (Block c : consumers) {
      // The identities the consumer runs or builds as (not accounts it merely names, e.g. in a setting).
      Set<String> accounts = new LinkedHashSet<>();
      Stream.of(c.text("service_account_email"),
              c.block("service_config").flatMap(s -> s.text("service_account_email")),
              c.block("build_config").flatMap(s -> s.text("service_account")),
              c.block("event_trigger").flatMap(s -> s.text("service_account_email")))
          .map(TerraformPolicyTest::serviceAccount).flatMap(Optional::stream).forEach(accounts::add);
      assertThat(accounts).as("%s: runs as a google_service_account", c.where()).isNotEmpty();
      List<String> dependsOn = c.dependsOn();
      for (Block g : grants) {
        String member = g.text("member").orElse("");
        String grant = TerraformConfig.print(g.tree());
        boolean forAccount = accounts.stream().anyMatch(a -> member.contains("google_service_account." + a + "."));
        boolean onConsumerItself = grant.contains(c.address() + ".");
        if (forAccount && !onConsumerItself && !dependsOn.contains(g.address())) {
          missing.add(c.where() + ": depends_on lacks " + g.address());
        }
      }
      if (c.block("event_trigger").isPresent()) {
        for (String needed : List.of("google_project_iam_member.eventarc_receiver",
            "google_project_iam_member.gcs_agent_publishes")) {
          if (!dependsOn.contains(needed)) {
            missing.add(c.where() + ": depends_on lacks " + needed);
          }
        }
        if (dependsOn.stream().noneMatch(d -> d.startsWith("time_sleep."))) {
          missing.add(c.where() + ": an Eventarc trigger needs a time_sleep after its grants (IAM propagation)");
        }
      }
    }
    assertThat(missing).isEmpty();
  }

  @Test
  void bucketsAreUniformAndNeverPublic() {
    List<Block> buckets = tf.resources("google_storage_bucket").toList();
    assertThat(buckets).extracting(b -> b.label(1)).contains("uploads", "function_sources", "dataflow_temp", "templates");
    for (Block b : buckets) {
      assertThat(b.text("uniform_bucket_level_access")).as(b.where()).hasValue("true");
      assertThat(b.text("public_access_prevention")).as(b.where()).hasValue("\"enforced\"");
    }
  }

  @Test
  void deadLetterTopicsCanBeUsedByThePubsubServiceAgent() {
    List<Block> agentGrants = tf.ofType("resource")
        .filter(b -> b.label(0).startsWith("google_pubsub_") && b.label(0).endsWith("_iam_member"))
        .filter(b -> b.text("member").orElse("").contains("pubsub_service_agent")).toList();
    String agent = tf.ofType("locals").map(b -> b.text("pubsub_service_agent")).flatMap(Optional::stream)
        .findFirst().orElseThrow(() -> new AssertionError("no local.pubsub_service_agent"));
    assertThat(agent).contains("service-${data.google_project.this.number}@gcp-sa-pubsub.iam.gserviceaccount.com");
    List<Block> withDeadLetters = tf.resources("google_pubsub_subscription")
        .filter(s -> s.block("dead_letter_policy").isPresent()).toList();
    assertThat(withDeadLetters).extracting(b -> b.label(1)).contains("events_pipeline");
    for (Block s : withDeadLetters) {
      String topic = s.block("dead_letter_policy").flatMap(d -> d.text("dead_letter_topic")).orElseThrow()
          .replaceAll("\\.id$", "");
      assertThat(agentGrants).as("%s: Pub/Sub service agent publishes to %s", s.where(), topic).anySatisfy(g -> {
        assertThat(g.label(0)).isEqualTo("google_pubsub_topic_iam_member");
        assertThat(g.text("role")).hasValue("\"roles/pubsub.publisher\"");
        assertThat(TerraformConfig.print(g.tree())).contains(topic + ".");
      });
      assertThat(agentGrants).as("%s: Pub/Sub service agent subscribes to it", s.where()).anySatisfy(g -> {
        assertThat(g.label(0)).isEqualTo("google_pubsub_subscription_iam_member");
        assertThat(g.text("role")).hasValue("\"roles/pubsub.subscriber\"");
        assertThat(TerraformConfig.print(g.tree())).contains(s.address() + ".");
      });
    }
  }

  /**
   * Data roles are granted on the topic, bucket or dataset, not the project. The one exception: a bucket terraform
   * does not create (Cloud Functions' gcf-v2-sources bucket) gets a project grant narrowed by an IAM condition to
   * that bucket's name.
   */
  @Test
  void publishingIsGrantedOnTheTopicsNotTheProject() {
    tf.resources("google_project_iam_member").forEach(b -> {
      if (b.text("member").orElse("").contains("google_service_account.")) {
        String role = b.text("role").orElse("");
        String condition = b.block("condition").flatMap(c -> c.text("expression")).orElse("");
        boolean bucketCondition = role.contains("storage.") && condition.contains("resource.name")
            && condition.contains("projects/_/buckets/");
        if (!bucketCondition) {
          assertThat(role).as(b.where() + ": grant it on the resource")
              .doesNotContain("pubsub.").doesNotContain("storage.").doesNotContain("bigquery.data");
        }
      }
    });
  }

  /** A custom role holds only the permissions of one service it is written for, never an IAM or admin one. */
  @Test
  void customRolesHoldNarrowPermissions() {
    tf.resources("google_project_iam_custom_role").forEach(r -> {
      String permissions = r.text("permissions").orElse("");
      assertThat(permissions).as(r.where()).doesNotContain("setIamPolicy").doesNotContain("iam.")
          .doesNotContain("resourcemanager.");
    });
  }

  /**
   * The user-id pseudonymization key: a Secret Manager secret readable by exactly the ingest and upload service
   * accounts (secretAccessor on the secret, nothing project-wide), mounted in both functions as USER_ID_HMAC_KEY.
   */
  @Test
  void theUserIdKeyIsReadableOnlyByTheIngestAndUploadFunctions() {
    assertThat(tf.resources("google_secret_manager_secret").map(b -> b.label(1))).containsExactly("user_id_hmac_key");
    List<Block> grants = tf.resources("google_secret_manager_secret_iam_member").toList();
    assertThat(grants).extracting(b -> serviceAccount(b.text("member")).orElse("?"))
        .containsExactlyInAnyOrder("ingest", "upload");
    assertThat(grants).allSatisfy(b -> {
      assertThat(b.text("role")).hasValue("\"roles/secretmanager.secretAccessor\"");
      assertThat(b.text("secret_id").orElse("")).contains("google_secret_manager_secret.user_id_hmac_key");
    });
    assertThat(tf.resources("google_project_iam_member").map(b -> b.text("role").orElse("")))
        .noneMatch(role -> role.contains("secretmanager"));
    Map<String, Block> functions = new HashMap<>();
    tf.resources("google_cloudfunctions2_function").forEach(f -> functions.put(f.label(1), f));
    for (String fn : List.of("ingest", "upload", "recommend")) {
      Optional<Block> key = functions.get(fn).block("service_config").orElseThrow().blocks("dynamic").stream()
          .filter(d -> d.label(0).equals("secret_environment_variables")).findFirst()
          .flatMap(d -> d.block("content"));
      if (fn.equals("recommend")) {
        assertThat(key).as("recommend never sees the key").isEmpty();
        continue;
      }
      assertThat(key).as("%s mounts the key", fn).isPresent();
      assertThat(key.get().text("key")).hasValue("\"USER_ID_HMAC_KEY\"");
      assertThat(key.get().references()).anySatisfy(r ->
          assertThat(r).startsWith("google_secret_manager_secret", "user_id_hmac_key"));
    }
  }

  @Test
  void everyApiInUseIsEnabled() {
    String apis = tf.ofType("locals").map(b -> b.text("apis")).flatMap(Optional::stream).findFirst()
        .orElseThrow(() -> new AssertionError("no local.apis"));
    assertThat(tf.resources("google_project_service").findFirst().orElseThrow().text("for_each"))
        .hasValue("local.apis");
    Map<String, List<String>> byPrefix = Map.ofEntries(
        Map.entry("google_cloudfunctions2_", List.of("cloudfunctions", "run", "cloudbuild", "artifactregistry", "eventarc")),
        Map.entry("google_pubsub_", List.of("pubsub")),
        Map.entry("google_bigquery_", List.of("bigquery", "bigquerystorage")),
        Map.entry("google_storage_", List.of("storage")),
        Map.entry("google_dataflow_", List.of("dataflow", "compute")),
        Map.entry("google_artifact_registry_", List.of("artifactregistry")),
        Map.entry("google_service_account", List.of("iam")),
        Map.entry("google_secret_manager_", List.of("secretmanager")),
        Map.entry("google_compute_", List.of("compute")),
        Map.entry("google_project_iam_custom_role", List.of("iam")),
        Map.entry("google_logging_metric", List.of("logging")),
        Map.entry("google_monitoring_", List.of("monitoring")));
    byPrefix.forEach((prefix, services) -> {
      if (tf.ofType("resource").anyMatch(b -> b.label(0).startsWith(prefix))) {
        services.forEach(s -> assertThat(apis).as("%s* needs %s", prefix, s).contains("\"" + s + ".googleapis.com\""));
      }
    });
    assertThat(tf.resources("time_sleep").toList()).as("a wait after enabling the APIs")
        .anySatisfy(b -> assertThat(b.dependsOn()).contains("google_project_service.apis"));
  }

  /**
   * Dataflow workers have no external IP and run in a subnet with Private Google Access whose firewall lets them
   * reach each other on TCP 12345-12346 (or in the subnet var.dataflow_subnetwork names).
   */
  @Test
  void dataflowWorkersArePrivate() {
    tf.resources("google_dataflow_flex_template_job").forEach(job -> {
      assertThat(job.text("ip_configuration")).as(job.where()).hasValue("\"WORKER_IP_PRIVATE\"");
      assertThat(job.text("subnetwork")).as(job.where()).hasValue("local.dataflow_subnetwork");
    });
    String subnetwork = tf.ofType("locals").map(b -> b.text("dataflow_subnetwork")).flatMap(Optional::stream)
        .findFirst().orElseThrow(() -> new AssertionError("no local.dataflow_subnetwork"));
    assertThat(subnetwork).contains("google_compute_subnetwork.dataflow").contains("var.dataflow_subnetwork");
    Block subnet = tf.resource("google_compute_subnetwork", "dataflow");
    assertThat(subnet.text("private_ip_google_access")).as(subnet.where()).hasValue("true");
    assertThat(subnet.text("region")).hasValue("var.region");
    Block firewall = tf.resource("google_compute_firewall", "dataflow_workers");
    assertThat(firewall.text("network").orElse("")).contains("google_compute_network.dataflow");
    assertThat(firewall.text("source_tags")).hasValue("[\"dataflow\"]");
    assertThat(firewall.text("target_tags")).hasValue("[\"dataflow\"]");
    Block allow = firewall.block("allow").orElseThrow();
    assertThat(allow.text("protocol")).hasValue("\"tcp\"");
    assertThat(allow.text("ports")).hasValue("[\"12345-12346\"]");
    assertThat(tf.resource("google_compute_network", "dataflow").text("auto_create_subnetworks")).hasValue("false");
  }

  /**
   * Lifecycle rules act on what they are meant for: a Delete rule of a bucket Dataflow uses never matches staging/
   * (the running job's jars), and a rule on versions (num_newer_versions, days_since_noncurrent_time) is only on a
   * bucket with versioning.
   */
  @Test
  void lifecycleRulesActOnWhatTheyMean() {
    assertThat(lifecycleProblems(tf)).isEmpty();
  }

  @Test
  void theLifecycleCheckCatchesTheOldRules() {
    TerraformConfig old = TerraformConfig.fromText(Map.of("s.tf", """
        resource "google_storage_bucket" "function_sources" {
          lifecycle_rule {
            condition {
              num_newer_versions = 3
            }
            action {
              type = "Delete"
            }
          }
        }
        resource "google_storage_bucket" "dataflow_temp" {
          lifecycle_rule {
            condition {
              age = 7
            }
            action {
              type = "Delete"
            }
          }
        }
        """));
    assertThat(lifecycleProblems(old)).hasSize(2)
        .anySatisfy(p -> assertThat(p).contains("function_sources").contains("versioning"))
        .anySatisfy(p -> assertThat(p).contains("dataflow_temp").contains("staging/"));
  }

  static List<String> lifecycleProblems(TerraformConfig tf) {
    Set<String> dataflowBuckets = new LinkedHashSet<>();
    tf.resources("google_dataflow_flex_template_job").forEach(j -> Stream.of("temp_location", "staging_location")
        .map(j::text).flatMap(Optional::stream).forEach(t -> {
          Matcher m = Pattern.compile("google_storage_bucket\\.([a-z0-9_]+)").matcher(t);
          if (m.find()) {
            dataflowBuckets.add(m.group(1));
          }
        }));
    dataflowBuckets.add("dataflow_temp");
    List<String> problems = new ArrayList<>();
    for (Block b : tf.resources("google_storage_bucket").toList()) {
      boolean versioned = b.block("versioning").flatMap(v -> v.text("enabled")).orElse("false").equals("true");
      List<Block> rules = new ArrayList<>(b.blocks("lifecycle_rule"));
      b.blocks("dynamic").stream().filter(d -> d.label(0).equals("lifecycle_rule"))
          .forEach(d -> d.block("content").ifPresent(rules::add));
      for (Block rule : rules) {
        Block condition = rule.block("condition").orElse(null);
        if (condition == null) {
          continue;
        }
        if (!versioned && (condition.attributes().containsKey("num_newer_versions")
            || condition.attributes().containsKey("days_since_noncurrent_time"))) {
          problems.add(b.where() + ": a rule on noncurrent versions, but the bucket has no versioning: it never fires");
        }
        boolean delete = rule.block("action").flatMap(a -> a.text("type")).orElse("").equals("\"Delete\"");
        String prefixes = condition.text("matches_prefix").orElse("");
        if (delete && dataflowBuckets.contains(b.label(1)) && (prefixes.isEmpty() || prefixes.contains("staging"))) {
          problems.add(b.where() + ": a Delete rule that matches staging/, which the running Dataflow job needs "
              + "(limit it with matches_prefix)");
        }
      }
    }
    return problems;
  }

  private static Optional<String> serviceAccount(Optional<String> text) {
    return text.map(SERVICE_ACCOUNT_REF::matcher).filter(Matcher::find).map(m -> m.group(1));
  }
}
