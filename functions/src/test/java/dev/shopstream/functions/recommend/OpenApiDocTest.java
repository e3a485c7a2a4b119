package dev.shopstream.functions.recommend;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** docs/openapi.yaml names every path, parameter, fallback and limit setting the recommend function has. */
class OpenApiDocTest {
  @Test
  void theOpenApiFileDocumentsWhatTheFunctionServes() throws Exception {
    Path doc = Path.of("..", "docs", "openapi.yaml");
    assertThat(doc).exists();
    String text = Files.readString(doc);

    assertThat(text).startsWith("openapi: 3.");
    for (String path : List.of(RecommendFunction.PATH, RecommendFunction.TRENDING_PATH, RecommendFunction.CART_PATH,
        RecommendFunction.PRODUCTS_PREFIX + "{id}/similar", RecommendFunction.PRODUCTS_PREFIX + "{id}/bought-together")) {
      assertThat(text).contains("\n  " + path + ":\n");
    }
    for (String parameter : List.of("user_id", "k", "mode", "category", "exclude")) {
      assertThat(text).contains("name: " + parameter + "\n");
    }
    assertThat(text).contains("maximum: " + RecommendFunction.MAX_K, RecommendFunction.BUY_AGAIN,
        "unknown_user", "thin_history", "user_activity_unavailable", "few_neighbors", "MAX_CART_ITEMS",
        "MAX_CART_BODY_BYTES", "Retry-After", "stale", "as_of");
  }
}
