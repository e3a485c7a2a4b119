package dev.shopstream.contract;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shopstream.contract.rows.RowParser;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The field-name constants of {@link EventCodec} and {@link ProductCodec} (which datagen and the other writers of
 * contract JSON use instead of spelling names) are exactly the properties of the JSON schemas, in the schemas' order,
 * and the upload's CSV columns are among them: renaming a field in a schema fails here, not in a writer at runtime.
 */
class FieldNamesMatchSchemasTest {
  private static List<String> properties(String resource, String... path) throws IOException {
    try (InputStream in = FieldNamesMatchSchemasTest.class.getResourceAsStream(resource)) {
      JsonNode node = Json.MAPPER.readTree(in);
      for (String step : path) {
        node = node.path(step);
      }
      List<String> names = new ArrayList<>();
      node.path("properties").fieldNames().forEachRemaining(names::add);
      return names;
    }
  }

  @Test
  void eventCodecNamesAreTheEventSchemasProperties() throws IOException {
    assertThat(List.of(EventCodec.EVENT_ID, EventCodec.EVENT_TYPE, EventCodec.USER_ID, EventCodec.SESSION_ID,
        EventCodec.EVENT_TIME, EventCodec.PRODUCTS, EventCodec.CURRENCY, EventCodec.QUERY, EventCodec.ATTRIBUTES))
        .isEqualTo(properties(EventCodec.SCHEMA_RESOURCE));
    assertThat(List.of(EventCodec.PRODUCT_ID, EventCodec.QUANTITY, EventCodec.PRICE))
        .isEqualTo(properties(EventCodec.SCHEMA_RESOURCE, "properties", EventCodec.PRODUCTS, "items"));
  }

  @Test
  void productCodecNamesAreTheProductSchemasProperties() throws IOException {
    assertThat(List.of(ProductCodec.PRODUCT_ID, ProductCodec.TITLE, ProductCodec.CATEGORY, ProductCodec.PRICE,
        ProductCodec.CURRENCY, ProductCodec.AVAILABLE, ProductCodec.ATTRIBUTES, ProductCodec.UPDATED_AT))
        .isEqualTo(properties(ProductCodec.SCHEMA_RESOURCE));
  }

  @Test
  void csvUploadColumnsAreSchemaFields() throws IOException {
    List<String> eventFields = new ArrayList<>(properties(EventCodec.SCHEMA_RESOURCE));
    eventFields.addAll(properties(EventCodec.SCHEMA_RESOURCE, "properties", EventCodec.PRODUCTS, "items"));
    assertThat(eventFields).containsAll(RowParser.EVENT_COLUMNS);
    assertThat(properties(ProductCodec.SCHEMA_RESOURCE)).containsAll(RowParser.CATALOG_COLUMNS);
  }
}
