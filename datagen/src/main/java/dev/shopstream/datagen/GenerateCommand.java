package dev.shopstream.datagen;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shopstream.contract.Json;
import dev.shopstream.contract.rows.Csv;
import dev.shopstream.contract.rows.RowParser;
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
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code generate}: synthetic shop traffic, to the ingest URL or as upload files. */
@Command(name = "generate", sortOptions = false,
    customSynopsis = "datagen generate (--to-url URL | --out DIR) [options]",
    description = {"Synthetic shop traffic, the same for the same --seed (and --start): a catalog of products in 20 "
        + "leaf categories (e.g. home/kitchen/mugs) with log-normal prices and ~95% available; users whose sessions "
        + "go view -> (search) -> add_to_cart -> (remove_from_cart) -> purchase, browsing mostly one category per "
        + "session (and its siblings), products drawn by Zipf popularity. Every event is valid under event contract "
        + "v1.", ""},
    footer = {"", "Event ids are g<seed>-<n>: sending the same seed twice is deduplicated downstream; use another "
        + "--seed for new events. Progress goes to stderr every few seconds; the summary (JSON) to stdout."})
final class GenerateCommand implements Callable<Integer> {
  private final PrintStream out;
  private final PrintStream err;
  private final Duration progressEvery;

  @Spec CommandSpec spec;

  @Option(names = "--to-url", paramLabel = "URL", description = {"POST NDJSON batches to the ingest function (e.g. "
      + "http://127.0.0.1:8080/); a 503/429 is retried after Retry-After; the summary (JSON on stdout) counts sent, "
      + "accepted, rejected, failed and retried"})
  String toUrlOption;

  @Option(names = "--out", paramLabel = "DIR", description = {"upload files: DIR/catalog/products.jsonl and "
      + "DIR/events/part-00000.jsonl (.csv with --format csv; .gz with --gzip; a new part every --events-per-file)"})
  String outDir;

  @Option(names = "--seed", paramLabel = "N", description = "random seed (default ${DEFAULT-VALUE})")
  long seed = 42;

  @Option(names = "--products", paramLabel = "N", description = "catalog size (default ${DEFAULT-VALUE})")
  int products = 500;

  @Option(names = "--users", paramLabel = "N", description = "number of users (default ${DEFAULT-VALUE})")
  int usersOption = 1000;

  @Option(names = "--zipf", paramLabel = "S",
      description = "popularity exponent: weight of the product of rank r is 1/r^S (default ${DEFAULT-VALUE})")
  double zipf = 1.1;

  @Option(names = "--events", paramLabel = "N",
      description = "events in all (default 100000 with --out, 10000 with --to-url)")
  Long eventsOption;

  @Option(names = "--duration", paramLabel = "D",
      description = "with --to-url: run for D (e.g. 60s, 10m) at --rate, i.e. rate x D events")
  Duration duration;

  @Option(names = "--rate", paramLabel = "R",
      description = "with --to-url: events per second (default 200; 0 = as fast as the server answers)")
  double rate = 200;

  @Option(names = "--batch", paramLabel = "N", description = "with --to-url: events per request (default ${DEFAULT-VALUE})")
  int batch = 100;

  @Option(names = "--max-retries", paramLabel = "N",
      description = "with --to-url: retries of one batch (default ${DEFAULT-VALUE})")
  int maxRetries = 5;

  @Option(names = "--api-key", paramLabel = "KEY", description = "with --to-url: sent as X-Api-Key")
  String apiKey;

  @Option(names = "--catalog", paramLabel = "FILE", description = "with --to-url: also write the catalog (JSONL) to FILE")
  String catalogFileOption;

  @Option(names = "--start", paramLabel = "TIME", description = {"time of the first session (RFC 3339; default: now "
      + "minus --span with --out, now with --to-url, so the data is recent)"})
  String startOption;

  @Option(names = "--span", paramLabel = "D",
      description = "time the sessions are spread over (default 7d with --out; events / rate with --to-url)")
  Duration spanOption;

