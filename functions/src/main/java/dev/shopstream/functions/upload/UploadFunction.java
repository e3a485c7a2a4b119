package dev.shopstream.functions.upload;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.cloud.NoCredentials;
import com.google.cloud.ReadChannel;
import com.google.cloud.functions.CloudEventsFunction;
import com.google.cloud.pubsub.v1.PublisherInterface;
import com.google.cloud.storage.BlobId;
import com.google.cloud.storage.BlobInfo;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.StorageOptions;
import dev.shopstream.contract.Json;
import dev.shopstream.contract.logging.Progress;
import dev.shopstream.contract.rows.RecordReader;
import dev.shopstream.functions.PubsubPublishers;
import dev.shopstream.functions.Settings;
import dev.shopstream.functions.UserIdPseudonymizer;
import io.cloudevents.CloudEvent;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.time.Clock;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.zip.GZIPInputStream;

/**
 * Publishes the rows of files uploaded to Cloud Storage ({@code google.cloud.storage.object.v1.finalized}):
 * objects under {@code events/} to the events topic (the message shape of the ingest function), objects under
 * {@code catalog/} to the catalog topic (data = the product's contract JSON, attributes {@code product_id} and
 * {@code updated_at}). Objects under {@code errors/} (this function's own reports) and under any other prefix are
 * ignored.
 *
 * <p>Formats by extension: {@code .jsonl}/{@code .ndjson} (one JSON object per line) and {@code .csv} (RFC 4180,
 * header row required), each optionally {@code .gz}. The object is streamed; memory stays bounded by the longest
 * row ({@link UploadConfig#maxLineBytes}) and the publish window ({@link UploadConfig#maxOutstandingPublishes}).
 *
 * <p>Each invalid row goes to {@code errors/<object name>.jsonl} (the first {@code ERROR_REPORT_MAX_ROWS} in full,
 * all of them counted by reason in the summary); every processed object gets exactly one
 * {@code errors/<object name>.summary.json} (both under {@code errors/by-name-hash/} when the name is too long or
 * has control characters: {@link ReportNames}) with {@code status} ({@code succeeded},
 * {@code succeeded_with_rejections}, {@code failed}, {@code publish_failed}, {@code backfill_launched},
 * {@code backfill_already_running}), {@code rows_read}, {@code published}, {@code rejected}, {@code bytes} (read
 * from the object as stored) and {@code duration_ms}. A file that cannot be read at all (unsupported type, corrupt
 * gzip, CSV without header, object gone) is reported as {@code failed} and the function returns normally, since a
 * retry would fail the same way. When Pub/Sub does not acknowledge, the function throws so that Eventarc redelivers
 * the event: ids are deterministic (rows without {@code event_id} get {@link
 * dev.shopstream.contract.rows.RowParser#rowId}: bucket, name, line and the row's content), so the republished rows,
 * and those of the same content uploaded again, are dropped downstream as duplicates.
 *
 * <p>Objects above {@link UploadConfig#backfillThresholdBytes} are handed to a {@link BackfillLauncher} instead.
 *
 * <p>The pieces of one object's processing: a {@link Run} holds its counts and summary, {@link CountingStream}
 * counts the bytes read (a failure to read becomes a {@link SourceException}), {@link DecompressedLimit} bounds
 * gunzipping ({@link DecompressedTooLargeException}), {@link RowDecoder} turns rows into messages,
 * {@link PublishWindow} publishes them ({@link PublishFailedException} when Pub/Sub does not acknowledge) and
 * {@link ErrorReport} lists the rejected rows.
 */
public final class UploadFunction implements CloudEventsFunction {
  public static final String FINALIZED = "google.cloud.storage.object.v1.finalized";
  public static final String ERRORS_PREFIX = "errors/";
  public static final String DEFAULT_CATALOG_TOPIC = "catalog";
  private static final Logger LOG = Logger.getLogger(UploadFunction.class.getName());

  private final Storage storage;
  private final PublisherInterface eventsPublisher;
  private final PublisherInterface catalogPublisher;
  private final BackfillLauncher launcher;
  private final UploadConfig config;
  private final Clock clock;
  private final UserIdPseudonymizer pseudonymizer;

  /** For the Functions Framework: configuration from the environment, real clients. */
  public UploadFunction() {
    this(Settings.fromEnvironment());
  }

