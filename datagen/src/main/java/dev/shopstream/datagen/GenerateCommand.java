package dev.shopstream.datagen;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shopstream.contract.Json;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Writer;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;

/** {@code generate}: synthetic shop traffic, to the ingest URL or as upload files. */
final class GenerateCommand {
  static final String HELP = """
      Usage: datagen generate (--to-url URL | --out DIR) [options]

      Synthetic shop traffic, the same for the same --seed (and --start): a catalog of products in 20 leaf
      categories (e.g. home/kitchen/mugs) with log-normal prices and ~95% available; users whose sessions go
      view -> (search) -> add_to_cart -> (remove_from_cart) -> purchase, browsing mostly one category per session
      (and its siblings), products drawn by Zipf popularity. Every event is valid under event contract v1.

      Output (one of):
        --to-url URL        POST NDJSON batches to the ingest function (e.g. http://127.0.0.1:8080/); a 503/429 is
                            retried after Retry-After; the summary (JSON on stdout) counts sent, accepted, rejected,
                            failed and retried
        --out DIR           upload files: DIR/catalog/products.jsonl and DIR/events/part-00000.jsonl
                            (.csv with --format csv; .gz with --gzip; a new part every --events-per-file)

      Options:
        --seed N            random seed (default 42)
        --products N        catalog size (default 500)
        --users N           number of users (default 1000)
        --zipf S            popularity exponent: weight of the product of rank r is 1/r^S (default 1.1)
        --events N          events in all (default 100000 with --out, 10000 with --to-url)
        --duration D        with --to-url: run for D (e.g. 60s, 10m) at --rate, i.e. rate x D events
        --rate R            with --to-url: events per second (default 200; 0 = as fast as the server answers)
        --batch N           with --to-url: events per request (default 100)
        --max-retries N     with --to-url: retries of one batch (default 5)
        --api-key KEY       with --to-url: sent as X-Api-Key
        --catalog FILE      with --to-url: also write the catalog (JSONL) to FILE
        --start TIME        time of the first session (RFC 3339; default: now minus --span with --out, now with
                            --to-url, so the data is recent)
        --span D            time the sessions are spread over (default 7d with --out; events / rate with --to-url)
        --format F          jsonl (default) or csv (catalog and events; events one product per row, header
                            event_id,event_type,user_id,session_id,event_time,product_id,quantity,price,currency,query;
                            a CSV row is one event to the upload function, so the rows of a basket get the ids
                            <event_id>-1, <event_id>-2, ...)
        --gzip              gzip the event files
        --events-per-file N events per part file (default 1000000)
        --currency C        ISO 4217 currency of prices (default EUR)
        --search-rate P     share of sessions starting with a search (default 0.25)
        --cart-rate P       share of views of an available product that lead to add_to_cart (default 0.30)
        --purchase-rate P   share of sessions with a cart that end with a purchase (default 0.30)
        --remove-rate P     chance of each cart line being removed (default 0.10)
        --bad-rate P        share of events replaced by a malformed row (default 0), one of: not_json (cut in
                            half; CSV: too few columns), unknown_event_type, missing_user_id, negative_quantity,
                            bad_time; to demo dead letters and error reports
        --help              this text

      Event ids are g<seed>-<n>: sending the same seed twice is deduplicated downstream; use another --seed for
      new events. Progress goes to stderr every few seconds; the summary (JSON) to stdout.
      """;

  private static final Set<String> VALUED = Set.of("to-url", "out", "seed", "products", "users", "zipf", "events",
      "duration", "rate", "batch", "max-retries", "api-key", "catalog", "start", "span", "format", "events-per-file",
      "currency", "search-rate", "cart-rate", "purchase-rate", "remove-rate", "bad-rate");
  private static final Set<String> FLAGS = Set.of("gzip");

  private GenerateCommand() {}

  static int run(String[] args, PrintStream out, PrintStream err) throws Exception {
    return run(args, out, err, Duration.ofSeconds(5));
  }

