package dev.shopstream.datagen;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shopstream.contract.EventCodec;
import dev.shopstream.contract.Json;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.Writer;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.GZIPInputStream;

/**
 * Converts the UCI Online Retail log (CSV, RFC 4180, optionally gzip) to upload files: one {@code purchase} event
 * per invoice and a catalog of the products bought. Rows that are not usable purchases are dropped and counted by
 * the first reason that applies, in this order: {@code unparsable} (wrong column count, bad number or time, empty
 * invoice or stock code), {@code cancellation} (InvoiceNo starting with C), {@code non_positive_quantity},
 * {@code missing_customer}, {@code negative_price}, {@code out_of_contract} (quantity over the contract's 100000).
 */
final class OnlineRetailConverter {
  static final List<String> COLUMNS = List.of("InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate",
      "UnitPrice", "CustomerID", "Country");
  static final List<String> DROP_REASONS = List.of("unparsable", "cancellation", "non_positive_quantity",
      "missing_customer", "negative_price", "out_of_contract", "invalid_event");
  static final String EVENTS_FILE = "events/online-retail-00000.jsonl.gz";
  static final String CATALOG_FILE = "catalog/online-retail.jsonl";
  /** The contract's maxItems for products: larger invoices are split into parts. */
  static final int MAX_LINES_PER_EVENT = 100;
  private static final long MAX_QUANTITY = 100_000;

  /** Figures of one conversion. */
  record Result(long rowsRead, long usableRows, long invoices, long eventsWritten, long products, long customers,
      Map<String, Long> dropped, double seconds) {
    ObjectNode toJson() {
      ObjectNode o = Json.MAPPER.createObjectNode();
      o.put("rows_read", rowsRead);
      o.put("usable_rows", usableRows);
      o.put("invoices", invoices);
      o.put("events_written", eventsWritten);
      o.put("products", products);
      o.put("customers", customers);
      ObjectNode d = o.putObject("dropped");
      dropped.forEach(d::put);
      o.put("seconds", Math.round(seconds * 10) / 10.0);
      return o;
    }
  }

  private record Line(String stockCode, long quantity, BigDecimal price) {}

  private static final class Invoice {
    final String number;
    final String customer;
    final String country;
    Instant time;
    final List<Line> lines = new ArrayList<>();

    Invoice(String number, String customer, String country, Instant time) {
      this.number = number;
      this.customer = customer;
      this.country = country;
      this.time = time;
    }
  }

  private static final class ProductInfo {
    final Map<String, Integer> titles = new LinkedHashMap<>();
    Instant lastSeen;
    BigDecimal price;
  }

  private final PrintStream progress;
  private final long progressEvery;

  OnlineRetailConverter(PrintStream progress, long progressEvery) {
    this.progress = progress;
    this.progressEvery = progressEvery;
  }

