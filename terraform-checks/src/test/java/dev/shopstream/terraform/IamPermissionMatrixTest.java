package dev.shopstream.terraform;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shopstream.terraform.TerraformConfig.Block;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openrewrite.hcl.tree.Expression;

/**
 * The IAM permission matrix: every runtime action of the code and of Google's services on its behalf
 * ({@code iam/permission-matrix.tsv}: actor, permissions, the resource they are checked on) must be covered by a
 * role terraform grants that actor on that resource or on the project. Role contents come from
 * {@code iam/roles.tsv} (checked in with its source and date) and from the configuration's custom roles.
 */
class IamPermissionMatrixTest {
  /** One action: who, which permissions, checked where. */
  record Row(String id, String actor, List<String> permissions, String resource, String action) {}

  /** A grant: the member text, the role's permissions, and the resources it is on ("project" for the project). */
  record Grant(Block block, String member, String role, Set<String> permissions, Set<String> targets,
      String condition) {}

  /** The attribute naming the resource of each {@code *_iam_member} type. */
  static final Map<String, String> TARGET_ATTRIBUTE = Map.ofEntries(
      Map.entry("google_project_iam_member", "project"),
      Map.entry("google_pubsub_topic_iam_member", "topic"),
      Map.entry("google_pubsub_subscription_iam_member", "subscription"),
      Map.entry("google_storage_bucket_iam_member", "bucket"),
      Map.entry("google_bigquery_dataset_iam_member", "dataset_id"),
      Map.entry("google_bigquery_table_iam_member", "table_id"),
      Map.entry("google_cloud_run_service_iam_member", "service"),
      Map.entry("google_service_account_iam_member", "service_account_id"),
      Map.entry("google_artifact_registry_repository_iam_member", "repository"),
      Map.entry("google_secret_manager_secret_iam_member", "secret_id"));

  static final Pattern QUOTED = Pattern.compile("\"([A-Za-z0-9_.]+)\"");

  static TerraformConfig tf;
  static List<Row> matrix;
  static Map<String, Set<String>> roles;

  @BeforeAll
  static void load() {
    tf = TerraformConfig.load();
    matrix = readMatrix();
    roles = readRoles();
  }

  @Test
  void everyActionIsCoveredByAGrantedRole() {
    assertThat(matrix).as("rows of iam/permission-matrix.tsv").hasSizeGreaterThan(20);
    assertThat(uncovered(tf, matrix, roles)).isEmpty();
  }

  /**
   * The grants before issue 15 (without the five grants its defects 1 to 3 added) fail exactly on the rows of those
   * defects: the build fetching its source from gcf-v2-sources, the watermark tracking subscription, the catalog.
   */
  @Test
  void theGrantsBeforeTheFixFailOnDefectsOneToThree() {
    Map<String, String> before = TerraformConfig.withoutResources(TerraformConfig.texts(), Set.of(
        "google_project_iam_member.build_reads_gcf_sources",
        "google_project_iam_member.dataflow_manages_tracking_subscriptions",
        "google_pubsub_topic_iam_member.dataflow_attaches_to_events",
        "google_pubsub_subscription_iam_member.dataflow_consumes_catalog",
        "google_pubsub_subscription_iam_member.dataflow_views_catalog_subscription"));
    Set<String> failing = new TreeSet<>();
    uncovered(TerraformConfig.fromText(before), matrix, roles).forEach(m -> failing.add(m.substring(0, m.indexOf(':'))));
    assertThat(failing).containsExactlyInAnyOrder(
        "build-fetch-source", // defect 1
        "dataflow-tracking-create", "dataflow-tracking-attach", "dataflow-tracking-read", // defect 2
        "dataflow-read-catalog"); // defect 3
  }

