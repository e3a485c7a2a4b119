package dev.shopstream.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shopstream.contract.Json;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.junit.jupiter.api.Test;

/**
 * The Dataflow Flex Template metadata ({@code src/main/flex-template/metadata.json}, given to
 * {@code gcloud dataflow flex-template build --metadata-file}) agrees with {@link EventsPipelineOptions}: every option
 * the interface declares has a parameter whose help text is the option's description, every parameter is an option,
 * each regex compiles and accepts the option's default, and rejects an obviously bad value.
 */
class FlexTemplateMetadataTest {
  static final Path METADATA = Path.of("src/main/flex-template/metadata.json");

  private static Map<String, JsonNode> parameters() throws Exception {
    JsonNode metadata = Json.MAPPER.readTree(Files.readString(METADATA));
    assertThat(metadata.path("name").asText()).isNotBlank();
    assertThat(metadata.path("description").asText()).isNotBlank();
    Map<String, JsonNode> parameters = new LinkedHashMap<>();
    for (JsonNode p : metadata.get("parameters")) {
      assertThat(parameters.put(p.get("name").textValue(), p)).as("parameter %s twice", p.get("name")).isNull();
    }
    return parameters;
  }

  private static String optionName(Method getter) {
    String n = getter.getName();
    int prefix = n.startsWith("is") ? 2 : 3;
    return Character.toLowerCase(n.charAt(prefix)) + n.substring(prefix + 1);
  }

  private static boolean isGetter(Method m) {
    return m.getParameterCount() == 0 && (m.getName().startsWith("get") && m.getName().length() > 3
        || m.getName().startsWith("is") && m.getName().length() > 2);
  }

  @Test
  void everyDeclaredOptionHasAParameterWithItsDescriptionAndEveryParameterIsAnOption() throws Exception {
    Map<String, JsonNode> parameters = parameters();
    Set<String> declared = new TreeSet<>();
    for (Method m : EventsPipelineOptions.class.getDeclaredMethods()) {
      if (!isGetter(m)) {
        continue;
      }
      String name = optionName(m);
      declared.add(name);
      JsonNode p = parameters.get(name);
      assertThat(p).as("no metadata for the option --%s: add it to %s", name, METADATA).isNotNull();
      assertThat(p.path("label").asText()).as("%s label", name).isNotBlank();
      assertThat(p.path("helpText").asText()).as("%s helpText is the option's @Description", name)
          .isEqualTo(m.getAnnotation(Description.class).value());
      assertThat(p.path("isOptional").isBoolean()).as("%s isOptional", name).isTrue();
      assertThat(p.path("regexes").size()).as("%s regexes", name).isPositive();
    }
    assertThat(declared).hasSizeGreaterThan(20);
    Set<String> options = new TreeSet<>();
    for (Method m : EventsPipelineOptions.class.getMethods()) {
      if (isGetter(m)) {
        options.add(optionName(m));
      }
    }
    assertThat(options).as("parameters that are no option of EventsPipelineOptions").containsAll(parameters.keySet());
  }

  @Test
  void eachDefaultMatchesItsRegexesAndBadValuesDoNot() throws Exception {
    Map<String, JsonNode> parameters = parameters();
    for (Method m : EventsPipelineOptions.class.getMethods()) {
      if (!isGetter(m) || !parameters.containsKey(optionName(m))) {
        continue;
      }
      String name = optionName(m);
      String value = defaultValue(m);
      for (JsonNode regex : parameters.get(name).get("regexes")) {
        Pattern pattern = Pattern.compile(regex.textValue());
        if (value != null) {
          assertThat(pattern.matcher(value).find()).as("--%s default '%s' matches %s", name, value, regex).isTrue();
        }
        assertThat(pattern.matcher("").find()).as("--%s: %s accepts an empty value", name, regex).isFalse();
      }
    }
    // a few values the template must refuse before a job starts
    assertThat(matches(parameters, "dedupeTtl", "24h")).isFalse();
    assertThat(matches(parameters, "dedupeTtl", "PT24H")).isTrue();
    assertThat(matches(parameters, "inputSubscription", "events-pipeline")).isFalse();
    assertThat(matches(parameters, "inputSubscription", "projects/my-project/subscriptions/events-pipeline"))
        .isTrue();
    assertThat(matches(parameters, "inputFiles", "/local/file.jsonl")).isFalse();
    assertThat(matches(parameters, "inputFiles", "gs://shop-uploads/events/2026/*.jsonl.gz")).isTrue();
    assertThat(matches(parameters, "bigQueryDataset", "my-project:shopstream")).isTrue();
    assertThat(matches(parameters, "bigQueryDataset", "shopstream")).isFalse();
    assertThat(matches(parameters, "sourceGeneration", "1763631000123456")).isTrue();
    assertThat(matches(parameters, "defaultUpdatedAt", "2026-11-20T09:30:00.123Z")).isTrue();
    assertThat(matches(parameters, "defaultUpdatedAt", "yesterday")).isFalse();
  }

  private static boolean matches(Map<String, JsonNode> parameters, String name, String value) {
    for (JsonNode regex : parameters.get(name).get("regexes")) {
      if (!Pattern.compile(regex.textValue()).matcher(value).find()) {
        return false;
      }
    }
    return true;
  }

  private static String defaultValue(Method m) {
    if (m.getAnnotation(Default.String.class) != null) {
      return m.getAnnotation(Default.String.class).value();
    }
    if (m.getAnnotation(Default.Enum.class) != null) {
      return m.getAnnotation(Default.Enum.class).value();
    }
    if (m.getAnnotation(Default.Integer.class) != null) {
      return Integer.toString(m.getAnnotation(Default.Integer.class).value());
    }
    if (m.getAnnotation(Default.Long.class) != null) {
      return Long.toString(m.getAnnotation(Default.Long.class).value());
    }
    if (m.getAnnotation(Default.Boolean.class) != null) {
      return Boolean.toString(m.getAnnotation(Default.Boolean.class).value());
    }
    return null;
  }
}
