package dev.shopstream.datagen;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shopstream.contract.EventCodec;
import dev.shopstream.contract.Json;
import dev.shopstream.contract.ProductCodec;
import dev.shopstream.contract.rows.OnlineRetailRows;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Writer;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Converts the UCI Online Retail log (CSV, RFC 4180, optionally gzip) to upload files: one {@code purchase} event
 * per invoice and a catalog of the products bought. Rows are read by {@link OnlineRetailRows}, which drops and
 * counts the rows that are not usable purchases; {@code invalid_event} counts lines of events the contract refuses.
 */
final class OnlineRetailConverter {
  static final String EVENTS_FILE = "events/online-retail-00000.jsonl.gz";
  static final String CATALOG_FILE = "catalog/online-retail.jsonl";
  /** The contract's maxItems for products: larger invoices are split into parts. */
  static final int MAX_LINES_PER_EVENT = 100;

  /** Figures of one conversion. */
  record Result(long rowsRead, long usableRows, long invoices, long eventsWritten, long products, long customers,
      Map<String, Long> dropped, double seconds) {
    ObjectNode toJson() {
      ObjectNode o = Json.MAPPER.createObjectNode();
      o.put("rows_read", rowsRead);
      o.put("usable_rows", usableRows);
      o.put("invoices", invoices);
      o.put("events_written", eventsWritten);
      o.put("products", products); // not a contract name: a count in the conversion's figures
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
    Map<String, Invoice> invoices = new LinkedHashMap<>();
    Map<String, ProductInfo> products = new LinkedHashMap<>();
    Set<String> customers = new HashSet<>();
    long[] usable = {0};
    OnlineRetailRows.Summary read = OnlineRetailRows.read(input, row -> {
      usable[0]++;
      customers.add(row.customer());
      Invoice invoice = invoices.computeIfAbsent(row.invoiceNo(),
          k -> new Invoice(k, row.customer(), row.country(), row.time()));
      if (row.time().isBefore(invoice.time)) {
        invoice.time = row.time();
      }
      invoice.lines.add(new Line(row.stockCode(), row.quantity(), row.price()));
      ProductInfo info = products.computeIfAbsent(row.stockCode(), k -> new ProductInfo());
      if (!row.description().isEmpty()) {
        info.titles.merge(row.description(), 1, Integer::sum);
      }
      if (info.lastSeen == null || !row.time().isBefore(info.lastSeen)) {
        info.lastSeen = row.time();
        info.price = row.price();
      }
    }, rows -> {
      if (progress != null && rows % progressEvery == 0) {
        progress.printf("%,d rows read, %,d usable, %,d invoices%n", rows, usable[0], invoices.size());
      }
    });
    Map<String, Long> dropped = new LinkedHashMap<>(read.dropped());
    dropped.put("invalid_event", 0L);
    long rows = read.rowsRead();

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
          event.put(EventCodec.EVENT_ID, "or-" + invoice.number + (parts > 1 ? "-" + (part + 1) : ""));
          event.put(EventCodec.EVENT_TYPE, "purchase");
          event.put(EventCodec.USER_ID, invoice.customer);
          event.put(EventCodec.EVENT_TIME, invoice.time.toString());
          ArrayNode array = event.putArray(EventCodec.PRODUCTS);
          for (Line l : lines) {
            array.addObject().put(EventCodec.PRODUCT_ID, l.stockCode()).put(EventCodec.QUANTITY, l.quantity())
                .put(EventCodec.PRICE, l.price());
          }
          event.put(EventCodec.CURRENCY, "GBP");
          if (!invoice.country.isEmpty()) {
            event.putObject(EventCodec.ATTRIBUTES).put("country", invoice.country);
          }
          EventCodec.Decoded decoded = codec.decode(event);
          if (!decoded.isValid()) {
            dropped.merge("invalid_event", (long) lines.size(), Long::sum);
            if (progress != null) {
              progress.println("warning: " + event.get(EventCodec.EVENT_ID).asText() + " dropped: "
                  + decoded.errorSummary());
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
        p.put(ProductCodec.PRODUCT_ID, e.getKey());
        String title = null;
        int best = 0;
        for (Map.Entry<String, Integer> t : info.titles.entrySet()) { // most frequent; the first seen on a tie
          if (t.getValue() > best) {
            best = t.getValue();
            title = t.getKey();
          }
        }
        if (title != null) {
          p.put(ProductCodec.TITLE, title.length() > 1024 ? title.substring(0, 1024) : title);
        }
        p.put(ProductCodec.PRICE, info.price);
        p.put(ProductCodec.CURRENCY, "GBP");
        p.put(ProductCodec.AVAILABLE, true);
        p.put(ProductCodec.UPDATED_AT, info.lastSeen.toString());
        out.write(p.toString());
        out.write('\n');
      }
    }
    return new Result(rows, usable[0], invoices.size(), events, products.size(), customers.size(), dropped,
        (System.nanoTime() - startNanos) / 1e9);
  }
}