  private UploadFunction(Settings settings) {
    this(storage(settings),
        PubsubPublishers.publisherClosedAtExit(settings, PubsubPublishers.eventsTopic(settings)),
        PubsubPublishers.publisherClosedAtExit(settings,
            PubsubPublishers.topic(settings, "CATALOG_TOPIC", DEFAULT_CATALOG_TOPIC)),
        DataflowFlexTemplateLauncher.Config.from(settings)
            .<BackfillLauncher>map(c -> new DataflowFlexTemplateLauncher(c, new GoogleAuthHttpSender()))
            .orElseGet(BackfillLauncher::notConfigured),
        UploadConfig.from(settings),
        Clock.systemUTC(),
        UserIdPseudonymizer.from(settings));
  }

  public UploadFunction(Storage storage, PublisherInterface eventsPublisher, PublisherInterface catalogPublisher,
      BackfillLauncher launcher, UploadConfig config, Clock clock) {
    this(storage, eventsPublisher, catalogPublisher, launcher, config, clock, UserIdPseudonymizer.none());
  }

  /** With {@code pseudonymizer} applied to the user id of every event row (as the ingest function does). */
  public UploadFunction(Storage storage, PublisherInterface eventsPublisher, PublisherInterface catalogPublisher,
      BackfillLauncher launcher, UploadConfig config, Clock clock, UserIdPseudonymizer pseudonymizer) {
    this.storage = Objects.requireNonNull(storage, "storage");
    this.eventsPublisher = Objects.requireNonNull(eventsPublisher, "eventsPublisher");
    this.catalogPublisher = Objects.requireNonNull(catalogPublisher, "catalogPublisher");
    this.launcher = Objects.requireNonNull(launcher, "launcher");
    this.config = Objects.requireNonNull(config, "config");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.pseudonymizer = Objects.requireNonNull(pseudonymizer, "pseudonymizer");
  }

  /** Cloud Storage from the settings: the emulator at {@code STORAGE_EMULATOR_HOST} (no credentials) when set. */
  static Storage storage(Settings settings) {
    Optional<String> emulator = settings.optional("STORAGE_EMULATOR_HOST");
    StorageOptions.Builder builder = StorageOptions.newBuilder();
    settings.projectId().ifPresent(builder::setProjectId);
    if (emulator.isPresent()) {
      String host = emulator.get().contains("://") ? emulator.get() : "http://" + emulator.get();
      builder.setHost(host).setCredentials(NoCredentials.getInstance());
    }
    return builder.build().getService();
  }

  @Override
  public void accept(CloudEvent event) throws Exception {
    if (!FINALIZED.equals(event.getType())) {
      LOG.info("ignored event " + event.getId() + " of type " + event.getType() + ": only " + FINALIZED);
      return;
    }
    UploadedObject object;
    try {
      object = UploadedObject.parse(event.getData() == null ? new byte[0] : event.getData().toBytes());
    } catch (IllegalArgumentException e) {
      LOG.warning("ignored event " + event.getId() + ": " + e.getMessage());
      return;
    }
    String eventTime = event.getTime() == null ? null : event.getTime().toInstant().toString();
    handle(object, object.timeCreated() != null ? object.timeCreated() : eventTime);
  }

  /**
   * The summary this function writes once it has finished {@code object}: {@code errors/<object>.summary.json}, or
   * {@code errors/by-name-hash/<sha256 of the name>.summary.json} where that name cannot be used ({@link
   * ReportNames}).
   */
  public static String summaryObjectName(String object) {
    return ReportNames.summary(object);
  }

  /**
   * Whether an existing object still has to be given to this function: it is one the function reads (under
   * {@code events/} or {@code catalog/}, not a folder marker, not one of its own reports under {@code errors/})
   * and its {@link #summaryObjectName summary} does not exist ({@code exists} answers for an object name of the
   * same bucket). For a bucket emulator that lost its pending finalize events in a crash: it notifies these again
   * at start. Processing an object twice is harmless (deterministic row ids, deduplicated downstream).
   */
  public static boolean needsProcessing(String objectName, Predicate<String> exists) {
    return isRead(objectName) && !exists.test(summaryObjectName(objectName));
  }

  /**
   * {@link #needsProcessing} that also reads the summary ({@code read} gives an object's bytes of the same bucket,
   * empty when it does not exist): true as well when the summary records {@code publish_failed} or cannot be read
   * as JSON. Such a summary is written before the function throws for a redelivery; when that redelivery is lost
   * (a crash during the retry backoff, or the retries exhausted while Pub/Sub was down) the object was not
   * finished, though it has a summary.
   */
  public static boolean isUnfinished(String objectName, Function<String, Optional<byte[]>> read) {
    if (!isRead(objectName)) {
      return false;
    }
    Optional<byte[]> summary = read.apply(summaryObjectName(objectName));
    if (summary.isEmpty()) {
      return true;
    }
    try {
      return "publish_failed".equals(Json.MAPPER.readTree(summary.get()).path("status").asText()); // trusted JSON: our own summary
    } catch (IOException e) {
      return true;
    }
  }

