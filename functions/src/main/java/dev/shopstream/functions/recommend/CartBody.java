package dev.shopstream.functions.recommend;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.google.cloud.functions.HttpRequest;
import dev.shopstream.contract.Json;
import dev.shopstream.contract.api.RecommendationApi;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The body of {@code POST /cart/recommendations}: JSON {@code {items: [{product_id: a, quantity: 2}, ...]}}
 * (quantity optional and not used), at most {@code MAX_CART_BODY_BYTES} and {@code MAX_CART_ITEMS} items (413
 * beyond), not JSON: 415; anything else wrong: 400 {@code invalid_body} naming the field.
 */
final class CartBody {
  private static final Set<String> CART_FIELDS = Set.of(RecommendationApi.ITEMS);
  private static final Set<String> CART_ITEM_FIELDS = Set.of(RecommendationApi.PRODUCT_ID,
      RecommendationApi.QUANTITY);

  private CartBody() {}

  /**
   * The product ids of the cart's items, in their order, repeats included (the recommendations weigh an item at its
   * last place: {@code ModelConfig.cartRecencyOrder}).
   */
  static List<String> read(HttpRequest request, int maxBodyBytes, int maxItems) throws IOException {
    String type = request.getContentType().orElse("");
    if (!type.toLowerCase(Locale.ROOT).startsWith("application/json")) {
      throw BadRequest.of(415, "unsupported_media_type", "send the cart as application/json");
    }
    if (request.getContentLength() > maxBodyBytes) {
      throw BadRequest.of(413, "body_too_large", "the body may be at most " + maxBodyBytes + " bytes");
    }
    byte[] bytes = request.getInputStream().readNBytes(maxBodyBytes + 1);
    if (bytes.length > maxBodyBytes) {
      throw BadRequest.of(413, "body_too_large", "the body may be at most " + maxBodyBytes + " bytes");
    }
    JsonNode root;
    try {
      root = Json.readUntrusted(UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString());
    } catch (CharacterCodingException e) {
      throw invalidBody("$", "the body is not valid UTF-8");
    } catch (JsonProcessingException e) {
      throw invalidBody("$", "the body is not valid JSON: " + e.getOriginalMessage());
    }
    if (root == null || !root.isObject()) {
      throw invalidBody("$", "the body must be a JSON object {\"" + RecommendationApi.ITEMS + "\": [...]}");
    }
    checkFields(root, CART_FIELDS, "");
    JsonNode items = root.get(RecommendationApi.ITEMS);
    if (items == null || !items.isArray() || items.isEmpty()) {
      throw invalidBody(RecommendationApi.ITEMS, RecommendationApi.ITEMS + " must be a non-empty array of {\""
          + RecommendationApi.PRODUCT_ID + "\": ...}");
    }
    if (items.size() > maxItems) {
      throw BadRequest.of(413, "too_many_items",
          "a cart may have at most " + maxItems + " items, this one has " + items.size());
    }
    List<String> ids = new ArrayList<>(items.size());
    for (int i = 0; i < items.size(); i++) {
      JsonNode item = items.get(i);
      String field = RecommendationApi.ITEMS + "[" + i + "]";
      if (!item.isObject()) {
        throw invalidBody(field, field + " must be an object {\"" + RecommendationApi.PRODUCT_ID + "\": ...}");
      }
      checkFields(item, CART_ITEM_FIELDS, field + ".");
      String idField = field + "." + RecommendationApi.PRODUCT_ID;
      JsonNode id = item.get(RecommendationApi.PRODUCT_ID);
      if (id == null || !id.isTextual()) {
        throw invalidBody(idField, idField + " is required (a string)");
      }
      String quantityField = field + "." + RecommendationApi.QUANTITY;
      JsonNode quantity = item.get(RecommendationApi.QUANTITY);
      if (quantity != null && !(quantity.canConvertToInt() && quantity.isIntegralNumber() && quantity.asInt() >= 1)) {
        throw invalidBody(quantityField, quantityField + " must be a positive integer");
      }
      try {
        ids.add(Parameters.id(idField, id.asText()));
      } catch (BadRequest e) {
        throw invalidBody(idField, e.getMessage());
      }
    }
    return ids;
  }

  private static void checkFields(JsonNode node, Set<String> allowed, String prefix) {
    for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!allowed.contains(name)) {
        String shown = name.length() > 64 ? name.substring(0, 64) + "..." : name;
        throw invalidBody(prefix + shown, "unknown field " + prefix + shown);
      }
    }
  }

  private static BadRequest invalidBody(String field, String message) {
    return BadRequest.invalidBody(field, message);
  }
}
