package dev.shopstream.pipeline.sink;

import com.google.api.services.bigquery.model.Clustering;
import com.google.api.services.bigquery.model.TableReference;
import com.google.api.services.bigquery.model.TableRow;
import com.google.api.services.bigquery.model.TimePartitioning;
import dev.shopstream.contract.DeadLetter;
import dev.shopstream.contract.Event;
import dev.shopstream.contract.Rows;
import dev.shopstream.contract.TableSchema;
import dev.shopstream.contract.TableSchemas;
import dev.shopstream.pipeline.coders.DeadLetterCoder;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.beam.sdk.io.gcp.bigquery.BigQueryIO;
import org.apache.beam.sdk.io.gcp.bigquery.BigQueryIO.Write.CreateDisposition;
import org.apache.beam.sdk.io.gcp.bigquery.BigQueryIO.Write.Method;
import org.apache.beam.sdk.io.gcp.bigquery.BigQueryIO.Write.WriteDisposition;
import org.apache.beam.sdk.io.gcp.bigquery.BigQueryOptions;
import org.apache.beam.sdk.io.gcp.bigquery.BigQueryServices;
import org.apache.beam.sdk.io.gcp.bigquery.BigQueryStorageApiInsertError;
import org.apache.beam.sdk.io.gcp.bigquery.RowMutationInformation;
import org.apache.beam.sdk.io.gcp.bigquery.RowMutationInformation.MutationType;
import org.apache.beam.sdk.io.gcp.bigquery.WriteResult;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PDone;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;

/**
 * Writes to BigQuery through the Storage Write API. Both tables are created when missing, from the contract:
 * columns, descriptions, primary key, daily partitioning and clustering ({@link BigQueryTables}).
 *
 * <p>Delivery follows Beam's {@link BigQueryOptions}: exactly-once ({@code STORAGE_WRITE_API}) by default,
 * at-least-once ({@code STORAGE_API_AT_LEAST_ONCE}, cheaper, lower latency) with
 * {@code --useStorageWriteApiAtLeastOnce}. On unbounded input, exactly-once commits every
 * {@code --storageWriteApiTriggeringFrequencySec} seconds ({@value #DEFAULT_TRIGGERING_FREQUENCY_SEC} when unset) over
 * {@code --numStorageWriteApiStreams} streams (0, the default: sharded automatically by the runner).
 *
 * <p>Rows BigQuery rejects for good ({@link WriteResult#getFailedStorageApiInserts()}) are not retried: rejected rows
 * of any table are returned as dead letters of step {@value WarehouseSink#STEP_WRITE} (payload: the row as JSON,
 * attribute {@value WarehouseSink#TABLE_ATTRIBUTE}) and counted ({@code bigquery.<table>/rows_rejected}); a rejected
 * dead letter is the end of the line: logged at SEVERE with its row and counted.
 *
 * <p>Other contract tables ({@link #table(TableSchema)}): insert-once tables are appended like events; tables whose
 * contract says {@code upsert} are written with BigQuery CDC: the contract's primary key, every row an
 * {@code UPSERT} whose change sequence number is its {@code updated_at} (microseconds since the epoch, hex), so the
 * latest version per key wins even when rows arrive out of order. BigQuery supports CDC only on the at-least-once
 * Storage Write API, so those tables always use {@code STORAGE_API_AT_LEAST_ONCE} (an upsert is idempotent). Their
 * rejected rows are dead letters like the others.
 */
public final class BigQuerySink extends WarehouseSink {
  static final int DEFAULT_TRIGGERING_FREQUENCY_SEC = 5;
  /** The namespace of this store's counters ({@code bigquery.<table>/rows_rejected}). */
  static final String STORE = "bigquery";
  /** {@code project:dataset} or {@code project.dataset}; the project may be domain-scoped ({@code example.com:p}). */
  private static final Pattern DATASET = Pattern.compile(
      "(?<project>(?:[a-z0-9.-]+:)?[a-z][a-z0-9-]{4,28}[a-z0-9])[:.](?<dataset>[A-Za-z0-9_]{1,1024})");

  private final String project;
  private final String dataset;
  private final @Nullable BigQueryServices testServices;

  private BigQuerySink(String project, String dataset, @Nullable BigQueryServices testServices) {
    this.project = project;
    this.dataset = dataset;
    this.testServices = testServices;
  }

  /** A sink writing to the tables of {@code dataset}, given as {@code project:dataset} or {@code project.dataset}. */
  public static BigQuerySink to(String dataset) {
    Matcher m = DATASET.matcher(Objects.requireNonNull(dataset, "dataset"));
    if (!m.matches()) {
      throw new IllegalArgumentException("BigQuery dataset must be project:dataset or project.dataset (a project "
          + "id, then letters, digits and underscores), was '" + dataset + "'");
    }
    return new BigQuerySink(m.group("project"), m.group("dataset"), null);
  }

  /** The same sink talking to {@code services} instead of BigQuery (Beam's fakes, in tests). */
  public BigQuerySink withTestServices(BigQueryServices services) {
    return new BigQuerySink(project, dataset, Objects.requireNonNull(services, "services"));
  }

  /** Where this sink writes a contract table. */
  public TableReference tableReference(TableSchema table) {
    return new TableReference().setProjectId(project).setDatasetId(dataset).setTableId(table.name());
  }

