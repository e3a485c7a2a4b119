package dev.shopstream.contract.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The API's names are the ones docs/openapi.yaml documents: a renamed field fails here, not in a client. */
class RecommendationApiTest {
  private static final String DOC = read();

  private static String read() {
    try {
      return Files.readString(Path.of("..", "docs", "openapi.yaml"));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void theQueryParametersAreDocumented() {
    for (String parameter : List.of(RecommendationApi.USER_ID, RecommendationApi.K, RecommendationApi.MODE,
        RecommendationApi.CATEGORY, RecommendationApi.EXCLUDE)) {
      assertThat(DOC).contains("name: " + parameter + "\n");
    }
  }

  @Test
  void theAnswersCartsAndErrorsFieldsAreDocumented() {
    for (String field : List.of(RecommendationApi.USER_ID, RecommendationApi.MODE, RecommendationApi.PRODUCT_ID,
        RecommendationApi.CATEGORY, RecommendationApi.AS_OF, RecommendationApi.STALE,
        RecommendationApi.SNAPSHOT_LOADED_AT, RecommendationApi.STRATEGY, RecommendationApi.FALLBACK,
        RecommendationApi.ITEMS, RecommendationApi.SCORE, RecommendationApi.REASON, RecommendationApi.CART,
        RecommendationApi.QUANTITY, ErrorReply.ERROR, ErrorReply.MESSAGE, ErrorReply.PARAMETER, ErrorReply.FIELD)) {
      assertThat(DOC).containsPattern("[ {]" + field + ": ");
    }
  }
}
