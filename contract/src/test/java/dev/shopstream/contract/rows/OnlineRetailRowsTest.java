package dev.shopstream.contract.rows;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OnlineRetailRowsTest {
  @TempDir Path dir;

  private static final String HEADER =
      "\uFEFFInvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n";

  @Test
  void usableRowsAreReadAndTheOthersCountedByTheirFirstReason() throws IOException {
    String text = HEADER
        + "536365,85123A,\"HEART, \"\"WHITE\"\"\",6,2010-12-01T08:26:00Z,2.50,17850.0,United Kingdom\r\n"
        + "\n"
        + "C536379,D,Discount,-1,2010-12-01T09:41:00Z,27.50,14527,United Kingdom\n"
        + "536380,22,Mug,0,2010-12-01T09:41:00Z,1.00,14527,United Kingdom\n"
        + "536381,22,Mug,2,2010-12-01T09:41:00Z,1.00,,United Kingdom\n"
        + "536382,22,Mug,2,2010-12-01T09:41:00Z,-1.00,14527,United Kingdom\n"
        + "536383,22,Mug,200000,2010-12-01T09:41:00Z,1.00,14527,United Kingdom\n"
        + "536384,22,Mug,two,2010-12-01T09:41:00Z,1.00,14527,United Kingdom\n"
        + "536385,22,\"Mu\"g,2,2010-12-01T09:41:00Z,1.00,14527,United Kingdom\n"
        + "536386,22,Mug,2,2010-12-01T09:41:00Z,10.00,14527\n";
    Path gz = dir.resolve("retail.csv.gz");
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
      out.write(text.getBytes(StandardCharsets.UTF_8));
    }
    List<OnlineRetailRows.Row> rows = new ArrayList<>();
    List<Long> progress = new ArrayList<>();
    OnlineRetailRows.Summary summary = OnlineRetailRows.read(gz, rows::add, progress::add);

    assertThat(rows).containsExactly(new OnlineRetailRows.Row("536365", "85123A", "HEART, \"WHITE\"", 6,
        new java.math.BigDecimal("2.5"), Instant.parse("2010-12-01T08:26:00Z"), "17850", "United Kingdom"));
    assertThat(summary.rowsRead()).isEqualTo(9);
    assertThat(progress).hasSize(9).endsWith(9L);
    assertThat(summary.dropped()).containsExactly(java.util.Map.entry("unparsable", 3L),
        java.util.Map.entry("cancellation", 1L), java.util.Map.entry("non_positive_quantity", 1L),
        java.util.Map.entry("missing_customer", 1L), java.util.Map.entry("negative_price", 1L),
        java.util.Map.entry("out_of_contract", 1L));
  }

  @Test
  void aHeaderWithoutAColumnIsNamed() throws IOException {
    Path plain = dir.resolve("bad.csv");
    Files.writeString(plain, "InvoiceNo,StockCode\n1,2\n");
    assertThatThrownBy(() -> OnlineRetailRows.read(plain, r -> { }, null)).isInstanceOf(IOException.class)
        .hasMessageContaining("the header has no column Description");
    Path empty = dir.resolve("empty.csv");
    Files.writeString(empty, "");
    assertThatThrownBy(() -> OnlineRetailRows.read(empty, r -> { }, null)).hasMessageContaining("is empty");
  }
}
