package dev.shopstream.pipeline.transforms;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shopstream.contract.Json;
import dev.shopstream.contract.JsonSchema;
import dev.shopstream.contract.MessageEnvelope;
import dev.shopstream.contract.logging.Progress;
import dev.shopstream.contract.rows.RecordReader;
import dev.shopstream.contract.rows.RowParser;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.nio.channels.Channels;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.zip.GZIPInputStream;
import org.apache.beam.sdk.io.Compression;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.io.gcp.pubsub.PubsubMessage;
import org.apache.beam.sdk.io.gcp.pubsub.PubsubMessageWithAttributesCoder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Reshuffle;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Instant;

/**
 * The rows of upload files (a glob of local paths or {@code gs://} objects; JSON Lines or CSV with a header, each
 * optionally {@code .gz}: the formats and reading of the upload function, by the contract's {@link RowParser}) as
 * Pub/Sub-shaped messages, so that a backfill runs the very transforms a stream does ({@link ParseEvents},
 * {@link ParseProducts}, and all after them). A bounded source.
 *
 * <p>Every row becomes one message, never none: payload = the row as a contract JSON record, attributes
 * {@value #SOURCE_FILE_ATTRIBUTE} and {@value #SOURCE_LINE_ATTRIBUTE} (1-based) plus, for events, {@code event_id}
 * and {@code event_time} and, for the catalog, {@code product_id} and {@code updated_at} (as the upload function
 * publishes them). An events row without {@code event_id} gets the upload function's id, {@code RowParser.rowId(
 * bucket, object, line, digest of the row)}, of the object given by {@link SourceObject} (what a stream of that
 * object carries), else of the file read: {@code gs://b/o} gives {@code b} and {@code o}, a local path an empty
 * bucket and the path. The id does not depend on the generation: the same content gives the same ids. Events get their
 * {@code event_time} as element timestamp. A row that cannot be read (bad JSON or CSV syntax, wrong field count,
 * longer than {@code maxRowBytes}, not UTF-8, under a bad CSV header, in a file of an unknown extension) keeps its
 * raw text as payload and gets {@value ParseEvents#SOURCE_ERROR_ATTRIBUTE} with the reason, so the parse step
 * dead-letters it. Blank lines are skipped, as in uploads.
 *
 * <p>Counters (namespace: this class): {@code files}, {@code rows}, {@code unreadable_rows}. While a file is read,
 * its counts are logged every {@link #withProgressEvery} (5 s), and once at its end.
 */
public final class ReadFileRows extends PTransform<PBegin, PCollection<PubsubMessage>> {
  public static final String SOURCE_FILE_ATTRIBUTE = MessageEnvelope.SOURCE_FILE;
  public static final String SOURCE_LINE_ATTRIBUTE = MessageEnvelope.SOURCE_LINE;
  /** The upload function's default longest row (its {@code MAX_LINE_BYTES}). */
  public static final int DEFAULT_MAX_ROW_BYTES = 1 << 20;

  private static final Logger LOG = Logger.getLogger(ReadFileRows.class.getName());
  /** Random keys of the shuffle that spreads a file's rows over the workers. */
  static final int SPREAD_BUCKETS = 256;

  /**
   * The Cloud Storage object whose bucket and name the default event ids derive from, for a backfill of one object that
   * the upload function handed over (it passes {@code --sourceBucket}, {@code --sourceObject},
   * {@code --sourceGeneration}).
   */
  public record SourceObject(String bucket, String object, long generation) implements Serializable {
    public SourceObject {
      Objects.requireNonNull(bucket, "bucket");
      Objects.requireNonNull(object, "object");
    }
  }

  private final String filepattern;
  private final boolean events;
  private final @Nullable SourceObject source;
  private final @Nullable String defaultUpdatedAt;
  private final int maxRowBytes;
  private final java.time.Duration progressEvery;
  private final Clock clock;

