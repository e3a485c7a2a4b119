package dev.shopstream.contract;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class ProductCodecTest {
  private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-22T12:00:00Z"), ZoneOffset.UTC);
  private final ProductCodec codec = new ProductCodec(CLOCK);

  @Test
  void decodesAFullProductAndEncodesItBack() {
    ProductCodec.Decoded d = codec.decode("""
        {"product_id":"mug-01","title":"Mug","category":"home/kitchen/mugs","price":12.5,"currency":"EUR",
         "available":true,"attributes":{"colour":"blue","brand":"acme"},"updated_at":"2026-11-22T10:00:00+01:00"}""");

    assertThat(d.errors()).isEmpty();
    assertThat(d.product()).isEqualTo(new Product("mug-01", "Mug", "home/kitchen/mugs", 12.5, "EUR", true,
        java.util.Map.of("colour", "blue", "brand", "acme"), Instant.parse("2026-11-22T09:00:00Z")));
    assertThat(ProductCodec.encode(d.product())).isEqualTo("{\"product_id\":\"mug-01\",\"title\":\"Mug\","
        + "\"category\":\"home/kitchen/mugs\",\"price\":12.5,\"currency\":\"EUR\",\"available\":true,"
        + "\"attributes\":{\"brand\":\"acme\",\"colour\":\"blue\"},\"updated_at\":\"2026-11-22T09:00:00Z\"}");
  }

  @Test
  void optionalFieldsMayBeAbsent() {
    ProductCodec.Decoded d = codec.decode("{\"product_id\":\"p1\",\"updated_at\":\"2026-11-22T10:00:00Z\"}");

    assertThat(d.isValid()).isTrue();
    assertThat(d.product().price()).isNull();
    assertThat(d.product().available()).isNull();
    assertThat(ProductCodec.encode(d.product()))
        .isEqualTo("{\"product_id\":\"p1\",\"updated_at\":\"2026-11-22T10:00:00Z\"}");
  }

  @Test
  void reportsEveryBadFieldByName() {
    ProductCodec.Decoded d = codec.decode("""
        {"title":"x","price":-1,"currency":"eur","available":"yes","colour":"red","updated_at":"soon"}""");

    assertThat(d.isValid()).isFalse();
    assertThat(d.errors()).extracting(FieldError::field)
        .containsExactlyInAnyOrder("product_id", "price", "currency", "available", "colour", "updated_at");
    assertThat(d.errorSummary()).contains("product_id: is required").contains("price: must be at least 0");
  }

  @Test
  void malformedJsonIsAnErrorNotAnException() {
    assertThat(codec.decode("{\"product_id\":").errors()).extracting(FieldError::field).containsExactly("$");
    assertThat(codec.decode("").errors()).extracting(FieldError::reason).containsExactly("is empty");
  }
}
