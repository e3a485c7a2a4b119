package dev.shopstream.functions.recommend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/**
 * Raw characters beside percent-escapes are kept whole: a character outside the BMP (two UTF-16 chars) encoded one
 * char at a time became two '?', so {@code a😀} and {@code a??} were one id. Only ASCII hex digits form an escape.
 */
class PercentDecodingTest {
  @Test
  void aRawCharacterOutsideTheBmpBesideAnEscapeStaysItself() {
    assertThat(Parameters.decodePathSegment("product_id", "%61\uD83D\uDE00")).isEqualTo("a\uD83D\uDE00");
    assertThat(Parameters.decodePathSegment("product_id", "%61\uD83D\uDE00"))
        .isNotEqualTo(Parameters.decodePathSegment("product_id", "%61%3F%3F"));
    assertThat(Parameters.decodePathSegment("product_id", "%E2%82%AC\u00e9")).isEqualTo("\u20ac\u00e9");
  }

  @Test
  void onlyAsciiHexDigitsMakeAnEscape() {
    // U+0664 and U+0661 are Arabic-Indic digits 4 and 1: Character.digit reads them as hex 0x41, i.e. "A"
    assertThatThrownBy(() -> Parameters.decodePathSegment("product_id", "%\u0664\u0661"))
        .isInstanceOf(BadRequest.class).hasMessageContaining("product_id");
    assertThat(Parameters.decodePathSegment("product_id", "%4a%4A")).isEqualTo("JJ");
  }

  @Test
  void anUnpairedSurrogateBesideAnEscapeIsRefusedNamingTheParameter() {
    assertThatThrownBy(() -> Parameters.decodePathSegment("product_id", "%61\uD83D"))
        .isInstanceOf(BadRequest.class).hasMessageContaining("product_id");
  }
}