  @Option(names = "--format", paramLabel = "F", description = {"jsonl (default) or csv (catalog and events; events one "
      + "product per row, header event_id,event_type,user_id,session_id,event_time,product_id,quantity,price,"
      + "currency,query; a CSV row is one event to the upload function, so the rows of a basket get the ids "
      + "<event_id>-1, <event_id>-2, ...)"})
  String format = "jsonl";

  @Option(names = "--gzip", description = "gzip the event files")
  boolean gzip;

  @Option(names = "--events-per-file", paramLabel = "N", description = "events per part file (default ${DEFAULT-VALUE})")
  long eventsPerFile = 1_000_000;

  @Option(names = "--currency", paramLabel = "C", description = "ISO 4217 currency of prices (default ${DEFAULT-VALUE})")
  String currency = "EUR";

  @Option(names = "--search-rate", paramLabel = "P",
      description = "share of sessions starting with a search (default ${DEFAULT-VALUE})")
  double searchRate = 0.25;

  @Option(names = "--cart-rate", paramLabel = "P",
      description = "share of views of an available product that lead to add_to_cart (default ${DEFAULT-VALUE})")
  double cartRate = 0.30;

  @Option(names = "--purchase-rate", paramLabel = "P",
      description = "share of sessions with a cart that end with a purchase (default ${DEFAULT-VALUE})")
  double purchaseRate = 0.30;

  @Option(names = "--remove-rate", paramLabel = "P",
      description = "chance of each cart line being removed (default ${DEFAULT-VALUE})")
  double removeRate = 0.10;

  @Option(names = "--bad-rate", paramLabel = "P", description = {"share of events replaced by a malformed row "
      + "(default 0), one of: not_json (cut in half; CSV: too few columns), unknown_event_type, missing_user_id, "
      + "negative_quantity, bad_time; to demo dead letters and error reports"})
  double badRateOption = 0;

  @Option(names = {"-h", "--help"}, usageHelp = true, description = "this text")
  boolean help;

  GenerateCommand(PrintStream out, PrintStream err, Duration progressEvery) {
    this.out = out;
    this.err = err;
    this.progressEvery = progressEvery;
  }

