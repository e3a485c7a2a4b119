package dev.shopstream.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Text from outside is parsed by {@link Json#readUntrusted}, where every way it can be bad is a
 * {@link JsonProcessingException}: Jackson throws {@link NumberFormatException} for a number whose exponent no
 * {@code BigDecimal} holds, which a {@code catch (JsonProcessingException e)} does not catch (an ingest request
 * answered 500, an uploaded row failing its file, instead of an error naming the record). Found by
 * {@code EventCodecPropertiesTest}'s token soup.
 */
class UntrustedJsonGoesThroughJsonTest {
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  private static final Pattern DIRECT_PARSE = Pattern.compile("MAPPER\\s*\\.\\s*read(Tree|Value)\\s*\\(");
  /** The comment that marks a direct parse as one of text the system wrote itself; a reason must follow it. */
  private static final String TRUSTED = "// trusted JSON: ";
  /** Negative exponents beyond int (a large positive one reads as an infinite double, which is handled). */
  private static final List<String> OVERFLOWING = List.of("1e-9999999990", "0.5e-2147483649", "-7E-3000000000");

  @Test
  void numbersWhoseExponentNoBigDecimalHoldsAreParseErrorsNotExceptions() {
    for (String n : OVERFLOWING) {
      assertThatThrownBy(() -> Json.MAPPER.readTree("[" + n + "]")).as("Jackson alone, for %s", n)
          .isInstanceOf(NumberFormatException.class);
      assertThatThrownBy(() -> Json.readUntrusted("[" + n + "]")).isInstanceOf(JsonProcessingException.class)
          .hasMessageContaining("out of range");
      assertThatThrownBy(() -> Json.readUntrusted(("{\"a\": " + n + "}").getBytes(StandardCharsets.UTF_8)))
          .isInstanceOf(JsonProcessingException.class);
      EventCodec.Decoded d = new EventCodec(Clock.systemUTC()).decode(
          "{\"event_type\":\"view\",\"user_id\":\"a\",\"event_time\":\"2026-11-20T10:00:00Z\","
              + "\"products\":[{\"product_id\":\"p\",\"price\":" + n + "}]}");
      assertThat(d.isValid()).isFalse();
      assertThat(d.errors()).extracting(FieldError::field).containsExactly(FieldError.ROOT);
    }
  }

  @Test
  void everyDirectParseInMainSourcesIsOfTextTheSystemWroteItself() throws IOException {
    List<String> offenders = new ArrayList<>();
    try (Stream<Path> files = Files.walk(ROOT)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".java"))
          .filter(f -> f.toString().contains("/src/main/java/"))
          .filter(f -> !f.toString().contains("/target/"))
          .filter(f -> !f.endsWith(Path.of("contract/src/main/java/dev/shopstream/contract/Json.java")))
          .toList()) {
        List<String> lines = Files.readAllLines(file);
        for (int i = 0; i < lines.size(); i++) {
          String line = lines.get(i);
          int marker = line.indexOf(TRUSTED);
          if (DIRECT_PARSE.matcher(line).find()
              && (marker < 0 || line.substring(marker + TRUSTED.length()).isBlank())) {
            offenders.add(ROOT.relativize(file) + ":" + (i + 1) + ": " + line.strip());
          }
        }
      }
    }
    assertThat(offenders).as("parse outside text with Json.readUntrusted, or mark the line with '%s<reason>'",
        TRUSTED).isEmpty();
  }
}