  @Test
  void aGrantOnAnotherResourceOrOfAnotherRoleDoesNotCount() {
    TerraformConfig small = TerraformConfig.fromText(Map.of("t.tf", """
        resource "google_pubsub_topic_iam_member" "a" {
          topic  = google_pubsub_topic.other.id
          role   = "roles/pubsub.publisher"
          member = "serviceAccount:${google_service_account.ingest.email}"
        }
        resource "google_pubsub_topic_iam_member" "b" {
          topic  = google_pubsub_topic.events.id
          role   = "roles/pubsub.viewer"
          member = "serviceAccount:${google_service_account.ingest.email}"
        }
        resource "google_pubsub_topic_iam_member" "c" {
          topic  = google_pubsub_topic.events.id
          role   = "roles/pubsub.publisher"
          member = "serviceAccount:${google_service_account.ingest_other.email}"
        }
        """));
    Row row = new Row("r", "google_service_account.ingest", List.of("pubsub.topics.publish"),
        "google_pubsub_topic.events", "publish");
    assertThat(uncovered(small, List.of(row), roles)).singleElement().asString().startsWith("r:");
    TerraformConfig project = TerraformConfig.fromText(Map.of("t.tf", """
        resource "google_project_iam_member" "a" {
          project = var.project_id
          role    = "roles/pubsub.publisher"
          member  = "serviceAccount:${google_service_account.ingest.email}"
        }
        """));
    assertThat(uncovered(project, List.of(row), roles)).as("a project grant covers every topic").isEmpty();
  }

  /** The role data must describe every role the configuration grants, else the matrix silently misses it. */
  @Test
  void everyGrantedRoleIsInTheRoleData() {
    Set<String> missing = new TreeSet<>();
    for (Grant g : grants(tf, roles)) {
      if (g.role().startsWith("roles/") && !roles.containsKey(g.role())) {
        missing.add(g.block().where() + ": " + g.role());
      }
    }
    assertThat(missing).as("roles granted but not in iam/roles.tsv").isEmpty();
  }

  /** The matrix names actors and resources that exist, so it cannot drift from the configuration unnoticed. */
  @Test
  void theMatrixNamesDeclaredActorsAndResources() {
    Set<String> declared = new TreeSet<>();
    tf.ofType("resource").forEach(b -> declared.add(b.address()));
    Set<String> locals = new TreeSet<>();
    tf.ofType("locals").forEach(b -> b.attributes().keySet().forEach(k -> locals.add("local." + k)));
    List<String> bad = new ArrayList<>();
    for (Row r : matrix) {
      if (!declared.contains(r.actor()) && !locals.contains(r.actor())) {
        bad.add(r.id() + ": actor " + r.actor());
      }
      if (!r.resource().equals("project") && !r.resource().startsWith("external-bucket:")
          && !declared.contains(r.resource())) {
        bad.add(r.id() + ": resource " + r.resource());
      }
    }
    assertThat(bad).isEmpty();
    Set<String> ids = new LinkedHashSet<>();
    matrix.forEach(r -> assertThat(ids.add(r.id())).as("duplicate id %s", r.id()).isTrue());
  }

  /** Every service account some component runs as appears as an actor (a new account needs its rows). */
  @Test
  void everyServiceAccountHasRows() {
    Set<String> actors = new TreeSet<>();
    matrix.forEach(r -> actors.add(r.actor()));
    tf.resources("google_service_account").forEach(sa ->
        assertThat(actors).as("rows for %s", sa.address()).contains(sa.address()));
  }

  /** The rows whose permissions no granted role covers, as "id: ...". */
  static List<String> uncovered(TerraformConfig tf, List<Row> rows, Map<String, Set<String>> roles) {
    List<Grant> grants = grants(tf, roles);
    Map<String, String> localTexts = new LinkedHashMap<>();
    tf.ofType("locals").forEach(b -> b.attributes().forEach((k, v) -> localTexts.put(k, TerraformConfig.print(v))));
    List<String> out = new ArrayList<>();
    for (Row r : rows) {
      for (String permission : r.permissions()) {
        boolean covered = grants.stream()
            .filter(g -> isActor(g.member(), r.actor()))
            .filter(g -> g.permissions().contains(permission))
            .anyMatch(g -> covers(g, r.resource(), localTexts));
        if (!covered) {
          out.add(r.id() + ": " + r.actor() + " lacks " + permission + " on " + r.resource() + " (" + r.action() + ")");
        }
      }
    }
    return out;
  }

  private static boolean isActor(String member, String actor) {
    return Pattern.compile(Pattern.quote(actor) + "(?![A-Za-z0-9_])").matcher(member).find();
  }