  private ReadFileRows(String filepattern, boolean events, @Nullable SourceObject source,
      @Nullable String defaultUpdatedAt, int maxRowBytes) {
    this(filepattern, events, source, defaultUpdatedAt, maxRowBytes, Progress.DEFAULT_EVERY, Clock.systemUTC());
  }

  private ReadFileRows(String filepattern, boolean events, @Nullable SourceObject source,
      @Nullable String defaultUpdatedAt, int maxRowBytes, java.time.Duration progressEvery, Clock clock) {
    this.progressEvery = Objects.requireNonNull(progressEvery, "progressEvery");
    if (progressEvery.isNegative()) {
      throw new IllegalArgumentException("progressEvery must not be negative, was " + progressEvery);
    }
    this.clock = Objects.requireNonNull(clock, "clock");
    this.filepattern = Objects.requireNonNull(filepattern, "filepattern");
    this.events = events;
    this.source = source;
    this.defaultUpdatedAt = defaultUpdatedAt;
    if (maxRowBytes < 1) {
      throw new IllegalArgumentException("maxRowBytes must be at least 1, was " + maxRowBytes);
    }
    this.maxRowBytes = maxRowBytes;
  }

  /** Events rows of the files matching {@code filepattern} (no match fails the pipeline). */
  public static ReadFileRows events(String filepattern) {
    return new ReadFileRows(filepattern, true, null, null, DEFAULT_MAX_ROW_BYTES);
  }

  /** Catalog rows of the files matching {@code filepattern} (no match fails the pipeline). */
  public static ReadFileRows catalog(String filepattern) {
    return new ReadFileRows(filepattern, false, null, null, DEFAULT_MAX_ROW_BYTES);
  }

  /** Default event ids from this object instead of the file read (one file only: the pattern has no wildcard). */
  public ReadFileRows withSourceObject(@Nullable SourceObject object) {
    if (object != null && !events) {
      throw new IllegalArgumentException("a source object only applies to events files");
    }
    if (object != null && hasWildcard(filepattern)) {
      throw new IllegalArgumentException("--sourceBucket/--sourceObject/--sourceGeneration name one object: the "
          + "input must be one file, not the pattern " + filepattern);
    }
    return new ReadFileRows(filepattern, events, object, defaultUpdatedAt, maxRowBytes, progressEvery, clock);
  }

  /** {@code updated_at} (RFC 3339) for catalog rows without one; null: the file's last-modified time. */
  public ReadFileRows withDefaultUpdatedAt(@Nullable String value) {
    if (value != null) {
      if (JsonSchema.parseDateTime(value) == null) {
        throw new IllegalArgumentException("--defaultUpdatedAt must be an RFC 3339 time such as "
            + "2026-11-20T09:30:00Z, was '" + value + "'");
      }
    }
    return new ReadFileRows(filepattern, events, source, value, maxRowBytes, progressEvery, clock);
  }

  /** The longest row read; longer ones become unreadable rows (their first bytes kept). */
  public ReadFileRows withMaxRowBytes(int value) {
    return new ReadFileRows(filepattern, events, source, defaultUpdatedAt, value, progressEvery, clock);
  }

  /**
   * How often a file's counters are logged while it is read (default 5 s; zero: only when it is done): a JSON line,
   * message {@code <file>: progress <n> rows}, fields {@code file}, {@code rows_read}, {@code unreadable_rows},
   * {@code elapsed_ms}.
   */
  public ReadFileRows withProgressEvery(java.time.Duration every) {
    return new ReadFileRows(filepattern, events, source, defaultUpdatedAt, maxRowBytes, every, clock);
  }

  /** The clock of the progress lines (tests; serializable, as the transform is). */
  ReadFileRows withClock(Clock value) {
    return new ReadFileRows(filepattern, events, source, defaultUpdatedAt, maxRowBytes, progressEvery, value);
  }

  static boolean hasWildcard(String pattern) {
    return pattern.contains("*") || pattern.contains("?") || pattern.contains("[") || pattern.contains("{");
  }