  /** Whether the function reads the object: under a routed prefix and not a folder marker. */
  private static boolean isRead(String objectName) {
    return !objectName.startsWith(ERRORS_PREFIX) && FileType.Kind.of(objectName).isPresent()
        && !objectName.endsWith("/");
  }

  /** Processes one object; returns the summary written, or empty when the object is ignored. */
  Optional<ObjectNode> handle(UploadedObject object, String defaultUpdatedAt) throws IOException {
    if (object.name().startsWith(ERRORS_PREFIX)) {
      LOG.fine("ignored " + object.uri() + ": a report of this function");
      return Optional.empty();
    }
    Optional<FileType.Kind> kind = FileType.Kind.of(object.name());
    if (!isRead(object.name())) {
      LOG.info("ignored " + object.uri() + ": only objects under " + FileType.Kind.EVENTS.prefix() + " and "
          + FileType.Kind.CATALOG.prefix() + " are read");
      return Optional.empty();
    }
    Run run = new Run(object, clock.millis());
    run.summary.put("kind", kind.get().wireName());
    Optional<FileType> type = FileType.of(kind.get(), object.name());
    if (type.isEmpty()) {
      return Optional.of(finish(run, "failed", "unsupported file type: expected " + FileType.SUPPORTED));
    }
    run.summary.put("format", type.get().format().wireName());
    run.summary.put("compression", type.get().gzip() ? "gzip" : "none");
    if (object.size() > config.backfillThresholdBytes() && kind.get() == FileType.Kind.EVENTS
        && pseudonymizer.enabled()) {
      // the pipeline's batch path does not pseudonymize: never let it write raw user ids
      return Optional.of(finish(run, "failed", "the object is above BACKFILL_THRESHOLD_BYTES ("
          + config.backfillThresholdBytes() + ") and user ids are pseudonymized, which only row-by-row publishing "
          + "does: split the file into smaller objects"));
    }
    if (object.size() > config.backfillThresholdBytes()) {
      return Optional.of(backfill(run, type.get(), defaultUpdatedAt));
    }
    return Optional.of(ingest(run, type.get(), defaultUpdatedAt));
  }

  private ObjectNode backfill(Run run, FileType type, String defaultUpdatedAt) throws IOException {
    UploadedObject o = run.object;
    LOG.info(o.uri() + ": " + o.size() + " bytes is above BACKFILL_THRESHOLD_BYTES ("
        + config.backfillThresholdBytes() + "), launching a backfill job");
    try {
      BackfillLauncher.Launch launch = launcher.launch(new BackfillLauncher.Request(o, type, defaultUpdatedAt));
      run.summary.put("job_name", launch.jobName());
      if (launch.jobId() != null) {
        run.summary.put("job_id", launch.jobId());
      }
      return finish(run, launch.alreadyRunning() ? "backfill_already_running" : "backfill_launched", null);
    } catch (BackfillLauncher.RejectedException e) {
      return finish(run, "failed", e.getMessage());
    }
  }

  private ObjectNode ingest(Run run, FileType type, String defaultUpdatedAt) throws IOException {
    UploadedObject o = run.object;
    RowDecoder decoder = RowDecoder.forFile(type, o, defaultUpdatedAt, clock, pseudonymizer);
    PublishWindow window = new PublishWindow(type.kind() == FileType.Kind.EVENTS ? eventsPublisher
        : catalogPublisher, run, config);
    String failure = null;
    ErrorReport report = new ErrorReport(storage, o, config.errorRawMaxChars(), config.errorReportMaxRows());
    try {
      try {
        readRows(run, type, decoder, window, report);
      } catch (RowDecoder.BadFileException e) {
        failure = e.getMessage();
      } catch (SourceException e) {
        if (e.refusedCode() > 0) {
          // refused for good (no permission, a bad request): a redelivery would fail the same way, forever
          failure = "cannot read the object: " + e.refusedCode() + " " + e.getMessage()
              + " (fix the function's access and upload the file again; rows before this point were published)";
        } else if (!e.objectGone()) {
          throw new UncheckedIOException("cannot read " + o.uri() + " (the event will be redelivered)", e);
        } else {
          failure = "the object generation " + o.generation() + " no longer exists (deleted or overwritten)";
        }
      } catch (DecompressedTooLargeException e) {
        failure = e.getMessage();
      } catch (IOException e) { // from decompression: the stream itself is broken
        failure = "not a readable gzip file: " + e.getMessage();
        LOG.log(Level.FINE, o.uri() + ": unreadable gzip", e);
      }
      window.drain();
    } catch (PublishFailedException e) {
      report.close();
      describeReport(run, report);
      finish(run, "publish_failed", e.getMessage());
      throw e;
    }
    report.close();
    describeReport(run, report);
    String status = failure != null ? "failed" : run.rejected > 0 ? "succeeded_with_rejections" : "succeeded";
    return finish(run, status, failure);
  }

