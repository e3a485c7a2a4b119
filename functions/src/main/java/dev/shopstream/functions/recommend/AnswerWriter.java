package dev.shopstream.functions.recommend;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import dev.shopstream.contract.Json;
import dev.shopstream.contract.api.RecommendationApi;
import dev.shopstream.functions.http.JsonReply;
import dev.shopstream.functions.recommend.Selection.Item;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * Writes the 200 answer every endpoint shares ({@link RecommendationApi}): the endpoint's own fields
 * ({@link Head}), then {@code as_of},
 * {@code stale}, {@code snapshot_loaded_at}, {@code strategy} (personalized, trending, or personalized+trending:
 * which kinds of items it has), {@code fallback} (why trending filled in, when it did) and the items. Written
 * straight to bytes by a streaming generator: no tree is built per answer.
 */
final class AnswerWriter {
  private AnswerWriter() {}

  /** The endpoint's own fields of an answer, written first. */
  @FunctionalInterface
  interface Head {
    void write(JsonGenerator g) throws IOException;
  }

  static JsonReply answer(Head head, Snapshot snapshot, boolean stale, List<Item> items, String fallback) {
    long trending = 0;
    for (Item item : items) {
      trending += item.trending() ? 1 : 0;
    }
    JsonFactory factory = Json.MAPPER.getFactory();
    try (ByteArrayBuilder bytes = new ByteArrayBuilder(factory._getBufferRecycler())) {
      try (JsonGenerator g = factory.createGenerator(bytes)) {
        g.writeStartObject();
        head.write(g);
        g.writeStringField(RecommendationApi.AS_OF, snapshot.asOfText());
        g.writeBooleanField(RecommendationApi.STALE, stale);
        g.writeStringField(RecommendationApi.SNAPSHOT_LOADED_AT, snapshot.loadedAtText());
        g.writeStringField(RecommendationApi.STRATEGY, trending == 0 && !items.isEmpty() ? "personalized"
            : trending == items.size() ? "trending" : "personalized+trending");
        if (fallback != null) {
          g.writeStringField(RecommendationApi.FALLBACK, fallback);
        }
        g.writeArrayFieldStart(RecommendationApi.ITEMS);
        for (Item item : items) {
          g.writeStartObject();
          g.writeStringField(RecommendationApi.PRODUCT_ID, item.productId());
          g.writeNumberField(RecommendationApi.SCORE, item.score());
          g.writeStringField(RecommendationApi.REASON, item.reason());
          if (item.category() != null) {
            g.writeStringField(RecommendationApi.CATEGORY, item.category());
          }
          g.writeEndObject();
        }
        g.writeEndArray();
        g.writeEndObject();
      }
      return JsonReply.rendered(200, bytes.toByteArray(), "items=" + items.size() + (stale ? " stale" : ""));
    } catch (IOException e) {
      throw new UncheckedIOException(e); // writing to memory does not fail
    }
  }
}