  private static boolean covers(Grant g, String resource, Map<String, String> locals) {
    boolean project = g.targets().contains("project");
    if (resource.startsWith("external-bucket:")) {
      if (!project) {
        return false;
      }
      if (g.condition().isEmpty()) {
        return true;
      }
      String expression = g.condition();
      for (Map.Entry<String, String> l : locals.entrySet()) {
        expression = expression.replace("${local." + l.getKey() + "}", TerraformConfig.unquote(l.getValue()));
      }
      return expression.contains("projects/_/buckets/" + resource.substring("external-bucket:".length()));
    }
    if (project) {
      return g.condition().isEmpty();
    }
    return !resource.equals("project") && g.targets().contains(resource);
  }

  static List<Grant> grants(TerraformConfig tf, Map<String, Set<String>> roles) {
    Map<String, Set<String>> custom = new LinkedHashMap<>();
    tf.resources("google_project_iam_custom_role").forEach(r -> {
      Set<String> permissions = new TreeSet<>();
      Matcher m = QUOTED.matcher(r.text("permissions").orElse(""));
      while (m.find()) {
        permissions.add(m.group(1));
      }
      custom.put(r.address(), permissions);
    });
    List<Grant> out = new ArrayList<>();
    tf.ofType("resource").filter(b -> TARGET_ATTRIBUTE.containsKey(b.label(0))).forEach(b -> {
      String role = b.text("role").map(TerraformConfig::unquote).orElse("");
      Set<String> permissions = roles.getOrDefault(role, Set.of());
      Matcher customRole = Pattern.compile("^(google_project_iam_custom_role\\.[A-Za-z0-9_-]+)\\.").matcher(role);
      if (customRole.find()) {
        permissions = custom.getOrDefault(customRole.group(1), Set.of());
      }
      Set<String> targets = new TreeSet<>();
      if (b.label(0).equals("google_project_iam_member")) {
        targets.add("project");
      } else {
        Expression target = b.attributes().get(TARGET_ATTRIBUTE.get(b.label(0)));
        String text = target == null ? "" : TerraformConfig.print(target);
        Expression from = text.startsWith("each.") ? b.attributes().get("for_each") : target;
        if (from != null) {
          for (List<String> ref : TerraformConfig.references(from)) {
            if (ref.size() > 1 && !ref.get(0).equals("each") && !ref.get(0).equals("var")
                && !ref.get(0).equals("local")) {
              targets.add(ref.get(0) + "." + ref.get(1));
            }
          }
        }
      }
      String condition = b.block("condition").flatMap(c -> c.text("expression")).orElse("");
      out.add(new Grant(b, b.text("member").orElse(""), role, permissions, targets, condition));
    });
    return out;
  }

  static List<Row> readMatrix() {
    List<Row> rows = new ArrayList<>();
    for (String[] f : tsv("iam/permission-matrix.tsv")) {
      assertThat(f).as("a matrix row has 5 columns: %s", String.join(" | ", f)).hasSize(5);
      rows.add(new Row(f[0], f[1], Arrays.stream(f[2].split(",")).map(String::trim).toList(), f[3], f[4]));
    }
    return rows;
  }

  static Map<String, Set<String>> readRoles() {
    Map<String, Set<String>> out = new LinkedHashMap<>();
    for (String[] f : tsv("iam/roles.tsv")) {
      assertThat(f).as("a role line has 2 columns: %s", String.join(" | ", f)).hasSize(2);
      out.put(f[0], new TreeSet<>(Arrays.stream(f[1].split(",")).map(String::trim).toList()));
    }
    return out;
  }

  private static List<String[]> tsv(String resource) {
    try (InputStream in = Optional.ofNullable(IamPermissionMatrixTest.class.getClassLoader().getResourceAsStream(resource))
        .orElseThrow(() -> new AssertionError("no " + resource + " on the test class path"))) {
      String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      assertThat(text).as("%s names its source and date", resource).contains("Source:").containsPattern("20[0-9]{2}-");
      return text.lines().filter(l -> !l.isBlank() && !l.startsWith("#")).map(l -> l.split("\t")).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
