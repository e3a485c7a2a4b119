package dev.shopstream.terraform;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.cloud.functions.CloudEventsFunction;
import com.google.cloud.functions.HttpFunction;
import dev.shopstream.functions.PubsubPublishers;
import dev.shopstream.functions.recommend.BigQueryRecommendationStore;
import dev.shopstream.pipeline.EventsPipelineOptions;
import dev.shopstream.terraform.TerraformConfig.Block;
import org.apache.beam.sdk.options.Default;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** The infrastructure agrees with the code: entry points, settings, topic names, pipeline options. */
class TerraformCodeAgreementTest {
  /** The functions' sources: the settings each function reads are the string constants there. */
  static final Path FUNCTIONS_SRC = TerraformConfig.DIR.resolve("../functions/src/main/java/dev/shopstream/functions")
      .normalize();
  static final Pattern SETTING_NAME = Pattern.compile("\"([A-Z][A-Z0-9_]{2,})\"");

  /** Settings a function cannot work in the cloud without, by function. */
  static final Map<String, List<String>> MUST_SET = Map.of(
      "ingest", List.of("PROJECT_ID", "EVENTS_TOPIC"),
      "recommend", List.of("WAREHOUSE", "BIGQUERY_DATASET"),
      "upload", List.of("PROJECT_ID", "EVENTS_TOPIC", "CATALOG_TOPIC"));

  static TerraformConfig tf;

  @BeforeAll
  static void load() {
    tf = TerraformConfig.load();
  }

  @TestFactory
  Stream<DynamicTest> entryPointsAreFunctionClassesOfTheRightKind() {
    return tf.resources("google_cloudfunctions2_function").map(f -> DynamicTest.dynamicTest(f.label(1), () -> {
      Block build = f.block("build_config").orElseThrow(() -> new AssertionError(f.where() + ": no build_config"));
      assertThat(build.text("runtime")).as(f.where()).hasValue("\"java17\"");
      String entryPoint = TerraformConfig.unquote(build.text("entry_point")
          .orElseThrow(() -> new AssertionError(f.where() + ": no entry_point")));
      Class<?> type = load(entryPoint, f);
      boolean event = f.block("event_trigger").isPresent();
      Class<?> expected = event ? CloudEventsFunction.class : HttpFunction.class;
      assertThat(expected.isAssignableFrom(type)).as("%s: %s must implement %s", f.where(), entryPoint,
          expected.getName()).isTrue();
      assertThat(Modifier.isPublic(type.getModifiers()) && !Modifier.isAbstract(type.getModifiers()))
          .as("%s: %s must be a public concrete class", f.where(), entryPoint).isTrue();
      assertThat(type.getConstructor()).as("public no-arg constructor (the Functions Framework uses it)").isNotNull();
      if (event) {
        Block trigger = f.block("event_trigger").orElseThrow();
        assertThat(trigger.text("event_type")).hasValue("\"google.cloud.storage.object.v1.finalized\"");
        assertThat(trigger.block("event_filters").flatMap(e -> e.text("value")).orElse(""))
            .contains("google_storage_bucket.uploads.name");
      }
    }));
  }

  @TestFactory
  Stream<DynamicTest> environmentVariablesAreSettingsTheCodeReads() {
    return tf.resources("google_cloudfunctions2_function").map(f -> DynamicTest.dynamicTest(f.label(1), () -> {
      String entryPoint = TerraformConfig.unquote(f.block("build_config").flatMap(b -> b.text("entry_point")).orElseThrow());
      String pkg = entryPoint.substring("dev.shopstream.functions.".length(), entryPoint.lastIndexOf('.'));
      Path pkgDir = FUNCTIONS_SRC.resolve(pkg.replace('.', '/'));
      assertThat(pkgDir.resolve(simpleName(entryPoint) + ".java"))
          .as("%s: entry_point %s has no source file, so the settings it reads are unknown (renamed or moved?)",
              f.where(), entryPoint)
          .isRegularFile();
      Set<String> read = new TreeSet<>();
      read.addAll(settingNames(pkgDir, true));
      read.addAll(settingNames(FUNCTIONS_SRC, false)); // Settings, PubsubPublishers, ...
      read.addAll(settingNames(FUNCTIONS_SRC.resolve("http"), true)); // AccessPolicy
      Map<String, String> env = TerraformConfig.objectEntries(f.block("service_config")
          .map(s -> s.attributes().get("environment_variables")).orElseThrow(
              () -> new AssertionError(f.where() + ": no service_config.environment_variables")));
      assertThat(read).as("settings the %s code reads", f.label(1)).isNotEmpty();
      assertThat(env.keySet()).as("%s: environment variables the code never reads (typo?)", f.where())
          .isSubsetOf(read);
      assertThat(env.keySet()).as("%s: settings the function needs in the cloud", f.where())
          .containsAll(MUST_SET.getOrDefault(f.label(1), List.of()));
    }));
  }

