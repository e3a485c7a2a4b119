package dev.shopstream.terraform;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shopstream.contract.Json;
import dev.shopstream.contract.TableSchema;
import dev.shopstream.contract.TableSchemas;
import dev.shopstream.terraform.TerraformConfig.Block;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * terraform/generated/ is what TerraformTables derives from the contract, and terraform builds the tables from it.
 * Run with {@code -Dterraform.regenerate=true} to rewrite the files instead of failing.
 */
class TerraformGeneratedFilesTest {
  static final Path GENERATED = TerraformConfig.DIR.resolve("generated");
  static final String HOW = "terraform/generated is stale: regenerate with "
      + "`./mvnw -q -pl contract install -DskipTests && ./mvnw -q -pl terraform-checks test "
      + "-Dterraform.regenerate=true` (or run TerraformTables.main with the folder as argument)";

  @Test
  void generatedFilesAreUpToDateWithTheContract() throws IOException {
    Map<String, String> expected = TerraformTables.render();
    if (Boolean.getBoolean("terraform.regenerate")) {
      TerraformTables.write(GENERATED);
    }
    for (Map.Entry<String, String> f : expected.entrySet()) {
      Path file = GENERATED.resolve(f.getKey());
      assertThat(file).as(HOW).exists();
      assertThat(Files.readString(file)).as(HOW + " (" + f.getKey() + ")").isEqualTo(f.getValue());
    }
    try (Stream<Path> files = Files.list(GENERATED)) {
      Set<String> present = files.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
      assertThat(present).as("files in terraform/generated that the contract no longer produces; " + HOW)
          .isEqualTo(expected.keySet());
    }
  }

  @Test
  void theIndexDescribesEveryContractTableAsXTableSays() throws IOException {
    JsonNode index = Json.MAPPER.readTree(GENERATED.resolve("tables.json").toFile());
    Set<String> names = new HashSet<>();
    index.fieldNames().forEachRemaining(names::add);
    assertThat(names).containsExactlyInAnyOrderElementsOf(TableSchemas.all().stream().map(TableSchema::name).toList());
    for (TableSchema t : TableSchemas.all()) {
      JsonNode e = index.get(t.name());
      assertThat(e.get("partition_by").isNull() ? null : e.get("partition_by").asText()).isEqualTo(t.partitionBy());
      assertThat(Json.MAPPER.convertValue(e.get("primary_key"), String[].class)).containsExactlyElementsOf(t.primaryKey());
      assertThat(Json.MAPPER.convertValue(e.get("cluster_by"), String[].class)).containsExactlyElementsOf(t.clusterBy());
      assertThat(Json.MAPPER.readTree(GENERATED.resolve(t.name() + ".bigquery.json").toFile()))
          .as("columns of %s", t.name()).isEqualTo(TableSchemas.toBigQueryJson(t));
    }
  }

  @Test
  void terraformBuildsTheTablesFromTheGeneratedFiles() {
    TerraformConfig tf = TerraformConfig.load();
    String tablesLocal = tf.ofType("locals").map(b -> b.text("tables")).flatMap(java.util.Optional::stream)
        .findFirst().orElseThrow(() -> new AssertionError("no local.tables"));
    assertThat(tablesLocal.replace(" ", "")).contains("jsondecode(file(").contains("generated/tables.json");

    Block table = tf.resources("google_bigquery_table").findFirst()
        .orElseThrow(() -> new AssertionError("no google_bigquery_table"));
    assertThat(tf.resources("google_bigquery_table").count()).as("one resource, one instance per contract table").isEqualTo(1);
    assertThat(table.text("for_each")).hasValue("local.tables");
    assertThat(table.text("table_id")).hasValue("each.key");
    assertThat(table.text("schema").orElse("")).contains("generated/${each.key}.bigquery.json");
    assertThat(table.text("clustering").orElse("")).contains("each.value.cluster_by");
    assertThat(table.blocks("dynamic")).extracting(b -> b.label(0))
        .contains("time_partitioning", "table_constraints");
    String partition = TerraformConfig.print(table.blocks("dynamic").stream()
        .filter(b -> b.label(0).equals("time_partitioning")).findFirst().orElseThrow().tree());
    assertThat(partition).contains("each.value.partition_by");
    String key = TerraformConfig.print(table.blocks("dynamic").stream()
        .filter(b -> b.label(0).equals("table_constraints")).findFirst().orElseThrow().tree());
    assertThat(key).contains("each.value.primary_key").contains("primary_key");
  }
}
