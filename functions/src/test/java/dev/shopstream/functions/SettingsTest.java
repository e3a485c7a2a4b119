package dev.shopstream.functions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shopstream.functions.Settings.InvalidSettingException;
import dev.shopstream.functions.ingest.IngestConfig;
import dev.shopstream.functions.recommend.RecommendConfig;
import dev.shopstream.model.ModelConfig;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class SettingsTest {
  private enum Color { RED, GREEN }

  private static Settings of(Map<String, String> values) {
    return new Settings(values::get);
  }

  @Test
  void systemPropertiesAreTheFallbackOfTheEnvironment() {
    String name = "SHOPSTREAM_SETTINGS_TEST_" + System.nanoTime();
    System.setProperty(name, " from-property ");
    try {
      assertThat(Settings.fromEnvironment().optional(name)).hasValue("from-property");
    } finally {
      System.clearProperty(name);
    }
    assertThat(Settings.fromEnvironment().optional(name)).isEmpty();
  }

  @Test
  void blankCountsAsUnset() {
    Settings s = of(Map.of("A", "  "));

    assertThat(s.optional("A")).isEmpty();
    assertThat(s.string("A", "default")).isEqualTo("default");
    assertThatThrownBy(() -> s.required("A")).isInstanceOf(InvalidSettingException.class).hasMessage("A is not set");
  }

  @Test
  void integersHaveDefaultsAndBounds() {
    Settings s = of(Map.of("N", "42", "BIG", "1000001", "WORD", "ten"));

    assertThat(s.integer("N", 1, 1, 100)).isEqualTo(42);
    assertThat(s.integer("UNSET", 7, 1, 100)).isEqualTo(7);
    assertThatThrownBy(() -> s.integer("BIG", 1, 1, 1000))
        .hasMessage("BIG must be an integer from 1 to 1000, got '1000001'");
    assertThatThrownBy(() -> s.integer("WORD", 1, 1, 1000)).hasMessageContaining("WORD must be an integer");
  }

  @Test
  void durationsAreIso8601AndPositive() {
    Settings s = of(Map.of("D", "P7D", "T", "pt10s", "ZERO", "PT0S", "BAD", "7 days"));

    assertThat(s.duration("D", Duration.ZERO)).isEqualTo(Duration.ofDays(7));
    assertThat(s.duration("T", Duration.ZERO)).isEqualTo(Duration.ofSeconds(10));
    assertThat(s.duration("UNSET", Duration.ofMinutes(1))).isEqualTo(Duration.ofMinutes(1));
    assertThatThrownBy(() -> s.duration("ZERO", Duration.ZERO)).hasMessageContaining("positive ISO-8601 duration");
    assertThatThrownBy(() -> s.duration("BAD", Duration.ZERO)).hasMessageContaining("BAD must be");
  }

  @Test
  void listsChoicesAndPatterns() {
    Settings s = of(Map.of("L", " a, b ,,c ", "C", "green", "WRONG", "blue", "P", "abc"));

    assertThat(s.list("L")).containsExactly("a", "b", "c");
    assertThat(s.list("UNSET")).isEmpty();
    assertThat(s.choice("C", Color.class)).isEqualTo(Color.GREEN);
    assertThatThrownBy(() -> s.choice("WRONG", Color.class)).hasMessage("WRONG must be one of red | green, got 'blue'");
    assertThatThrownBy(() -> s.choice("UNSET", Color.class)).hasMessage("UNSET is not set (red | green)");
    assertThat(s.required("P", Pattern.compile("[a-z]+"), "letters")).isEqualTo("abc");
    assertThatThrownBy(() -> s.string("P", "x", Pattern.compile("[0-9]+"), "digits"))
        .hasMessage("P must be digits, got 'abc'");
  }

  @Test
  void projectIdFallsBackToGoogleCloudProjectAndIsChecked() {
    assertThat(of(Map.of("PROJECT_ID", "my-project", "GOOGLE_CLOUD_PROJECT", "other-project")).projectId())
        .hasValue("my-project");
    assertThat(of(Map.of("GOOGLE_CLOUD_PROJECT", "other-project")).projectId()).hasValue("other-project");
    assertThat(of(Map.of()).projectId()).isEmpty();
    assertThatThrownBy(() -> of(Map.of("PROJECT_ID", "proj")).projectId()).hasMessageContaining("PROJECT_ID must be");
  }

  @Test
  void functionConfigsHaveDocumentedDefaultsAndRejectBadValues() {
    IngestConfig ingest = IngestConfig.from(of(Map.of()));
    assertThat(ingest.maxBatchEvents()).isEqualTo(1000);
    assertThat(ingest.maxBodyBytes()).isEqualTo(1 << 20);
    assertThat(ingest.publishTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(RecommendConfig.from(of(Map.of())).trendingWindow()).isEqualTo(Duration.ofDays(7));
    assertThat(RecommendConfig.from(of(Map.of())).model()).isEqualTo(ModelConfig.defaults());
    assertThat(RecommendConfig.from(of(Map.of("TREND_WEIGHT", "0.5"))).model())
        .isEqualTo(ModelConfig.defaults().toBuilder().trendWeight(0.5).build());
    assertThat(RecommendConfig.from(of(Map.of())).model().factorWeight()).isEqualTo(4);
    assertThat(RecommendConfig.from(of(Map.of("FACTOR_WEIGHT", "0"))).model())
        .isEqualTo(ModelConfig.defaults().toBuilder().factorWeight(0).build());
    assertThat(RecommendConfig.from(of(Map.of())).userChanges()).isEqualTo(new RecommendConfig.UserChanges(
        Duration.ofSeconds(1), Duration.ofSeconds(30), Duration.ofMinutes(5)));
    assertThat(RecommendConfig.from(of(Map.of("USER_CACHE_TTL", "PT10S"))).userChanges().poll())
        .isEqualTo(Duration.ofSeconds(5));
    assertThat(RecommendConfig.from(of(Map.of("USER_CACHE_TTL", "PT10S", "USER_CHANGES_POLL", "PT2S",
        "USER_CHANGES_LOOKBACK", "PT1M", "USER_CACHE_MAX_AGE", "PT1H"))).userChanges()).isEqualTo(
        new RecommendConfig.UserChanges(Duration.ofSeconds(2), Duration.ofMinutes(1), Duration.ofHours(1)));

    IngestConfig custom = IngestConfig.from(of(Map.of("MAX_BATCH_EVENTS", "50", "MAX_BODY_BYTES", "2048",
        "PUBLISH_TIMEOUT", "PT2S", "API_KEY", "k", "CORS_ALLOWED_ORIGINS", "https://a.example")));
    assertThat(List.of(custom.maxBatchEvents(), custom.maxBodyBytes())).containsExactly(50, 2048);
    assertThat(custom.publishTimeout()).isEqualTo(Duration.ofSeconds(2));

    assertThatThrownBy(() -> IngestConfig.from(of(Map.of("MAX_BATCH_EVENTS", "0"))))
        .hasMessageContaining("MAX_BATCH_EVENTS");
    assertThatThrownBy(() -> IngestConfig.from(of(Map.of("MAX_BODY_BYTES", "1GB"))))
        .hasMessageContaining("MAX_BODY_BYTES");
    assertThatThrownBy(() -> RecommendConfig.from(of(Map.of("TRENDING_WINDOW", "a week"))))
        .hasMessageContaining("TRENDING_WINDOW");
    for (String bad : List.of("-1", "101", "NaN", "lots")) {
      assertThatThrownBy(() -> RecommendConfig.from(of(Map.of("TREND_WEIGHT", bad))))
          .hasMessage("TREND_WEIGHT must be a number from 0.0 to 100.0, got '" + bad + "'");
    }
  }
}