  @Test
  void recommendReadsTheTerraformDatasetFromBigQuery() throws Exception {
    Map<String, String> env = env("recommend");
    Class<?> warehouse = Class.forName("dev.shopstream.functions.recommend.RecommendFunction$Warehouse", false,
        getClass().getClassLoader());
    List<String> choices = Arrays.stream(warehouse.getEnumConstants()).map(c -> ((Enum<?>) c).name()).toList();
    String value = TerraformConfig.unquote(env.get("WAREHOUSE"));
    assertThat(choices).contains(value.toUpperCase(Locale.ROOT));
    assertThat(value).isEqualToIgnoringCase("bigquery");
    String dataset = TerraformConfig.unquote(env.get("BIGQUERY_DATASET"));
    assertThat(dataset).isEqualTo("${var.project_id}.${google_bigquery_dataset.warehouse.dataset_id}");
    String example = dataset.replace("${var.project_id}", "my-project")
        .replace("${google_bigquery_dataset.warehouse.dataset_id}", defaultOf("dataset_id"));
    assertThat(BigQueryRecommendationStore.DATASET.matcher(example).matches()).as(example).isTrue();
  }

  @Test
  void topicNamesAreTheCodesDefaults() {
    assertThat(defaultOf("events_topic_name")).isEqualTo(PubsubPublishers.DEFAULT_EVENTS_TOPIC);
    assertThat(tf.resource("google_pubsub_topic", "events").text("name")).hasValue("var.events_topic_name");
    assertThat(tf.resource("google_pubsub_topic", "catalog").text("name")).hasValue("var.catalog_topic_name");
    assertThat(env("ingest").get("EVENTS_TOPIC")).isEqualTo("google_pubsub_topic.events.name");
    assertThat(env("upload").get("EVENTS_TOPIC")).isEqualTo("google_pubsub_topic.events.name");
    assertThat(env("upload").get("CATALOG_TOPIC")).isEqualTo("google_pubsub_topic.catalog.name");
    assertThat(tf.resource("google_pubsub_subscription", "events_pipeline").text("topic"))
        .hasValue("google_pubsub_topic.events.id");
  }