  /**
   * The report's name and bounds in the summary; with rejections, how many rows it lists in full, how many it only
   * counts, and every rejected row counted by reason.
   */
  private void describeReport(Run run, ErrorReport report) {
    run.summary.put("error_report", report.name());
    run.summary.put("raw_max_chars", config.errorRawMaxChars());
    if (run.rejected > 0) {
      run.summary.put("error_report_max_rows", config.errorReportMaxRows());
      run.summary.put("rejected_listed", report.rows());
      run.summary.put("rejected_not_listed", report.notListed());
      run.summary.set("rejected_by_reason", report.byReason());
    }
  }

  private void readRows(Run run, FileType type, RowDecoder decoder, PublishWindow window, ErrorReport report)
      throws IOException, RowDecoder.BadFileException {
    UploadedObject o = run.object;
    BlobId blob = BlobId.of(o.bucket(), o.name(), o.generation());
    // Raw bytes as stored: an object with Content-Encoding gzip is not transcoded by the server but gunzipped here.
    boolean gunzip = type.gzip() || "gzip".equalsIgnoreCase(o.contentEncoding());
    try (ReadChannel channel = storage.reader(blob, Storage.BlobSourceOption.shouldReturnRawInputStream(true));
        InputStream source = new CountingStream(Channels.newInputStream(channel), run);
        InputStream in = gunzip
            ? new DecompressedLimit(new GZIPInputStream(source, 64 * 1024), config.maxDecompressedBytes())
            : source) {
      RecordReader reader = new RecordReader(in, config.maxLineBytes(), type.format() == FileType.Format.CSV);
      boolean headerPending = decoder.expectsHeader();
      Progress progress = new Progress(clock, config.progressEvery());
      RecordReader.Row row;
      while ((row = reader.next()) != null) {
        if (row.isBlank()) {
          continue;
        }
        if (headerPending) {
          if (row.tooLong() || row.invalidUtf8()) {
            throw new RowDecoder.BadFileException("CSV header on line " + row.line() + " is "
                + (row.tooLong() ? "longer than " + config.maxLineBytes() + " bytes" : "not valid UTF-8"));
          }
          decoder.header(row.text());
          headerPending = false;
          continue;
        }
        run.rowsRead++;
        RowDecoder.Decoded decoded = row.tooLong()
            ? RowDecoder.Decoded.invalid("is longer than " + config.maxLineBytes() + " bytes (MAX_LINE_BYTES)")
            : row.invalidUtf8() ? RowDecoder.Decoded.invalid("is not valid UTF-8")
            : decoder.decode(row.line(), row.text());
        if (decoded.isValid()) {
          window.publish(decoded.message());
        } else {
          run.rejected++;
          report.add(row.line(), decoded.errors(), row.text(), row.tooLong());
        }
        if (progress.due()) { // counters every PROGRESS_EVERY while the object is read
          LOG.log(Level.INFO, o.uri() + ": progress " + run.counts(), Json.MAPPER.createObjectNode().put("object",
              o.uri()).put("rows_read", run.rowsRead).put("published", run.published).put("rejected", run.rejected)
              .put("bytes", run.bytes).put("elapsed_ms", progress.elapsedMillis()));
        }
      }
      if (headerPending) {
        throw new RowDecoder.BadFileException("CSV file has no header row: the first line must name the columns");
      }
    }
  }

  private ObjectNode finish(Run run, String status, String reason) {
    ObjectNode s = run.summary;
    s.put("status", status);
    if (reason != null) {
      s.put("reason", reason);
    }
    s.put("rows_read", run.rowsRead);
    s.put("published", run.published);
    s.put("rejected", run.rejected);
    s.put("bytes", run.bytes);
    s.put("duration_ms", clock.millis() - run.startMillis);
    BlobInfo info = BlobInfo.newBuilder(run.object.bucket(), summaryObjectName(run.object.name()))
        .setContentType("application/json").build();
    storage.create(info, (s + "\n").getBytes(UTF_8));
    Level level = status.equals("failed") || status.equals("publish_failed") ? Level.WARNING : Level.INFO;
    LOG.log(level, run.object.uri() + ": " + status + (reason == null ? "" : " (" + reason + ")") + " summary "
        + info.getName() + " " + s);
    return s;
  }
}
