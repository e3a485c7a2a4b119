package dev.shopstream.contract.rows;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import java.util.zip.GZIPInputStream;

/**
 * Reads the UCI Online Retail log (CSV, RFC 4180, gzip or plain) row by row with the contract's CSV reading
 * ({@link RecordReader} and {@link Csv}), for the converter and for offline evaluation. Rows that are not usable purchases are dropped and counted by the first reason that applies, in this
 * order: {@code unparsable} (wrong column count, bad number or time, empty invoice or stock code),
 * {@code cancellation} (InvoiceNo starting with C), {@code non_positive_quantity}, {@code missing_customer},
 * {@code negative_price}, {@code out_of_contract} (quantity over the contract's 100000, stock code over 128
 * characters).
 */
public final class OnlineRetailRows {
  /** A record longer than this is unparsable (the file's longest is about 150 bytes). */
  static final int MAX_RECORD_BYTES = 1 << 20;
  static final List<String> COLUMNS = List.of("InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate",
      "UnitPrice", "CustomerID", "Country");
  public static final List<String> DROP_REASONS = List.of("unparsable", "cancellation", "non_positive_quantity",
      "missing_customer", "negative_price", "out_of_contract");
  private static final long MAX_QUANTITY = 100_000;

  /**
   * One usable purchase line: the customer id without a float suffix ("17850.0" becomes "17850"), the price
   * without trailing zeros (2.50 becomes 2.5).
   */
  public record Row(String invoiceNo, String stockCode, String description, long quantity, BigDecimal price,
      Instant time, String customer, String country) {}

  /** Rows read (blank lines not counted) and the drops by reason, every reason present. */
  public record Summary(long rowsRead, Map<String, Long> dropped) {}

  private OnlineRetailRows() {}

  /**
   * Streams the usable rows of {@code input} in file order to {@code rows}; {@code afterRow} (may be null) gets
   * the count of rows read after each one, for progress reports. Fails when the header lacks a column; a record that is
   * not RFC 4180 (an unclosed quote, a quote inside an unquoted field) or is over 1 MiB is {@code unparsable}.
   */
  public static Summary read(Path input, Consumer<Row> rows, LongConsumer afterRow) throws IOException {
    Map<String, Long> dropped = new LinkedHashMap<>();
    DROP_REASONS.forEach(r -> dropped.put(r, 0L));
    long read = 0;
    try (InputStream in = open(input)) {
      RecordReader records = new RecordReader(in, MAX_RECORD_BYTES, true);
      RecordReader.Row first = records.next();
      if (first == null) {
        throw new IOException(input + " is empty");
      }
      List<String> header = fields(first);
      if (header == null) {
        throw new IOException(input + ": the header is not a CSV record: " + first.text());
      }
      Map<String, Integer> index = new HashMap<>();
      for (String column : COLUMNS) {
        int i = header.indexOf(column);
        if (i < 0) {
          throw new IOException(input + ": the header has no column " + column + " (header: " + header + ")");
        }
        index.put(column, i);
      }
      for (RecordReader.Row record = records.next(); record != null; record = records.next()) {
        if (!record.tooLong() && record.text().isEmpty()) {
          continue; // blank line
        }
        read++;
        List<String> row = fields(record);
        String reason = row == null ? "unparsable" : usableRow(row, header.size(), index);
        if (reason != null) {
          dropped.merge(reason, 1L, Long::sum);
        } else {
          rows.accept(new Row(
              row.get(index.get("InvoiceNo")).trim(),
              row.get(index.get("StockCode")).trim(),
              row.get(index.get("Description")).trim(),
              Long.parseLong(row.get(index.get("Quantity")).trim()),
              plain(new BigDecimal(row.get(index.get("UnitPrice")).trim())),
              Instant.parse(row.get(index.get("InvoiceDate")).trim()),
              customer(row.get(index.get("CustomerID"))),
              row.get(index.get("Country")).trim()));
        }
        if (afterRow != null) {
          afterRow.accept(read);
        }
      }
    }
    return new Summary(read, dropped);
  }

  /** The record's fields, or null when it is too long, not UTF-8 or not RFC 4180. */
  private static List<String> fields(RecordReader.Row record) {
    if (record.tooLong() || record.invalidUtf8()) {
      return null;
    }
    try {
      return new ArrayList<>(Csv.fields(record.text()));
    } catch (Csv.MalformedRecordException e) {
      return null;
    }
  }

  /** Null when the row is a usable purchase line, else the reason to drop it. */
  private static String usableRow(List<String> row, int columns, Map<String, Integer> index) {
    if (row.size() != columns) {
      return "unparsable";
    }
    String invoiceNo = row.get(index.get("InvoiceNo")).trim();
    if (invoiceNo.isEmpty() || row.get(index.get("StockCode")).trim().isEmpty()) {
      return "unparsable";
    }
    long quantity;
    BigDecimal price;
    try {
      quantity = Long.parseLong(row.get(index.get("Quantity")).trim());
      price = new BigDecimal(row.get(index.get("UnitPrice")).trim());
      Instant.parse(row.get(index.get("InvoiceDate")).trim());
    } catch (NumberFormatException | DateTimeParseException e) {
      return "unparsable";
    }
    if (invoiceNo.startsWith("C") || invoiceNo.startsWith("c")) {
      return "cancellation";
    }
    if (quantity <= 0) {
      return "non_positive_quantity";
    }
    if (customer(row.get(index.get("CustomerID"))).isEmpty()) {
      return "missing_customer";
    }
    if (price.signum() < 0) {
      return "negative_price";
    }
    if (quantity > MAX_QUANTITY || row.get(index.get("StockCode")).trim().length() > 128) {
      return "out_of_contract";
    }
    return null;
  }

  /** 2.50 → 2.5, 10.00 → 10 (never 1E+1). */
  private static BigDecimal plain(BigDecimal price) {
    BigDecimal p = price.stripTrailingZeros();
    return p.scale() < 0 ? p.setScale(0) : p;
  }

  /** The customer id as written, without a float suffix ("17850.0" → "17850"); empty when absent. */
  private static String customer(String raw) {
    String c = raw.trim();
    if (c.equalsIgnoreCase("NA") || c.equalsIgnoreCase("null")) {
      return "";
    }
    return c.endsWith(".0") ? c.substring(0, c.length() - 2) : c;
  }

  /** The file's bytes, gunzipped when it starts with the gzip magic number. */
  public static InputStream open(Path input) throws IOException {
    InputStream in = new BufferedInputStream(Files.newInputStream(input), 1 << 16);
    in.mark(2);
    int b1 = in.read();
    int b2 = in.read();
    in.reset();
    return b1 == 0x1f && b2 == 0x8b ? new GZIPInputStream(in, 1 << 16) : in;
  }
}
