package dev.shopstream.datagen;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shopstream.contract.EventCodec;
import dev.shopstream.contract.Json;
import dev.shopstream.contract.ProductCodec;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OnlineRetailConverterTest {
  @TempDir Path dir;

  /** A small log with every case the converter must handle; 101 lines of invoice 540000 are appended. */
  static String smallLog() {
    StringBuilder b = new StringBuilder("""
        InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\r
        536365,85123A,"HEART, WHITE ""T-LIGHT"" HOLDER",6,2010-12-01T08:26:00Z,2.55,17850,United Kingdom\r
        536365,71053,"WHITE METAL
        LANTERN",6,2010-12-01T08:26:00Z,3.39,17850,United Kingdom
        C536379,D,Discount,-1,2010-12-01T09:41:00Z,27.50,14527,United Kingdom
        536380,22961,JAM MAKING SET,-2,2010-12-01T09:45:00Z,1.45,17809,United Kingdom
        536381,22139,"RETROSPOT TEA SET, CERAMIC",3,2010-12-01T09:50:00Z,4.95,,United Kingdom
        A563185,B,Adjust bad debt,1,2011-08-12T14:50:00Z,-11062.06,12345,United Kingdom
        536382,22139,only three columns
        536383,22139,X,abc,2010-12-01T09:50:00Z,4.95,12583,France
        536384,85123A,WHITE HANGING HEART T-LIGHT HOLDER,12,2010-12-01T10:00:00Z,2.95,13047,United Kingdom
        536385,85123A,WHITE HANGING HEART T-LIGHT HOLDER,1,2010-12-02T10:00:00Z,3.10,13047,United Kingdom
        536385,71053,,2,2010-12-02T10:00:00Z,3.50,13047,United Kingdom
        """);
    for (int i = 1; i <= 101; i++) {
      b.append(String.format("540000,P%03d,Product %d,%d,2011-01-05T12:00:00Z,1.00,12500.0,Germany%n", i, i, i));
    }
    return b.toString();
  }

  private OnlineRetailConverter.Result convert(Path input) throws IOException {
    return new OnlineRetailConverter(null, 100_000).convert(input, dir.resolve("out"));
  }

  @Test
  void convertsInvoicesToPurchasesAndCountsEveryDrop() throws IOException {
    Path input = dir.resolve("log.csv.gz");
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(input))) {
      out.write(smallLog().getBytes(StandardCharsets.UTF_8));
    }

    OnlineRetailConverter.Result r = convert(input);

    assertThat(r.rowsRead()).isEqualTo(11 + 101);
    assertThat(r.usableRows()).isEqualTo(5 + 101);
    assertThat(r.invoices()).isEqualTo(4);
    assertThat(r.eventsWritten()).isEqualTo(5);
    assertThat(r.products()).isEqualTo(103);
    assertThat(r.customers()).isEqualTo(3);
    Map<String, Long> expected = new LinkedHashMap<>();
    expected.put("unparsable", 2L);
    expected.put("cancellation", 1L);
    expected.put("non_positive_quantity", 1L);
    expected.put("missing_customer", 1L);
    expected.put("negative_price", 1L);
    expected.put("out_of_contract", 0L);
    expected.put("invalid_event", 0L);
    assertThat(r.dropped()).containsExactlyEntriesOf(expected);

    List<String> events = GenerateCommandTest.lines(dir.resolve("out/events/online-retail-00000.jsonl.gz"));
    assertThat(events).hasSize(5);
    assertThat(events.get(0)).isEqualTo("{\"event_id\":\"or-536365\",\"event_type\":\"purchase\","
        + "\"user_id\":\"17850\",\"event_time\":\"2010-12-01T08:26:00Z\",\"products\":["
        + "{\"product_id\":\"85123A\",\"quantity\":6,\"price\":2.55},"
        + "{\"product_id\":\"71053\",\"quantity\":6,\"price\":3.39}],"
        + "\"currency\":\"GBP\",\"attributes\":{\"country\":\"United Kingdom\"}}");
    assertThat(events.get(1)).isEqualTo("{\"event_id\":\"or-536384\",\"event_type\":\"purchase\","
        + "\"user_id\":\"13047\",\"event_time\":\"2010-12-01T10:00:00Z\",\"products\":["
        + "{\"product_id\":\"85123A\",\"quantity\":12,\"price\":2.95}],"
        + "\"currency\":\"GBP\",\"attributes\":{\"country\":\"United Kingdom\"}}");
    JsonNode third = Json.MAPPER.readTree(events.get(2));
    assertThat(third.get("event_id").asText()).isEqualTo("or-536385");
    assertThat(third.get("products")).hasSize(2);
    JsonNode part1 = Json.MAPPER.readTree(events.get(3));
    JsonNode part2 = Json.MAPPER.readTree(events.get(4));
    assertThat(part1.get("event_id").asText()).isEqualTo("or-540000-1");
    assertThat(part1.get("user_id").asText()).isEqualTo("12500");
    assertThat(part1.get("products")).hasSize(100);
    assertThat(part1.get("products").get(99).toString())
        .isEqualTo("{\"product_id\":\"P100\",\"quantity\":100,\"price\":1}");
    assertThat(part2.get("event_id").asText()).isEqualTo("or-540000-2");
    assertThat(part2.get("products").toString()).isEqualTo("[{\"product_id\":\"P101\",\"quantity\":101,\"price\":1}]");
    assertThat(part2.get("attributes").get("country").asText()).isEqualTo("Germany");
    EventCodec codec = new EventCodec(Clock.systemUTC());
    assertThat(events).allSatisfy(e -> assertThat(codec.decode(e).isValid()).isTrue());

    List<String> catalog = GenerateCommandTest.lines(dir.resolve("out/catalog/online-retail.jsonl"));
    assertThat(catalog).hasSize(103);
    assertThat(catalog.get(0)).isEqualTo("{\"product_id\":\"85123A\",\"title\":\"WHITE HANGING HEART T-LIGHT "
        + "HOLDER\",\"price\":3.1,\"currency\":\"GBP\",\"available\":true,\"updated_at\":\"2010-12-02T10:00:00Z\"}");
    assertThat(catalog.get(1)).isEqualTo("{\"product_id\":\"71053\",\"title\":\"WHITE METAL\\nLANTERN\","
        + "\"price\":3.5,\"currency\":\"GBP\",\"available\":true,\"updated_at\":\"2010-12-02T10:00:00Z\"}");
    ProductCodec products = new ProductCodec(Clock.systemUTC());
    assertThat(catalog).allSatisfy(p -> assertThat(products.decode(p).isValid()).isTrue());
  }

  @Test
  void readsPlainCsvToo() throws IOException {
    Path input = dir.resolve("log.csv");
    Files.writeString(input, smallLog());

    assertThat(convert(input).eventsWritten()).isEqualTo(5);
  }

  @Test
  void theCommandPrintsTheSummaryAndExits2WhenTheInputIsAbsent() throws IOException {
    Path input = dir.resolve("log.csv");
    Files.writeString(input, smallLog());
    GenerateCommandTest.Run run = GenerateCommandTest.main("convert-online-retail", "--in", input.toString(),
        "--out", dir.resolve("cmd").toString());
    assertThat(run.status()).as(run.err()).isZero();
    assertThat(run.summary().get("events_written").asLong()).isEqualTo(5);
    assertThat(run.summary().get("dropped").get("cancellation").asLong()).isEqualTo(1);

    Path missing = dir.resolve("nowhere/online_retail.csv.gz");
    GenerateCommandTest.Run absent = GenerateCommandTest.main("convert-online-retail", "--in", missing.toString(),
        "--out", dir.resolve("x").toString());
    assertThat(absent.status()).isEqualTo(2);
    assertThat(absent.err()).contains("input file not found", missing.toString());
    assertThat(GenerateCommandTest.main("convert-online-retail", "--in", input.toString()).status()).isEqualTo(2);
  }

  /**
   * The shared data set (never in a clone): the README's figures. Tagged, so {@code verify} leaves it out rather than
   * skipping it; {@code ./mvnw -pl datagen -am verify -DexcludedTestGroups=none} runs it, and then a missing file fails.
   */
  @Test
  @Tag("shared-data")
  void convertsTheRealOnlineRetailFileWithTheReadmeFigures() throws IOException {
    Path file = List.of(Path.of("../../shared/datasets/online-retail/online_retail.csv.gz"),
            Path.of("../shared/datasets/online-retail/online_retail.csv.gz")).stream()
        .filter(Files::isRegularFile).findFirst()
        .orElseThrow(() -> new AssertionError("../shared/datasets/online-retail/online_retail.csv.gz is not beside "
            + "the project; this test is for machines that have it"));

    OnlineRetailConverter.Result r = convert(file);

    assertThat(r.rowsRead()).isEqualTo(541_909);
    assertThat(r.usableRows()).isEqualTo(397_924);
    assertThat(r.invoices()).isEqualTo(18_536);
    assertThat(r.products()).isEqualTo(3_665);
    assertThat(r.customers()).isEqualTo(4_339);
    // 245 invoices have more than 100 lines and are split into 537 parts
    assertThat(r.eventsWritten()).isEqualTo(18_828);
    assertThat(r.dropped().get("invalid_event")).isZero();
    assertThat(r.dropped().get("unparsable")).isZero();
  }
}