  Result convert(Path input, Path outDir) throws IOException {
    long startNanos = System.nanoTime();
    Map<String, Long> dropped = new LinkedHashMap<>();
    DROP_REASONS.forEach(r -> dropped.put(r, 0L));
    Map<String, Invoice> invoices = new LinkedHashMap<>();
    Map<String, ProductInfo> products = new LinkedHashMap<>();
    Set<String> customers = new HashSet<>();
    long rows = 0;
    long usable = 0;
    try (CsvReader csv = new CsvReader(new InputStreamReader(open(input), StandardCharsets.UTF_8))) {
      List<String> header = csv.next();
      if (header == null) {
        throw new IOException(input + " is empty");
      }
      if (!header.isEmpty() && header.get(0).startsWith("\uFEFF")) {
        header.set(0, header.get(0).substring(1));
      }
      Map<String, Integer> index = new HashMap<>();
      for (String column : COLUMNS) {
        int i = header.indexOf(column);
        if (i < 0) {
          throw new IOException(input + ": the header has no column " + column + " (header: " + header + ")");
        }
        index.put(column, i);
      }
      List<String> row;
      while ((row = csv.next()) != null) {
        if (row.size() == 1 && row.get(0).isEmpty()) {
          continue; // blank line
        }
        rows++;
        if (progress != null && rows % progressEvery == 0) {
          progress.printf("%,d rows read, %,d usable, %,d invoices%n", rows, usable, invoices.size());
        }
        String reason = usableRow(row, header.size(), index);
        if (reason != null) {
          dropped.merge(reason, 1L, Long::sum);
          continue;
        }
        usable++;
        String invoiceNo = row.get(index.get("InvoiceNo")).trim();
        String stockCode = row.get(index.get("StockCode")).trim();
        String description = row.get(index.get("Description")).trim();
        long quantity = Long.parseLong(row.get(index.get("Quantity")).trim());
        BigDecimal price = new BigDecimal(row.get(index.get("UnitPrice")).trim());
        Instant time = Instant.parse(row.get(index.get("InvoiceDate")).trim());
        String customer = customer(row.get(index.get("CustomerID")));
        customers.add(customer);
        String country = row.get(index.get("Country")).trim();
        Invoice invoice = invoices.computeIfAbsent(invoiceNo, k -> new Invoice(k, customer, country, time));
        if (time.isBefore(invoice.time)) {
          invoice.time = time;
        }
        invoice.lines.add(new Line(stockCode, quantity, plain(price)));
        ProductInfo info = products.computeIfAbsent(stockCode, k -> new ProductInfo());
        if (!description.isEmpty()) {
          info.titles.merge(description, 1, Integer::sum);
        }
        if (info.lastSeen == null || !time.isBefore(info.lastSeen)) {
          info.lastSeen = time;
          info.price = plain(price);
        }
      }
    }

    EventCodec codec = new EventCodec(Clock.systemUTC());
    List<Invoice> ordered = new ArrayList<>(invoices.values());
    ordered.sort(Comparator.comparing((Invoice i) -> i.time)); // stable: file order within a time
    long events = 0;
    Path eventsFile = outDir.resolve(EVENTS_FILE);
    Files.createDirectories(eventsFile.getParent());
    try (Writer out = PartWriter.open(eventsFile, true)) {
      for (Invoice invoice : ordered) {
        int parts = (invoice.lines.size() + MAX_LINES_PER_EVENT - 1) / MAX_LINES_PER_EVENT;
        for (int part = 0; part < parts; part++) {
          List<Line> lines = invoice.lines.subList(part * MAX_LINES_PER_EVENT,
              Math.min(invoice.lines.size(), (part + 1) * MAX_LINES_PER_EVENT));
          ObjectNode event = Json.MAPPER.createObjectNode();
          event.put("event_id", "or-" + invoice.number + (parts > 1 ? "-" + (part + 1) : ""));
          event.put("event_type", "purchase");
          event.put("user_id", invoice.customer);
          event.put("event_time", invoice.time.toString());
          ArrayNode array = event.putArray("products");
          for (Line l : lines) {
            array.addObject().put("product_id", l.stockCode()).put("quantity", l.quantity()).put("price", l.price());
          }
          event.put("currency", "GBP");
          if (!invoice.country.isEmpty()) {
            event.putObject("attributes").put("country", invoice.country);
          }
          EventCodec.Decoded decoded = codec.decode(event);
          if (!decoded.isValid()) {
            dropped.merge("invalid_event", (long) lines.size(), Long::sum);
            if (progress != null) {
              progress.println("warning: " + event.get("event_id").asText() + " dropped: " + decoded.errorSummary());
            }
            continue;
          }
          out.write(event.toString());
          out.write('\n');
          events++;
        }
      }
    }

    Path catalogFile = outDir.resolve(CATALOG_FILE);
    Files.createDirectories(catalogFile.getParent());
    try (Writer out = PartWriter.open(catalogFile, false)) {
      for (Map.Entry<String, ProductInfo> e : products.entrySet()) {
        ProductInfo info = e.getValue();
        ObjectNode p = Json.MAPPER.createObjectNode();
        p.put("product_id", e.getKey());
        String title = null;
        int best = 0;
        for (Map.Entry<String, Integer> t : info.titles.entrySet()) { // most frequent; the first seen on a tie
          if (t.getValue() > best) {
            best = t.getValue();
            title = t.getKey();
          }
        }
        if (title != null) {
          p.put("title", title.length() > 1024 ? title.substring(0, 1024) : title);
        }
        p.put("price", info.price);
        p.put("currency", "GBP");
        p.put("available", true);
        p.put("updated_at", info.lastSeen.toString());
        out.write(p.toString());
        out.write('\n');
      }
    }
    return new Result(rows, usable, invoices.size(), events, products.size(), customers.size(), dropped,
        (System.nanoTime() - startNanos) / 1e9);
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

  private static InputStream open(Path input) throws IOException {
    InputStream in = new BufferedInputStream(Files.newInputStream(input), 1 << 16);
    in.mark(2);
    int b1 = in.read();
    int b2 = in.read();
    in.reset();
    return b1 == 0x1f && b2 == 0x8b ? new GZIPInputStream(in, 1 << 16) : in;
  }
}