  @Override
  public PCollection<PubsubMessage> expand(PBegin begin) {
    return begin
        .apply("Match", FileIO.match().filepattern(filepattern)
            .withEmptyMatchTreatment(EmptyMatchTreatment.DISALLOW))
        .apply("Open", FileIO.readMatches().withCompression(Compression.UNCOMPRESSED)
            .withDirectoryTreatment(FileIO.ReadMatches.DirectoryTreatment.SKIP))
        .apply("Rows", ParDo.of(new RowsFn(events, source, defaultUpdatedAt, maxRowBytes, progressEvery, clock)))
        .setCoder(PubsubMessageWithAttributesCoder.of())
        // one file is read by one worker: spread its rows over all of them (a bounded number of random keys: the
        // DirectRunner handles each key of a shuffle on its own, so a key per row made reading 40x slower there)
        .apply("Spread", Reshuffle.<PubsubMessage>viaRandomKey().withNumBuckets(SPREAD_BUCKETS));
  }

  private static final class RowsFn extends DoFn<FileIO.ReadableFile, PubsubMessage> {
    private final Counter files = Metrics.counter(ReadFileRows.class, "files");
    private final Counter rows = Metrics.counter(ReadFileRows.class, "rows");
    private final Counter unreadable = Metrics.counter(ReadFileRows.class, "unreadable_rows");
    private final boolean events;
    private final @Nullable SourceObject source;
    private final @Nullable String defaultUpdatedAt;
    private final int maxRowBytes;
    private final java.time.Duration progressEvery;
    private final Clock clock;

    RowsFn(boolean events, @Nullable SourceObject source, @Nullable String defaultUpdatedAt, int maxRowBytes,
        java.time.Duration progressEvery, Clock clock) {
      this.progressEvery = progressEvery;
      this.clock = clock;
      this.events = events;
      this.source = source;
      this.defaultUpdatedAt = defaultUpdatedAt;
      this.maxRowBytes = maxRowBytes;
    }

    @ProcessElement
    public void process(@Element FileIO.ReadableFile file, OutputReceiver<PubsubMessage> out) throws IOException {
      files.inc();
      MatchResult.Metadata metadata = file.getMetadata();
      ResourceId id = metadata.resourceId();
      String path = id.toString();
      String name = id.getFilename() == null ? path : id.getFilename();
      Optional<RowParser.Format> format = RowParser.Format.ofFileName(name);
      if (format.isEmpty()) {
        // the rows cannot be told apart: the file is one unreadable row
        emitUnreadable(out, path, 0, "", "unsupported file type: expected " + RowParser.Format.SUPPORTED);
        return;
      }
      // the matched metadata reaches here through a coder that drops the last-modified time: ask the file system
      long lastModified = FileSystems.matchSingleFileSpec(path).lastModifiedMillis();
      RowParser parser = events ? eventsParser(format.get(), path, lastModified)
          : RowParser.catalog(format.get(), defaultUpdatedAt != null ? defaultUpdatedAt
              : java.time.Instant.ofEpochMilli(lastModified).toString());
      long count = 0;
      long unreadableRows = 0;
      Progress progress = new Progress(clock, progressEvery);
      try (InputStream raw = Channels.newInputStream(file.open());
          InputStream in = RowParser.Format.isGzip(name) ? new GZIPInputStream(raw, 64 * 1024) : raw) {
        RecordReader reader = new RecordReader(in, maxRowBytes, format.get() == RowParser.Format.CSV);
        boolean headerPending = parser.expectsHeader();
        String badFile = null;
        for (RecordReader.Row row = reader.next(); row != null; row = reader.next()) {
          if (row.isBlank()) {
            continue;
          }
          if (headerPending) {
            headerPending = false;
            badFile = header(parser, row);
            continue;
          }
          count++;
          String problem = badFile != null ? badFile
              : row.tooLong() ? "is longer than " + maxRowBytes + " bytes (maxRowBytes)"
              : row.invalidUtf8() ? "is not valid UTF-8" : null;
          RowParser.Parsed parsed = problem != null ? null : parser.parse(row.line(), row.text());
          if (parsed != null && parsed.isValid()) {
            emit(out, path, row.line(), parsed.node());
          } else {
            unreadableRows++;
            emitUnreadable(out, path, row.line(), row.text(), problem != null ? problem : parsed.error());
          }
          if (progress.due()) {
            LOG.log(Level.INFO, path + ": progress " + count + " rows", Json.MAPPER.createObjectNode()
                .put("file", path).put("rows_read", count).put("unreadable_rows", unreadableRows)
                .put("elapsed_ms", progress.elapsedMillis()));
          }
        }
      }
      long n = count;
      LOG.info(() -> path + ": read " + n + " rows");
    }

