package dev.shopstream.contract;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The hand-written fast path agrees with Java's strict ISO parser on valid, odd and broken date-times. */
class Rfc3339Test {
  /** What the contract took before the fast path: the strict formatter, with a four-digit year from 0001. */
  private static OffsetDateTime reference(String s) {
    if (s.length() < 5 || s.charAt(4) != '-' || !s.substring(0, 4).chars().allMatch(c -> c >= '0' && c <= '9')
        || s.startsWith("0000")) {
      return null;
    }
    try {
      return OffsetDateTime.parse(s, DateTimeFormatter.ISO_OFFSET_DATE_TIME);
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  private static void agrees(String s) {
    OffsetDateTime expected = reference(s);
    OffsetDateTime actual = Rfc3339.parse(s);
    assertThat(actual).as("'%s'", s).isEqualTo(expected);
    if (expected != null) {
      assertThat(actual.getOffset()).as("offset of '%s'", s).isEqualTo(expected.getOffset());
    }
  }

  @Test
  void theUsualShapesAndTheirEdges() {
    for (String s : new String[] {
        "2026-11-22T10:15:30Z", "2026-11-22T10:15:30.1Z", "2026-11-22T10:15:30.123456789Z",
        "2026-11-22T10:15:30.1234567891Z", "2026-11-22T10:15:30.Z", "2026-11-22T10:15Z", "2026-11-22t10:15:30z",
        "2026-11-22T10:15:30+01:00", "2026-11-22T10:15:30-05:30", "2026-11-22T10:15:30-00:00",
        "2026-11-22T10:15:30+18:00", "2026-11-22T10:15:30+18:01", "2026-11-22T10:15:30+19:00",
        "2026-11-22T10:15:30+01:00:30", "2026-11-22T10:15:30+0100", "2026-11-22T10:15:30",
        "2024-02-29T00:00:00Z", "2025-02-29T00:00:00Z", "2026-04-31T00:00:00Z", "2026-13-01T00:00:00Z",
        "2026-00-10T00:00:00Z", "2026-11-00T00:00:00Z", "2026-11-22T24:00:00Z", "2026-11-22T23:60:00Z",
        "2026-11-22T23:59:60Z", "0000-01-01T00:00:00Z", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999999999Z",
        "-2026-11-22T10:15:30Z", "+10000-01-01T00:00:00Z", "2026-11-22 10:15:30Z", "2026-11-22T10:15:30ZZ",
        "2026-1-22T10:15:30Z", "2026-11-22T10:15:3Z", "", "2026", "2026-", "２０２６-11-22T10:15:30Z",
        "2026-11-22T10:15:30.５Z"}) {
      agrees(s);
    }
  }

  @Test
  void randomValidAndBrokenStrings() {
    Random random = new Random(20261207);
    String alphabet = "0123456789-+:.TZtz ";
    for (int i = 0; i < 200_000; i++) {
      String s = String.format("%04d-%02d-%02dT%02d:%02d:%02d", random.nextInt(10_000), random.nextInt(14),
          random.nextInt(33), random.nextInt(26), random.nextInt(62), random.nextInt(62));
      if (random.nextBoolean()) {
        s += "." + String.valueOf(random.nextLong() & Long.MAX_VALUE).substring(0, 1 + random.nextInt(11));
      }
      s += switch (random.nextInt(4)) {
        case 0 -> "Z";
        case 1 -> String.format("+%02d:%02d", random.nextInt(20), random.nextInt(61));
        case 2 -> String.format("-%02d:%02d", random.nextInt(20), random.nextInt(61));
        default -> "";
      };
      StringBuilder b = new StringBuilder(s);
      for (int m = random.nextInt(3); m > 0 && b.length() > 0; m--) { // 0 to 2 mutations
        int at = random.nextInt(b.length());
        switch (random.nextInt(3)) {
          case 0 -> b.setCharAt(at, alphabet.charAt(random.nextInt(alphabet.length())));
          case 1 -> b.deleteCharAt(at);
          default -> b.insert(at, alphabet.charAt(random.nextInt(alphabet.length())));
        }
      }
      agrees(b.toString());
    }
  }
}