  @Test
  void catalogTopicIsTheUploadFunctionsDefault() {
    Class<?> upload;
    try {
      upload = Class.forName("dev.shopstream.functions.upload.UploadFunction", false, getClass().getClassLoader());
    } catch (ClassNotFoundException e) {
      throw new AssertionError("dev.shopstream.functions.upload.UploadFunction is gone (renamed or moved?): "
          + "var.catalog_topic_name's default has nothing to be compared with", e);
    }
    Field field = Arrays.stream(upload.getDeclaredFields()).filter(x -> x.getName().equals("DEFAULT_CATALOG_TOPIC"))
        .findFirst().orElse(null);
    assertThat(field != null && Modifier.isStatic(field.getModifiers()))
        .as("UploadFunction declares a static DEFAULT_CATALOG_TOPIC to compare var.catalog_topic_name with")
        .isTrue();
    field.setAccessible(true);
    try {
      assertThat(defaultOf("catalog_topic_name")).isEqualTo(field.get(null));
    } catch (IllegalAccessException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void flexTemplateParametersArePipelineOptions() {
    Block job = tf.resources("google_dataflow_flex_template_job").findFirst()
        .orElseThrow(() -> new AssertionError("no google_dataflow_flex_template_job"));
    Set<String> options = new TreeSet<>();
    for (Method m : EventsPipelineOptions.class.getMethods()) {
      String n = m.getName();
      if (m.getParameterCount() == 0 && n.length() > 3 && n.startsWith("get")) {
        options.add(Character.toLowerCase(n.charAt(3)) + n.substring(4));
      } else if (m.getParameterCount() == 0 && n.length() > 2 && n.startsWith("is")) {
        options.add(Character.toLowerCase(n.charAt(2)) + n.substring(3));
      }
    }
    Map<String, String> parameters = TerraformConfig.objectEntries(job.attributes().get("parameters"));
    assertThat(parameters.keySet()).as("%s: parameters that are not EventsPipelineOptions", job.where())
        .isSubsetOf(options);
    assertThat(parameters).containsKeys("inputSubscription", "warehouse", "bigQueryDataset");
    assertThat(parameters.get("inputSubscription")).isEqualTo("google_pubsub_subscription.events_pipeline.id");
    List<String> warehouses = Arrays.stream(EventsPipelineOptions.Warehouse.values()).map(Enum::name).toList();
    assertThat(warehouses).contains(TerraformConfig.unquote(parameters.get("warehouse")));
    assertThat(TerraformConfig.unquote(parameters.get("bigQueryDataset")))
        .isEqualTo("${var.project_id}:${google_bigquery_dataset.warehouse.dataset_id}");
    assertThat(job.text("provider")).hasValue("google-beta");

    // A parameter set from a variable defaults to what the pipeline itself defaults to.
    Pattern fromVariable = Pattern.compile("^(?:tostring\\()?var\\.([a-z0-9_]+)\\)?$");
    for (Map.Entry<String, String> p : parameters.entrySet()) {
      Matcher m = fromVariable.matcher(p.getValue());
      if (!m.matches()) {
        continue;
      }
      Method getter = getter(p.getKey());
      Default.String d = getter.getAnnotation(Default.String.class);
      if (d != null) {
        assertThat(defaultOf(m.group(1))).as("default of var.%s (pipeline option %s)", m.group(1), p.getKey())
            .isEqualTo(d.value());
      }
    }
  }

  /**
   * Every subscription terraform creates for the pipeline (every subscription except those that only hold a
   * dead-letter topic's messages for inspection) is passed to the job as a {@code ...Subscription} parameter that is
   * an {@code EventsPipelineOptions} property, and its account is granted subscriber and viewer on it before the job
   * starts. The catalog subscription was created but never passed nor granted: products stayed empty.
   */
  @Test
  void everyPipelineSubscriptionIsPassedToTheJobAndGrantedToItsAccount() {
    assertThat(pipelineSubscriptions(tf)).as("subscriptions for the pipeline")
        .contains("google_pubsub_subscription.events_pipeline", "google_pubsub_subscription.catalog_pipeline");
    assertThat(subscriptionProblems(tf)).isEmpty();
  }

  @Test
  void theSubscriptionCheckCatchesAMissingParameterOrGrant() {
    Map<String, String> files = TerraformConfig.texts();
    Map<String, String> noParameter = new java.util.LinkedHashMap<>(files);
    noParameter.computeIfPresent("dataflow.tf", (k, v) -> v.replaceAll("(?m)^\\s*catalogSubscription\\s*=.*\\n", ""));
    assertThat(noParameter).isNotEqualTo(files);
    assertThat(subscriptionProblems(TerraformConfig.fromText(noParameter)))
        .anySatisfy(p -> assertThat(p).contains("catalog_pipeline").contains("not passed to the job"));

    Map<String, String> noGrant = TerraformConfig.withoutResources(files,
        Set.of("google_pubsub_subscription_iam_member.dataflow_consumes_catalog"));
    assertThat(subscriptionProblems(TerraformConfig.fromText(noGrant)))
        .anySatisfy(p -> assertThat(p).contains("catalog_pipeline").contains("roles/pubsub.subscriber"));
  }

  /** Subscriptions whose topic is not a dead-letter topic (those have hold subscriptions for people to read). */
  static Set<String> pipelineSubscriptions(TerraformConfig tf) {
    Set<String> deadLetterTopics = new TreeSet<>();
    tf.resources("google_pubsub_subscription").forEach(s -> s.block("dead_letter_policy")
        .flatMap(d -> d.text("dead_letter_topic")).ifPresent(t -> deadLetterTopics.add(t.replaceAll("\\.id$", ""))));
    Set<String> out = new TreeSet<>();
    tf.resources("google_pubsub_subscription").forEach(s -> {
      String topic = s.text("topic").orElse("").replaceAll("\\.(id|name)$", "");
      if (!deadLetterTopics.contains(topic)) {
        out.add(s.address());
      }
    });
    return out;
  }

  static List<String> subscriptionProblems(TerraformConfig tf) {
    List<String> problems = new java.util.ArrayList<>();
    Block job = tf.resources("google_dataflow_flex_template_job").findFirst()
        .orElseThrow(() -> new AssertionError("no google_dataflow_flex_template_job"));
    String account = job.text("service_account_email").orElse("").replaceAll("\\.email$", "");
    Map<String, String> parameters = TerraformConfig.objectEntries(job.attributes().get("parameters"));
    for (String sub : pipelineSubscriptions(tf)) {
      List<String> passedAs = parameters.entrySet().stream()
          .filter(e -> e.getValue().equals(sub + ".id")).map(Map.Entry::getKey).toList();
      if (passedAs.isEmpty()) {
        problems.add(job.where() + ": " + sub + " is created for the pipeline but not passed to the job (parameters)");
      }
      passedAs.stream().filter(p -> !p.endsWith("Subscription")).forEach(p ->
          problems.add(job.where() + ": " + sub + " is passed as " + p + ", not a ...Subscription option"));
      for (String role : List.of("roles/pubsub.subscriber", "roles/pubsub.viewer")) {
        List<Block> grants = tf.resources("google_pubsub_subscription_iam_member")
            .filter(g -> g.text("subscription").orElse("").equals(sub + ".id"))
            .filter(g -> g.text("role").orElse("").equals("\"" + role + "\""))
            .filter(g -> g.text("member").orElse("").contains(account + "."))
            .toList();
        if (grants.isEmpty()) {
          problems.add(job.where() + ": " + sub + " lacks a " + role + " grant to " + account);
        }
        grants.stream().filter(g -> !job.dependsOn().contains(g.address())).forEach(g ->
            problems.add(job.where() + ": depends_on lacks " + g.address()));
      }
    }
    return problems;
  }

  private static Method getter(String option) {
    String suffix = Character.toUpperCase(option.charAt(0)) + option.substring(1);
    for (String prefix : List.of("get", "is")) {
      try {
        return EventsPipelineOptions.class.getMethod(prefix + suffix);
      } catch (NoSuchMethodException e) {
        // try the next
      }
    }
    throw new AssertionError("no getter for pipeline option " + option);
  }

  @Test
  void theScanFindsTheSettingsOfTheExistingFunctions() {
    assertThat(settingNames(FUNCTIONS_SRC.resolve("ingest"), true)).contains("MAX_BATCH_EVENTS", "PUBLISH_TIMEOUT");
    assertThat(settingNames(FUNCTIONS_SRC, false)).contains("EVENTS_TOPIC", "PROJECT_ID");
    assertThat(settingNames(FUNCTIONS_SRC.resolve("recommend"), true)).contains("WAREHOUSE", "BIGQUERY_DATASET");
  }

  private static Map<String, String> env(String function) {
    Block f = tf.resource("google_cloudfunctions2_function", function);
    return TerraformConfig.objectEntries(f.block("service_config")
        .map(s -> s.attributes().get("environment_variables")).orElseThrow());
  }

  private static String defaultOf(String variable) {
    return TerraformConfig.unquote(tf.variableDefault(variable)
        .orElseThrow(() -> new AssertionError("variable " + variable + " has no default")));
  }

  private Class<?> load(String name, Block f) {
    try {
      return Class.forName(name, false, getClass().getClassLoader());
    } catch (ClassNotFoundException e) {
      throw new AssertionError(f.where() + ": entry_point " + name + " is not a class of the functions module", e);
    }
  }

  private static String simpleName(String className) {
    return className.substring(className.lastIndexOf('.') + 1);
  }

  /** The SETTING_NAME-like string constants in the .java files of {@code dir} (and below it when recursive). */
  static Set<String> settingNames(Path dir, boolean recursive) {
    Set<String> out = new TreeSet<>();
    if (!Files.isDirectory(dir)) {
      return out;
    }
    try (Stream<Path> files = recursive ? Files.walk(dir) : Files.list(dir)) {
      for (Path p : files.filter(x -> x.toString().endsWith(".java")).toList()) {
        Matcher m = SETTING_NAME.matcher(Files.readString(p));
        while (m.find()) {
          out.add(m.group(1));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }
}