  @Override
  public PTransform<PCollection<Event>, PCollection<DeadLetter>> events() {
    BigQuerySink sink = this;
    return new PTransform<>("Write_events") {
      @Override
      public PCollection<DeadLetter> expand(PCollection<Event> events) {
        BigQueryOptions options = events.getPipeline().getOptions().as(BigQueryOptions.class);
        TableSchema table = TableSchemas.events();
        return events.apply("Write",
                sink.writeTo(table, e -> BigQueryTables.tableRow(Rows.event(e, Instant.now())), options,
                    events.isBounded()))
            .getFailedStorageApiInserts()
            .apply("RejectedToDeadLetters", ParDo.of(rejectedToDeadLetters(table.name())))
            .setCoder(DeadLetterCoder.of());
      }
    };
  }

  @Override
  public PTransform<PCollection<DeadLetter>, PDone> deadLetters() {
    BigQuerySink sink = this;
    return new PTransform<>("Write_dead_letter") {
      @Override
      public PDone expand(PCollection<DeadLetter> deadLetters) {
        BigQueryOptions options = deadLetters.getPipeline().getOptions().as(BigQueryOptions.class);
        TableSchema table = TableSchemas.deadLetter();
        String name = table.name();
        deadLetters
            .apply("Write", sink.writeTo(table, d -> BigQueryTables.tableRow(Rows.deadLetter(d)), options,
                deadLetters.isBounded()))
            .getFailedStorageApiInserts()
            .apply("LogRejected", ParDo.of(RejectedRowFn.<BigQueryStorageApiInsertError>logged(STORE, name,
                error -> rejectedRow(name, error.getRow(), error.getErrorMessage()), true)))
            .setCoder(DeadLetterCoder.of());
        return PDone.in(deadLetters.getPipeline());
      }
    };
  }

  @Override
  public PTransform<PCollection<TableRow>, PCollection<DeadLetter>> table(TableSchema table) {
    return new WriteTable(this, table);
  }

  /** Writes one contract table's rows; see the class comment for upsert tables. Returns the rejected rows. */
  private static final class WriteTable extends PTransform<PCollection<TableRow>, PCollection<DeadLetter>> {
    private final BigQuerySink sink;
    private final TableSchema table;

    WriteTable(BigQuerySink sink, TableSchema table) {
      super("Write_" + table.name());
      this.sink = sink;
      this.table = table;
    }

    @Override
    public PCollection<DeadLetter> expand(PCollection<TableRow> rows) {
      BigQueryOptions options = rows.getPipeline().getOptions().as(BigQueryOptions.class);
      BigQueryIO.Write<TableRow> write = sink.writeTo(table, row -> row, options, rows.isBounded());
      if (table.upsert()) {
        write = write.withRowMutationInformationFn(row -> RowMutationInformation.of(MutationType.UPSERT,
                changeSequenceNumber(row)));
      }
      return rows.apply("Write", write)
          .getFailedStorageApiInserts()
          .apply("RejectedToDeadLetters", ParDo.of(rejectedToDeadLetters(table.name())))
          .setCoder(DeadLetterCoder.of())
          .apply("RejectedInGlobalWindow", globalWindow());
    }
  }

  /** A row's {@code updated_at} as a CDC change sequence number: microseconds since the epoch, in hex. */
  static String changeSequenceNumber(TableRow row) {
    Object updatedAt = row.get(Rows.UPDATED_AT);
    if (updatedAt == null) {
      return "0";
    }
    Instant t = Instant.parse(updatedAt.toString());
    long micros = Math.multiplyExact(t.getEpochSecond(), 1_000_000L) + t.getNano() / 1_000;
    return Long.toHexString(Math.max(micros, 0)).toUpperCase(java.util.Locale.ROOT);
  }

  private <T> BigQueryIO.Write<T> writeTo(TableSchema table, SerializableFunction<T, TableRow> format,
      BigQueryOptions options, PCollection.IsBounded bounded) {
    BigQueryIO.Write<T> write = BigQueryIO.<T>write()
        .to(tableReference(table))
        .withFormatFunction(format)
        .withSchema(BigQueryTables.schema(table))
        .withTableDescription(table.description())
        .withCreateDisposition(CreateDisposition.CREATE_IF_NEEDED)
        .withWriteDisposition(WriteDisposition.WRITE_APPEND);
    TimePartitioning partitioning = BigQueryTables.partitioning(table);
    if (partitioning != null) {
      write = write.withTimePartitioning(partitioning);
    }
    Clustering clustering = BigQueryTables.clustering(table);
    if (clustering != null) {
      write = write.withClustering(clustering);
    }
    if (!table.primaryKey().isEmpty()) {
      write = write.withPrimaryKey(table.primaryKey());
    }
    if (testServices != null) {
      write = write.withTestServices(testServices);
    }
    if (options.getUseStorageWriteApiAtLeastOnce() || table.upsert()) {
      return write.withMethod(Method.STORAGE_API_AT_LEAST_ONCE);
    }
    write = write.withMethod(Method.STORAGE_WRITE_API);
    if (bounded == PCollection.IsBounded.BOUNDED) {
      return write;
    }
    Integer frequency = options.getStorageWriteApiTriggeringFrequencySec();
    write = write.withTriggeringFrequency(
        Duration.standardSeconds(frequency == null ? DEFAULT_TRIGGERING_FREQUENCY_SEC : frequency));
    int streams = options.getNumStorageWriteApiStreams();
    return streams > 0 ? write.withNumStorageWriteApiStreams(streams) : write.withAutoSharding();
  }

  /** The step that makes BigQuery's rejected rows of {@code table} counted dead letters. */
  static RejectedRowFn<BigQueryStorageApiInsertError> rejectedToDeadLetters(String table) {
    return RejectedRowFn.toDeadLetters(STORE, table, error -> rejectedRow(table, error.getRow(),
        error.getErrorMessage()));
  }
}
