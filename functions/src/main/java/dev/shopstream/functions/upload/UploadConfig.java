package dev.shopstream.functions.upload;

import dev.shopstream.functions.Settings;
import java.time.Duration;
import java.util.regex.Pattern;

/**
 * Limits of {@link UploadFunction}.
 *
 * @param backfillThresholdBytes objects larger than this go to the {@link BackfillLauncher} instead of row-by-row
 *     publishing ({@code BACKFILL_THRESHOLD_BYTES}, default 256 MiB)
 * @param maxLineBytes longest row in bytes (a CSV record may span lines); a longer row is rejected
 *     ({@code MAX_LINE_BYTES}, default 1 MiB)
 * @param errorRawMaxChars the raw text of a rejected row is cut to this many characters in the error report
 *     ({@code ERROR_RAW_MAX_CHARS}, default 1024)
 * @param progressEvery while an object is read, its counters are logged this often (a JSON line, message
 *     {@code <uri>: progress ...}; {@code PROGRESS_EVERY}, ISO-8601, default 5 s; zero: only the summary)
 * @param maxOutstandingPublishes at most this many messages are in flight before the function waits for their
 *     acknowledgements, bounding memory ({@code MAX_OUTSTANDING_PUBLISHES}, default 1000)
 * @param publishTimeout how long to wait for Pub/Sub to acknowledge one window of messages ({@code PUBLISH_TIMEOUT},
 *     ISO-8601, default 60 s)
 * @param maxDecompressedBytes most bytes a gzip object may decompress to; beyond that (a gzip bomb, or a file to
 *     split) reading stops and the object is reported {@code failed} ({@code MAX_DECOMPRESSED_BYTES}, default
 *     2 GiB, eight times the default backfill threshold)
 * @param errorReportMaxRows the error report lists at most this many rejected rows in full; the rest are counted by
 *     reason in the summary ({@code ERROR_REPORT_MAX_ROWS}, default 1000)
 */
public record UploadConfig(long backfillThresholdBytes, int maxLineBytes, int errorRawMaxChars, Duration progressEvery,
    int maxOutstandingPublishes, Duration publishTimeout, long maxDecompressedBytes, int errorReportMaxRows) {
  public static final long DEFAULT_BACKFILL_THRESHOLD_BYTES = 256L << 20;
  public static final int DEFAULT_MAX_LINE_BYTES = 1 << 20;
  public static final int DEFAULT_ERROR_RAW_MAX_CHARS = 1024;
  public static final Duration DEFAULT_PROGRESS_EVERY = Duration.ofSeconds(5);
  public static final int DEFAULT_MAX_OUTSTANDING_PUBLISHES = 1000;
  public static final Duration DEFAULT_PUBLISH_TIMEOUT = Duration.ofSeconds(60);
  public static final long DEFAULT_MAX_DECOMPRESSED_BYTES = 2L << 30;
  public static final int DEFAULT_ERROR_REPORT_MAX_ROWS = 1000;
  private static final Pattern BYTES = Pattern.compile("[0-9]{1,18}");

  public UploadConfig {
    if (backfillThresholdBytes < 0 || maxLineBytes < 1 || errorRawMaxChars < 1 || progressEvery.isNegative()
        || maxOutstandingPublishes < 1 || publishTimeout.isNegative() || publishTimeout.isZero()
        || maxDecompressedBytes < 1 || errorReportMaxRows < 0) {
      throw new IllegalArgumentException("limits must be positive");
    }
  }

  /** With the default {@link #errorReportMaxRows}. */
  public UploadConfig(long backfillThresholdBytes, int maxLineBytes, int errorRawMaxChars, Duration progressEvery,
      int maxOutstandingPublishes, Duration publishTimeout, long maxDecompressedBytes) {
    this(backfillThresholdBytes, maxLineBytes, errorRawMaxChars, progressEvery, maxOutstandingPublishes,
        publishTimeout, maxDecompressedBytes, DEFAULT_ERROR_REPORT_MAX_ROWS);
  }

  /** With the default {@link #maxDecompressedBytes} and {@link #errorReportMaxRows}. */
  public UploadConfig(long backfillThresholdBytes, int maxLineBytes, int errorRawMaxChars, Duration progressEvery,
      int maxOutstandingPublishes, Duration publishTimeout) {
    this(backfillThresholdBytes, maxLineBytes, errorRawMaxChars, progressEvery, maxOutstandingPublishes,
        publishTimeout, DEFAULT_MAX_DECOMPRESSED_BYTES);
  }

  /** The same limits with another {@link #maxDecompressedBytes}. */
  public UploadConfig withMaxDecompressedBytes(long bytes) {
    return new UploadConfig(backfillThresholdBytes, maxLineBytes, errorRawMaxChars, progressEvery,
        maxOutstandingPublishes, publishTimeout, bytes, errorReportMaxRows);
  }

  /** The same limits with another {@link #errorReportMaxRows}. */
  public UploadConfig withErrorReportMaxRows(int rows) {
    return new UploadConfig(backfillThresholdBytes, maxLineBytes, errorRawMaxChars, progressEvery,
        maxOutstandingPublishes, publishTimeout, maxDecompressedBytes, rows);
  }

  public static UploadConfig defaults() {
    return new UploadConfig(DEFAULT_BACKFILL_THRESHOLD_BYTES, DEFAULT_MAX_LINE_BYTES, DEFAULT_ERROR_RAW_MAX_CHARS,
        DEFAULT_PROGRESS_EVERY, DEFAULT_MAX_OUTSTANDING_PUBLISHES, DEFAULT_PUBLISH_TIMEOUT);
  }

  public static UploadConfig from(Settings settings) {
    return new UploadConfig(
        Long.parseLong(settings.string("BACKFILL_THRESHOLD_BYTES", Long.toString(DEFAULT_BACKFILL_THRESHOLD_BYTES),
            BYTES, "a number of bytes")),
        settings.integer("MAX_LINE_BYTES", DEFAULT_MAX_LINE_BYTES, 1, 64 << 20),
        settings.integer("ERROR_RAW_MAX_CHARS", DEFAULT_ERROR_RAW_MAX_CHARS, 1, 1 << 20),
        settings.duration("PROGRESS_EVERY", DEFAULT_PROGRESS_EVERY),
        settings.integer("MAX_OUTSTANDING_PUBLISHES", DEFAULT_MAX_OUTSTANDING_PUBLISHES, 1, 10_000),
        settings.duration("PUBLISH_TIMEOUT", DEFAULT_PUBLISH_TIMEOUT),
        Long.parseLong(settings.string("MAX_DECOMPRESSED_BYTES", Long.toString(DEFAULT_MAX_DECOMPRESSED_BYTES),
            BYTES, "a number of bytes")),
        settings.integer("ERROR_REPORT_MAX_ROWS", DEFAULT_ERROR_REPORT_MAX_ROWS, 0, 1_000_000));
  }
}
