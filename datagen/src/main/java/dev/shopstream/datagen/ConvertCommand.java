package dev.shopstream.datagen;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code convert-online-retail}: the UCI Online Retail log as upload files. */
@Command(name = "convert-online-retail", sortOptions = false,
    description = {"Converts the UCI Online Retail purchase log (CSV with header InvoiceNo,StockCode,Description,"
        + "Quantity,InvoiceDate,UnitPrice,CustomerID,Country; RFC 4180 quoting; gzip or plain) to upload files:",
        "  DIR/events/online-retail-00000.jsonl.gz  one purchase event per invoice: event_id or-<InvoiceNo>",
        "      (or-<InvoiceNo>-<n> for the parts of an invoice with more than 100 lines), user_id = CustomerID,",
        "      event_time = InvoiceDate, products = its lines (quantity, price = UnitPrice), currency GBP,",
        "      attributes.country",
        "  DIR/catalog/online-retail.jsonl          one product per StockCode: title = most frequent description,",
        "      price = latest UnitPrice, GBP, available, updated_at = last seen",
        "Dropped rows, counted by the first reason that applies: unparsable, cancellation (InvoiceNo starts with C),",
        "non_positive_quantity, missing_customer, negative_price, out_of_contract (quantity over 100000)."},
    footer = {"", "Progress goes to stderr every 100,000 rows; the summary (JSON) to stdout. Exit 2 when the input "
        + "is absent."})
final class ConvertCommand implements Callable<Integer> {
  static final String DEFAULT_INPUT = "../shared/datasets/online-retail/online_retail.csv.gz";

  private final PrintStream out;
  private final PrintStream err;

  @Spec CommandSpec spec;

  @Option(names = "--in", paramLabel = "FILE",
      description = "input (default ${DEFAULT-VALUE}, relative to the working directory)")
  String input = DEFAULT_INPUT;

  @Option(names = "--out", paramLabel = "DIR", required = true, description = "output folder (required)")
  String output;

  @Option(names = {"-h", "--help"}, usageHelp = true, description = "this text")
  boolean help;

  ConvertCommand(PrintStream out, PrintStream err) {
    this.out = out;
    this.err = err;
  }

  @Override
  public Integer call() throws Exception {
    Path in = Path.of(input);
    if (!Files.isRegularFile(in)) {
      err.println("convert-online-retail: input file not found: " + in.toAbsolutePath().normalize()
          + " (pass --in FILE; the data set is described in ../shared/datasets/online-retail/README.md)");
      return 2;
    }
    Path dir = Path.of(output);
    err.println("converting " + in + " to " + dir);
    OnlineRetailConverter.Result r = new OnlineRetailConverter(err, 100_000).convert(in, dir);
    err.printf("done: %,d rows read, %,d usable, %,d invoices -> %,d events, %,d products, %,d customers; "
        + "dropped %s%n", r.rowsRead(), r.usableRows(), r.invoices(), r.eventsWritten(), r.products(),
        r.customers(), r.dropped());
    err.println("wrote " + dir.resolve(OnlineRetailConverter.EVENTS_FILE) + " and "
        + dir.resolve(OnlineRetailConverter.CATALOG_FILE));
    out.println(r.toJson());
    return 0;
  }
}