    private RowParser eventsParser(RowParser.Format format, String path, long lastModifiedMillis) {
      if (source != null) {
        return RowParser.events(format, source.bucket(), source.object());
      }
      if (path.startsWith("gs://")) {
        String rest = path.substring("gs://".length());
        int slash = rest.indexOf('/');
        return RowParser.events(format, rest.substring(0, slash), rest.substring(slash + 1));
      }
      return RowParser.events(format, "", path);
    }

    /** Reads the header row; returns why the file's rows cannot be read, or null. */
    private static @Nullable String header(RowParser parser, RecordReader.Row row) {
      if (row.tooLong() || row.invalidUtf8()) {
        return "CSV header on line " + row.line() + " is " + (row.tooLong() ? "too long" : "not valid UTF-8");
      }
      try {
        parser.header(row.text());
        return null;
      } catch (RowParser.BadFileException e) {
        return e.getMessage();
      }
    }

    private void emit(OutputReceiver<PubsubMessage> out, String path, long line, JsonNode node) {
      rows.inc();
      Map<String, String> attributes = sourceAttributes(path, line);
      Instant timestamp = null;
      if (events) {
        putText(attributes, node, MessageEnvelope.EVENT_ID);
        putText(attributes, node, MessageEnvelope.EVENT_TIME);
        timestamp = eventTime(node);
      } else {
        putText(attributes, node, MessageEnvelope.PRODUCT_ID);
        putText(attributes, node, MessageEnvelope.UPDATED_AT);
      }
      PubsubMessage message = new PubsubMessage(node.toString().getBytes(UTF_8), attributes);
      if (timestamp != null) {
        out.outputWithTimestamp(message, timestamp);
      } else {
        out.output(message);
      }
    }

    private void emitUnreadable(OutputReceiver<PubsubMessage> out, String path, long line, String text,
        String reason) {
      rows.inc();
      unreadable.inc();
      Map<String, String> attributes = sourceAttributes(path, line);
      attributes.put(MessageEnvelope.SOURCE_ERROR, reason);
      out.output(new PubsubMessage(text.getBytes(UTF_8), attributes));
    }

    private static Map<String, String> sourceAttributes(String path, long line) {
      Map<String, String> attributes = new LinkedHashMap<>();
      attributes.put(SOURCE_FILE_ATTRIBUTE, path);
      attributes.put(SOURCE_LINE_ATTRIBUTE, Long.toString(line));
      return attributes;
    }

    private static void putText(Map<String, String> attributes, JsonNode node, String field) {
      if (node.path(field).isTextual()) {
        attributes.put(field, node.get(field).textValue());
      }
    }

    /** The row's event time as element timestamp; null when it has none a timestamp can be (validation decides). */
    private static @Nullable Instant eventTime(JsonNode node) {
      if (!node.path(MessageEnvelope.EVENT_TIME).isTextual()) {
        return null;
      }
      java.time.OffsetDateTime time = JsonSchema.parseDateTime(node.get(MessageEnvelope.EVENT_TIME).textValue());
      if (time == null) {
        return null;
      }
      try {
        Instant t = new Instant(time.toInstant().toEpochMilli());
        return t.isBefore(BoundedWindow.TIMESTAMP_MIN_VALUE) || !t.isBefore(BoundedWindow.TIMESTAMP_MAX_VALUE)
            ? null : t;
      } catch (ArithmeticException e) {
        return null;
      }
    }
  }
}
