package dev.shopstream.datagen;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shopstream.contract.EventCodec;
import dev.shopstream.contract.Json;
import dev.shopstream.contract.ProductCodec;
import dev.shopstream.contract.rows.Csv;
import dev.shopstream.contract.rows.RecordReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GenerateCommandTest {
  @TempDir Path dir;

  record Run(int status, String out, String err) {
    JsonNode summary() throws IOException {
      return Json.MAPPER.readTree(out);
    }
  }

  static Run main(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int status = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  /** The file's records, as the upload function reads them (contract {@link RecordReader} and {@link Csv}). */
  static List<List<String>> csvRows(Path file) throws Exception {
    List<List<String>> rows = new ArrayList<>();
    try (InputStream in = Files.newInputStream(file)) {
      RecordReader reader = new RecordReader(in, 1 << 20, true);
      for (RecordReader.Row row = reader.next(); row != null; row = reader.next()) {
        rows.add(Csv.fields(row.text()));
      }
    }
    return rows;
  }

  static List<String> lines(Path file) throws IOException {
    InputStream in = Files.newInputStream(file);
    if (file.toString().endsWith(".gz")) {
      in = new GZIPInputStream(in);
    }
    try (InputStreamReader r = new InputStreamReader(in, StandardCharsets.UTF_8)) {
      StringBuilder b = new StringBuilder();
      char[] buf = new char[8192];
      int n;
      while ((n = r.read(buf)) > 0) {
        b.append(buf, 0, n);
      }
      return b.toString().lines().toList();
    }
  }

  @Test
  void writesGzippedJsonLinesInPartsAndAValidCatalog() throws IOException {
    Run run = main("generate", "--out", dir.toString(), "--events", "2500", "--products", "120", "--seed", "5",
        "--start", "2026-11-01T00:00:00Z", "--gzip", "--events-per-file", "1000");

    assertThat(run.status()).as(run.err()).isZero();
    assertThat(run.summary().get("events").asLong()).isEqualTo(2500);
    Path events = dir.resolve("events");
    assertThat(events.resolve("part-00000.jsonl.gz")).exists();
    assertThat(events.resolve("part-00002.jsonl.gz")).exists();
    assertThat(events.resolve("part-00003.jsonl.gz")).doesNotExist();
    EventCodec codec = new EventCodec(TrafficGeneratorTest.CLOCK);
    List<String> all = new ArrayList<>();
    for (String part : List.of("part-00000.jsonl.gz", "part-00001.jsonl.gz", "part-00002.jsonl.gz")) {
      all.addAll(lines(events.resolve(part)));
    }
    assertThat(all).hasSize(2500).allSatisfy(l -> assertThat(codec.decode(l).isValid()).as(l).isTrue());
    assertThat(lines(events.resolve("part-00002.jsonl.gz"))).hasSize(500);

    ProductCodec products = new ProductCodec(TrafficGeneratorTest.CLOCK);
    assertThat(lines(dir.resolve("catalog/products.jsonl"))).hasSize(120)
        .allSatisfy(l -> assertThat(products.decode(l).isValid()).as(l).isTrue());
  }

  @Test
  void sameSeedWritesTheSameFiles(@TempDir Path other) throws IOException {
    for (Path d : List.of(dir, other)) {
      assertThat(main("generate", "--out", d.toString(), "--events", "3000", "--seed", "9",
          "--start", "2026-11-01T00:00:00Z").status()).isZero();
    }
    assertThat(Files.readString(dir.resolve("events/part-00000.jsonl")))
        .isEqualTo(Files.readString(other.resolve("events/part-00000.jsonl")));
    assertThat(Files.readString(dir.resolve("catalog/products.jsonl")))
        .isEqualTo(Files.readString(other.resolve("catalog/products.jsonl")));
  }

  @Test
  void csvOutputParsesBackToTheSameEvents(@TempDir Path jsonDir) throws Exception {
    String[] common = {"--events", "1500", "--seed", "11", "--start", "2026-11-01T00:00:00Z"};
    assertThat(main(concat(new String[] {"generate", "--out", dir.toString(), "--format", "csv"}, common)).status())
        .isZero();
    assertThat(main(concat(new String[] {"generate", "--out", jsonDir.toString()}, common)).status()).isZero();

    List<List<String>> rows = csvRows(dir.resolve("events/part-00000.csv"));
    assertThat(rows.get(0)).containsExactly("event_id", "event_type", "user_id", "session_id", "event_time",
        "product_id", "quantity", "price", "currency", "query");
    List<String> json = lines(jsonDir.resolve("events/part-00000.jsonl"));
    // rebuild each event's product lines from the CSV rows and compare with the JSON lines
    List<String> fromCsv = new ArrayList<>();
    Set<String> ids = new LinkedHashSet<>();
    for (List<String> row : rows.subList(1, rows.size())) {
      assertThat(row).hasSize(10);
      ids.add(row.get(0));
      fromCsv.add(String.join("|", row.get(0), row.get(1), row.get(2), row.get(3), row.get(4), row.get(5),
          row.get(6), row.get(7), row.get(8), row.get(9)));
    }
    List<String> expected = new ArrayList<>();
    for (String line : json) {
      JsonNode e = Json.MAPPER.readTree(line);
      List<JsonNode> products = new ArrayList<>();
      e.path("products").forEach(products::add);
      if (products.isEmpty()) {
        products.add(null);
      }
      int n = 0;
      for (JsonNode p : products) {
        String id = e.get("event_id").asText() + (products.size() > 1 ? "-" + (++n) : "");
        expected.add(String.join("|", id, e.get("event_type").asText(),
            e.get("user_id").asText(), e.get("session_id").asText(), e.get("event_time").asText(),
            p == null ? "" : p.get("product_id").asText(), p == null ? "" : p.get("quantity").asText(),
            p == null || !p.has("price") ? "" : p.get("price").asText(), e.path("currency").asText(""),
            e.path("query").asText("")));
      }
    }
    assertThat(ids).hasSize(rows.size() - 1); // every row its own event id (the upload function dedups by id)
    assertThat(json).hasSize(1500);
    assertThat(rows.size() - 1).isGreaterThan(1500); // baskets with several products take several rows
    assertThat(fromCsv).isEqualTo(expected);

    List<List<String>> catalog = csvRows(dir.resolve("catalog/products.csv"));
    assertThat(catalog.get(0)).containsExactly("product_id", "title", "category", "price", "currency", "available",
        "updated_at");
    assertThat(catalog).hasSize(501).allSatisfy(r -> assertThat(r).hasSize(7));
  }

  @Test
  void badRateInjectsCountedMalformedRows() throws IOException {
    Run run = main("generate", "--out", dir.toString(), "--events", "2000", "--seed", "2", "--bad-rate", "0.05",
        "--start", "2026-11-01T00:00:00Z");

    assertThat(run.status()).isZero();
    long bad = run.summary().get("malformed_injected").asLong();
    assertThat(bad).isBetween(50L, 160L);
    EventCodec codec = new EventCodec(TrafficGeneratorTest.CLOCK);
    long invalid = lines(dir.resolve("events/part-00000.jsonl")).stream()
        .filter(l -> !codec.decode(l).isValid()).count();
    assertThat(invalid).isEqualTo(bad);
  }

  @Test
  void helpAndUsageErrors() {
    Run help = main("generate", "--help");
    assertThat(help.status()).isZero();
    assertThat(help.out()).contains("--to-url", "--out", "--seed", "--bad-rate", "--format");
    assertThat(main("convert-online-retail", "--help").out()).contains("--in", "--out", "cancellation");
    assertThat(main("--help").out()).contains("generate", "convert-online-retail");
    assertThat(main().status()).isEqualTo(2);
    assertThat(main("generate").status()).isEqualTo(2);
    Run unknown = main("generate", "--out", dir.toString(), "--bogus", "1");
    assertThat(unknown.status()).isEqualTo(2);
    assertThat(unknown.err()).contains("Unknown option", "'--bogus'", "Usage:");
    Run bad = main("generate", "--out", dir.toString(), "--events", "many");
    assertThat(bad.status()).isEqualTo(2);
    assertThat(bad.err()).contains("--events", "many", "Usage:");
    Run range = main("generate", "--out", dir.toString(), "--products=0");
    assertThat(range.status()).isEqualTo(2);
    assertThat(range.err()).contains("--products", "'0'");
    Run badDuration = main("generate", "--to-url", "http://127.0.0.1:9/", "--duration=soon");
    assertThat(badDuration.status()).isEqualTo(2);
    assertThat(badDuration.err()).contains("--duration", "soon");
    Run equalsForm = main("generate", "--out=" + dir.resolve("eq"), "--events=3");
    assertThat(equalsForm.status()).as(equalsForm.err()).isZero();
    assertThat(main("nonsense").status()).isEqualTo(2);
  }

  static String[] concat(String[] a, String[] b) {
    String[] r = new String[a.length + b.length];
    System.arraycopy(a, 0, r, 0, a.length);
    System.arraycopy(b, 0, r, a.length, b.length);
    return r;
  }
}
