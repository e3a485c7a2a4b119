package dev.shopstream.functions.upload;

import java.io.IOException;

/**
 * Starts a batch job for an object too large to publish row by row. The job must read the object exactly like
 * {@link UploadFunction} does (same formats, same ids: {@code RowParser.rowId(bucket, name, line, digest of the
 * row)} for events without {@code event_id}, the object's creation time for catalog rows without
 * {@code updated_at}), so a file is the same whichever path it takes.
 */
public interface BackfillLauncher {
  /** What to backfill. {@code defaultUpdatedAt} may be null. */
  record Request(UploadedObject object, FileType type, String defaultUpdatedAt) {}

  /** A started (or already running) job. {@code jobId} is null when the job was already running. */
  record Launch(String jobName, String jobId, boolean alreadyRunning) {}

  /**
   * Starts the job; launching the same object generation again while its job runs must not start a second one.
   *
   * @throws IOException when the launch may succeed if retried (network, 5xx, quota): the function then fails and
   *     the event is redelivered
   * @throws RejectedException when retrying cannot help (bad template, permissions, not configured)
   */
  Launch launch(Request request) throws IOException, RejectedException;

  /** A launch that retrying will not fix. */
  final class RejectedException extends Exception {
    public RejectedException(String message) {
      super(message);
    }
  }

  /** The launcher when no template is configured: every launch is rejected, saying what to set. */
  static BackfillLauncher notConfigured() {
    return request -> {
      throw new RejectedException("the object is above BACKFILL_THRESHOLD_BYTES and no backfill template is "
          + "configured: set TEMPLATE_GCS_PATH (or raise BACKFILL_THRESHOLD_BYTES)");
    };
  }
}
