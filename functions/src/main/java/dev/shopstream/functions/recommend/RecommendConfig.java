package dev.shopstream.functions.recommend;

import dev.shopstream.functions.Settings;
import dev.shopstream.functions.http.AccessPolicy;
import java.time.Duration;
import java.util.Objects;

/**
 * Policy of {@link RecommendFunction}.
 *
 * @param trendingWindow how far back from the newest event trending counts ({@code TRENDING_WINDOW}, ISO-8601,
 *     default P7D; whole seconds, at least one)
 * @param access API key and CORS ({@code API_KEY}, {@code CORS_ALLOWED_ORIGINS})
 */
public record RecommendConfig(Duration trendingWindow, AccessPolicy access) {
  public static final Duration DEFAULT_TRENDING_WINDOW = Duration.ofDays(7);

  public RecommendConfig {
    if (trendingWindow.toSeconds() < 1) {
      throw new IllegalArgumentException("the trending window must be at least one second");
    }
    Objects.requireNonNull(access, "access");
  }

  public static RecommendConfig from(Settings settings) {
    return new RecommendConfig(settings.duration("TRENDING_WINDOW", DEFAULT_TRENDING_WINDOW), AccessPolicy.from(settings));
  }
}
