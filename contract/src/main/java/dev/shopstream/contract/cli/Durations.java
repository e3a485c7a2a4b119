package dev.shopstream.contract.cli;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one duration syntax of every command line: a number with a unit ({@code 500ms}, {@code 30s}, {@code 5m},
 * {@code 1.5h}, {@code 7d}), a plain number of seconds ({@code 30}), or ISO-8601 ({@code PT30S}, {@code P7D});
 * case-insensitive, never negative. Zero is allowed (some options use it for "never"); a command that needs a positive
 * duration checks that itself. No command-line library here: each command line wraps {@link #parse} in its own
 * converter.
 */
public final class Durations {
  /** What the syntax looks like, for usage texts and error messages. */
  public static final String SYNTAX = "500ms, 30s, 5m, 1h, 7d, a number of seconds, or ISO-8601 (PT30S)";

  private static final Pattern SHORT = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h|d)?");

  private Durations() {}

  /**
   * Parses {@code text}.
   *
   * @throws IllegalArgumentException naming the text and the accepted syntax when it is not a duration or is
   *     negative
   */
  public static Duration parse(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("'" + text + "' is not a duration (" + SYNTAX + ")");
    }
    String s = text.trim().toLowerCase(Locale.ROOT);
    Duration d;
    try {
      Matcher m = SHORT.matcher(s);
      if (m.matches()) {
        BigDecimal n = new BigDecimal(m.group(1));
        long millisPerUnit = switch (m.group(2) == null ? "s" : m.group(2)) {
          case "ms" -> 1L;
          case "s" -> 1_000L;
          case "m" -> 60_000L;
          case "h" -> 3_600_000L;
          default -> 86_400_000L;
        };
        BigDecimal millis = n.multiply(BigDecimal.valueOf(millisPerUnit));
        if (millis.stripTrailingZeros().scale() > 0) {
          throw new IllegalArgumentException("'" + text + "' is finer than a millisecond");
        }
        d = Duration.ofMillis(millis.longValueExact());
      } else {
        d = Duration.parse(s.toUpperCase(Locale.ROOT));
      }
    } catch (DateTimeParseException | ArithmeticException e) {
      throw new IllegalArgumentException("'" + text + "' is not a duration (" + SYNTAX + ")", e);
    }
    if (d.isNegative()) {
      throw new IllegalArgumentException("'" + text + "' is negative; a duration is " + SYNTAX);
    }
    return d;
  }
}
