package dev.shopstream.terraform;

import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shopstream.contract.Json;
import dev.shopstream.contract.TableSchema;
import dev.shopstream.contract.TableSchemas;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes what terraform needs to know about the warehouse tables into {@code terraform/generated/}, derived from
 * the contract's schema files through {@link TableSchemas} (so terraform never holds a hand-copied schema):
 *
 * <ul>
 *   <li>{@code tables.json}: per table its description, primary key, partition column and clustering columns
 *       ({@code x-table} of the schema file);
 *   <li>{@code <table>.bigquery.json}: the table's columns in BigQuery's JSON schema format
 *       ({@link TableSchemas#toBigQueryJson}).
 * </ul>
 *
 * <p>Regenerate with {@code ./mvnw -q -pl contract install -DskipTests && ./mvnw -q -pl terraform-checks test
 * -Dterraform.regenerate=true}, or run this class with the folder as argument ({@code terraform/generated})
 * {@code TerraformGeneratedFilesTest} fails while the checked-in files are stale.
 */
public final class TerraformTables {
  private TerraformTables() {}

  public static void main(String[] args) throws IOException {
    Path dir = Path.of(args.length > 0 ? args[0] : "terraform/generated");
    write(dir);
    System.out.println("wrote " + dir.toAbsolutePath());
  }

  /** Every generated file by its name, with its exact content. */
  public static Map<String, String> render() {
    Map<String, String> files = new LinkedHashMap<>();
    ObjectNode index = Json.MAPPER.createObjectNode();
    for (TableSchema t : TableSchemas.all()) {
      ObjectNode entry = index.putObject(t.name());
      entry.put("description", t.description());
      entry.putPOJO("primary_key", t.primaryKey());
      if (t.partitionBy() == null) {
        entry.putNull("partition_by");
      } else {
        entry.put("partition_by", t.partitionBy());
      }
      entry.putPOJO("cluster_by", t.clusterBy());
      entry.put("upsert", t.upsert());
      files.put(t.name() + ".bigquery.json", pretty(TableSchemas.toBigQueryJson(t)));
    }
    files.put("tables.json", pretty(index));
    return files;
  }

  public static void write(Path dir) throws IOException {
    Files.createDirectories(dir);
    for (Map.Entry<String, String> f : render().entrySet()) {
      Files.writeString(dir.resolve(f.getKey()), f.getValue());
    }
  }

  private static String pretty(Object json) {
    try {
      // "\n" on every OS, so the checked-in files are the same everywhere.
      DefaultPrettyPrinter printer = new DefaultPrettyPrinter()
          .withObjectIndenter(new DefaultIndenter("  ", "\n"))
          .withArrayIndenter(new DefaultIndenter("  ", "\n"));
      return Json.MAPPER.writer(printer).writeValueAsString(json) + "\n";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