  static int run(String[] args, PrintStream out, PrintStream err, Duration progressEvery) throws Exception {
    Options o = Options.parse(args, VALUED, FLAGS);
    boolean toUrl = o.has("to-url");
    if (toUrl == o.has("out")) {
      throw new Options.UsageException("give one of --to-url URL or --out DIR");
    }
    String format = o.string("format", "jsonl");
    if (!format.equals("jsonl") && !format.equals("csv")) {
      throw new Options.UsageException("--format must be jsonl or csv, was " + format);
    }
    long seed = o.longValue("seed", 42, Long.MIN_VALUE / 8, Long.MAX_VALUE / 8);
    int products = o.intValue("products", 500, 1, 1_000_000);
    int users = o.intValue("users", 1000, 1, 10_000_000);
    double zipf = o.doubleValue("zipf", 1.1, 0, 5);
    double rate = o.doubleValue("rate", 200, 0, 1_000_000);
    long events;
    if (o.has("duration")) {
      if (!toUrl || rate == 0) {
        throw new Options.UsageException("--duration needs --to-url and a --rate above 0 (use --events with --out)");
      }
      events = Math.max(1, Math.round(rate * o.duration("duration", null).toMillis() / 1000.0));
    } else {
      events = o.longValue("events", toUrl ? 10_000 : 100_000, 0, 1_000_000_000L);
    }
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    Duration span = o.duration("span", toUrl
        ? Duration.ofMillis(Math.max(1000, rate > 0 ? Math.round(events / rate * 1000) : 3_600_000))
        : Duration.ofDays(7));
    Instant start = o.instant("start", toUrl ? now : now.minus(span));
    String currency = o.string("currency", "EUR");
    if (!currency.matches("^[A-Z]{3}$")) {
      throw new Options.UsageException("--currency must be an ISO 4217 code like EUR, was " + currency);
    }
    TrafficGenerator.Config config = new TrafficGenerator.Config(seed, users, events, start, span,
        o.doubleValue("search-rate", 0.25, 0, 1), o.doubleValue("cart-rate", 0.30, 0, 1),
        o.doubleValue("purchase-rate", 0.30, 0, 1), o.doubleValue("remove-rate", 0.10, 0, 1), currency);
    double badRate = o.doubleValue("bad-rate", 0, 0, 1);
    Catalog catalog = Catalog.generate(seed, products, zipf);
    TrafficGenerator generator = new TrafficGenerator(config, catalog);
    Random badRng = new Random(seed * 31 + 7);

    if (toUrl) {
      URI url;
      try {
        url = URI.create(o.string("to-url", null));
      } catch (IllegalArgumentException e) {
        throw new Options.UsageException("--to-url is not a URL: " + e.getMessage());
      }
      if (o.has("catalog")) {
        writeCatalog(catalog, Path.of(o.string("catalog", null)), "jsonl", currency, start);
      }
      HttpSender sender = new HttpSender(url, o.intValue("batch", 100, 1, 100_000), rate,
          o.intValue("max-retries", 5, 0, 100), o.string("api-key", null), err, progressEvery);
      err.printf("sending %,d events to %s at %s events/s in batches of %d%n", events, url,
          rate > 0 ? String.valueOf(rate) : "max", o.intValue("batch", 100, 1, 100_000));
      long bad = 0;
      HttpSender.Summary summary;
      try {
        while (generator.hasNext()) {
          ObjectNode e = generator.next();
          if (badRate > 0 && badRng.nextDouble() < badRate) {
            bad++;
            sender.add(EventRows.badJson(e, EventRows.badKind(badRng)));
          } else {
            sender.add(EventRows.json(e));
          }
        }
        summary = sender.finish();
      } catch (HttpSender.FatalResponseException e) {
        err.println("generate: stopped: " + e.getMessage());
        ObjectNode json = sender.summary().toJson();
        json.put("malformed_injected", bad);
        json.put("stopped", e.getMessage());
        out.println(json);
        return 1;
      }
      ObjectNode json = summary.toJson();
      json.put("malformed_injected", bad);
      err.printf("done: sent=%d accepted=%d rejected=%d failed=%d retried=%d in %.1f s%n", summary.sent(),
          summary.accepted(), summary.rejected(), summary.failed(), summary.retried(), summary.seconds());
      out.println(json);
      return summary.failed() > 0 ? 1 : 0;
    }

    Path dir = Path.of(o.string("out", null));
    boolean csv = format.equals("csv");
    Path catalogFile = dir.resolve("catalog").resolve(csv ? "products.csv" : "products.jsonl");
    writeCatalog(catalog, catalogFile, format, currency, start);
    long written = 0;
    long bad = 0;
    long rows = 0;
    long begin = System.nanoTime();
    long lastProgress = begin;
    List<Path> files;
    try (PartWriter writer = new PartWriter(dir.resolve("events"), "part", csv ? "csv" : "jsonl", o.flag("gzip"),
        o.longValue("events-per-file", 1_000_000, 1, Long.MAX_VALUE),
        csv ? CsvReader.line(EventRows.CSV_HEADER) : null)) {
      while (generator.hasNext()) {
        ObjectNode e = generator.next();
        boolean isBad = badRate > 0 && badRng.nextDouble() < badRate;
        String kind = isBad ? EventRows.badKind(badRng) : null;
        List<String> lines = new ArrayList<>();
        if (csv) {
          for (List<String> row : isBad ? EventRows.badCsv(e, kind) : EventRows.csv(e)) {
            lines.add(CsvReader.line(row));
          }
        } else {
          lines.add(isBad ? EventRows.badJson(e, kind) : EventRows.json(e));
        }
        writer.write(lines);
        rows += lines.size();
        written++;
        bad += isBad ? 1 : 0;
        long t = System.nanoTime();
        if (t - lastProgress >= progressEvery.toNanos()) {
          lastProgress = t;
          err.printf("%,d of %,d events written%n", written, events);
        }
      }
      files = writer.files();
    }
    ObjectNode summary = Json.MAPPER.createObjectNode();
    summary.put("events", written);
    summary.put("rows", rows);
    summary.put("malformed_injected", bad);
    summary.put("products", catalog.products.size());
    summary.put("users", users);
    summary.put("first_session", start.toString());
    summary.put("catalog_file", catalogFile.toString());
    summary.putPOJO("event_files", files.stream().map(Path::toString).toList());
    summary.put("seconds", Math.round((System.nanoTime() - begin) / 1e8) / 10.0);
    err.printf("done: %,d events (%,d malformed) in %d file(s) under %s, catalog of %,d products in %s%n", written,
        bad, files.size(), dir.resolve("events"), catalog.products.size(), catalogFile);
    out.println(summary);
    return 0;
  }

  private static void writeCatalog(Catalog catalog, Path file, String format, String currency, Instant updatedAt)
      throws IOException {
    if (file.getParent() != null) {
      Files.createDirectories(file.getParent());
    }
    try (Writer w = PartWriter.open(file, false)) {
      if (format.equals("csv")) {
        w.write(CsvReader.line(Catalog.CSV_HEADER));
        w.write('\n');
      }
      for (Catalog.Product p : catalog.products) {
        w.write(format.equals("csv") ? CsvReader.line(Catalog.toCsv(p, currency, updatedAt))
            : Catalog.toJson(p, currency, updatedAt).toString());
        w.write('\n');
      }
    }
  }
}
