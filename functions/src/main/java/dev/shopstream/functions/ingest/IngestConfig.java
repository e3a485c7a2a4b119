package dev.shopstream.functions.ingest;

import dev.shopstream.functions.Settings;
import dev.shopstream.functions.http.AccessPolicy;
import java.time.Duration;
import java.util.Objects;

/**
 * Limits and policy of {@link IngestFunction}.
 *
 * @param maxBatchEvents most events in one request ({@code MAX_BATCH_EVENTS}, default 1000)
 * @param maxBodyBytes largest request body in bytes ({@code MAX_BODY_BYTES}, default 1 MiB)
 * @param publishTimeout how long to wait for Pub/Sub to acknowledge a request's events ({@code PUBLISH_TIMEOUT},
 *     ISO-8601, default 10 s)
 * @param access API key and CORS ({@code API_KEY}, {@code CORS_ALLOWED_ORIGINS})
 */
public record IngestConfig(int maxBatchEvents, int maxBodyBytes, Duration publishTimeout, AccessPolicy access) {
  public static final int DEFAULT_MAX_BATCH_EVENTS = 1000;
  public static final int DEFAULT_MAX_BODY_BYTES = 1 << 20;
  public static final Duration DEFAULT_PUBLISH_TIMEOUT = Duration.ofSeconds(10);
  /** Cloud Functions accepts request bodies up to 32 MiB. */
  static final int MAX_BODY_BYTES_LIMIT = 32 << 20;
  static final int MAX_BATCH_EVENTS_LIMIT = 100_000;

  public IngestConfig {
    if (maxBatchEvents < 1 || maxBodyBytes < 1 || publishTimeout.isNegative() || publishTimeout.isZero()) {
      throw new IllegalArgumentException("limits must be positive");
    }
    Objects.requireNonNull(access, "access");
  }

  public static IngestConfig from(Settings settings) {
    return new IngestConfig(
        settings.integer("MAX_BATCH_EVENTS", DEFAULT_MAX_BATCH_EVENTS, 1, MAX_BATCH_EVENTS_LIMIT),
        settings.integer("MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES, 1, MAX_BODY_BYTES_LIMIT),
        settings.duration("PUBLISH_TIMEOUT", DEFAULT_PUBLISH_TIMEOUT),
        AccessPolicy.from(settings));
  }
}