  @Override
  public Integer call() throws Exception {
    boolean toUrl = toUrlOption != null;
    if (toUrl == (outDir != null)) {
      throw new ParameterException(spec.commandLine(), "give one of --to-url URL or --out DIR");
    }
    if (!format.equals("jsonl") && !format.equals("csv")) {
      throw Cli.badValue(spec, "--format", format, "jsonl or csv");
    }
    Cli.range(spec, "--seed", seed, Long.MIN_VALUE / 8, Long.MAX_VALUE / 8);
    Cli.range(spec, "--products", products, 1, 1_000_000);
    int users = (int) Cli.range(spec, "--users", usersOption, 1, 10_000_000);
    Cli.range(spec, "--zipf", zipf, 0, 5);
    Cli.range(spec, "--rate", rate, 0, 1_000_000);
    Cli.range(spec, "--batch", batch, 1, 100_000);
    Cli.range(spec, "--max-retries", maxRetries, 0, 100);
    Cli.range(spec, "--events-per-file", eventsPerFile, 1, Long.MAX_VALUE);
    long events;
    if (duration != null) {
      if (!toUrl || rate == 0) {
        throw new ParameterException(spec.commandLine(),
            "--duration needs --to-url and a --rate above 0 (use --events with --out)");
      }
      if (duration.isZero()) {
        throw Cli.badValue(spec, "--duration", duration, "a positive duration");
      }
      events = Math.max(1, Math.round(rate * duration.toMillis() / 1000.0));
    } else {
      events = Cli.range(spec, "--events", eventsOption != null ? eventsOption : toUrl ? 10_000 : 100_000, 0,
          1_000_000_000L);
    }
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    if (spanOption != null && spanOption.isZero()) {
      throw Cli.badValue(spec, "--span", spanOption, "a positive duration");
    }
    Duration span = spanOption != null ? spanOption : toUrl
        ? Duration.ofMillis(Math.max(1000, rate > 0 ? Math.round(events / rate * 1000) : 3_600_000))
        : Duration.ofDays(7);
    Instant start;
    try {
      start = startOption != null ? java.time.OffsetDateTime.parse(startOption).toInstant()
          : toUrl ? now : now.minus(span);
    } catch (java.time.format.DateTimeParseException e) {
      throw Cli.badValue(spec, "--start", startOption, "an RFC 3339 time like 2026-11-22T10:00:00Z");
    }
    if (!currency.matches("^[A-Z]{3}$")) {
      throw Cli.badValue(spec, "--currency", currency, "an ISO 4217 code like EUR");
    }
    TrafficGenerator.Config config = new TrafficGenerator.Config(seed, users, events, start, span,
        Cli.range(spec, "--search-rate", searchRate, 0, 1), Cli.range(spec, "--cart-rate", cartRate, 0, 1),
        Cli.range(spec, "--purchase-rate", purchaseRate, 0, 1), Cli.range(spec, "--remove-rate", removeRate, 0, 1),
        currency);
    double badRate = Cli.range(spec, "--bad-rate", badRateOption, 0, 1);
    Catalog catalog = Catalog.generate(seed, products, zipf);
    TrafficGenerator generator = new TrafficGenerator(config, catalog);
    Random badRng = new Random(seed * 31 + 7);

    if (toUrl) {
      URI url;
      try {
        url = URI.create(toUrlOption);
      } catch (IllegalArgumentException e) {
        throw Cli.badValue(spec, "--to-url", toUrlOption, "a URL: " + e.getMessage());
      }
      if (catalogFileOption != null) {
        writeCatalog(catalog, Path.of(catalogFileOption), "jsonl", currency, start);
      }
      HttpSender sender = new HttpSender(url, batch, rate, maxRetries, apiKey, err, progressEvery);
      err.printf("sending %,d events to %s at %s events/s in batches of %d%n", events, url,
          rate > 0 ? String.valueOf(rate) : "max", batch);
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

    Path dir = Path.of(outDir);
    boolean csv = format.equals("csv");
    Path catalogFile = dir.resolve(RowParser.CATALOG_FOLDER).resolve(csv ? "products.csv" : "products.jsonl");
    writeCatalog(catalog, catalogFile, format, currency, start);
    long written = 0;
    long bad = 0;
    long rows = 0;
    long begin = System.nanoTime();
    long lastProgress = begin;
    List<Path> files;
    Path eventsDir = dir.resolve(RowParser.EVENTS_FOLDER);
    try (PartWriter writer = new PartWriter(eventsDir, "part", csv ? "csv" : "jsonl", gzip,
        eventsPerFile,
        csv ? Csv.line(EventRows.CSV_HEADER) : null)) {
      while (generator.hasNext()) {
        ObjectNode e = generator.next();
        boolean isBad = badRate > 0 && badRng.nextDouble() < badRate;
        String kind = isBad ? EventRows.badKind(badRng) : null;
        List<String> lines = new ArrayList<>();
        if (csv) {
          for (List<String> row : isBad ? EventRows.badCsv(e, kind) : EventRows.csv(e)) {
            lines.add(Csv.line(row));
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
    summary.put("events", written); // not a contract name: a count in the run's summary
    summary.put("rows", rows);
    summary.put("malformed_injected", bad);
    summary.put("products", catalog.products.size()); // not a contract name: a count in the summary
    summary.put("users", users);
    summary.put("first_session", start.toString());
    summary.put("catalog_file", catalogFile.toString());
    summary.putPOJO("event_files", files.stream().map(Path::toString).toList());
    summary.put("seconds", Math.round((System.nanoTime() - begin) / 1e8) / 10.0);
    err.printf("done: %,d events (%,d malformed) in %d file(s) under %s, catalog of %,d products in %s%n", written,
        bad, files.size(), eventsDir, catalog.products.size(), catalogFile);
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
        w.write(Csv.line(Catalog.CSV_HEADER));
        w.write('\n');
      }
      for (Catalog.Product p : catalog.products) {
        w.write(format.equals("csv") ? Csv.line(Catalog.toCsv(p, currency, updatedAt))
            : Catalog.toJson(p, currency, updatedAt).toString());
        w.write('\n');
      }
    }
  }
}
