package dev.shopstream.evaluation;

import java.time.Duration;
import java.util.Locale;
import picocli.CommandLine;

/**
 * The command line's one duration syntax: ISO-8601 ({@code PT30S}, {@code PT10M}, {@code P7D}) or a number with a
 * unit: {@code 90s}, {@code 30m}, {@code 2h}, {@code 7d} (a bare number is seconds). Written here until the
 * shared parser of issue 17's command-line convention is in {@code contract}.
 */
final class Durations implements CommandLine.ITypeConverter<Duration> {
  static final String SYNTAX = "a duration like 30s, 30m, 2h, 7d or PT30S";

  /** Parses {@code text}; fails with {@link IllegalArgumentException} naming the syntax. */
  static Duration parse(String text) {
    String s = text.trim();
    try {
      if (s.toUpperCase(Locale.ROOT).startsWith("P")) {
        return Duration.parse(s.toUpperCase(Locale.ROOT));
      }
      char unit = s.charAt(s.length() - 1);
      long seconds = switch (unit) {
        case 's' -> 1;
        case 'm' -> 60;
        case 'h' -> 3600;
        case 'd' -> 86400;
        default -> {
          if (!Character.isDigit(unit)) {
            throw new IllegalArgumentException("unit " + unit);
          }
          yield 0;
        }
      };
      double n = Double.parseDouble(seconds == 0 ? s : s.substring(0, s.length() - 1));
      if (!Double.isFinite(n)) {
        throw new IllegalArgumentException("not finite");
      }
      return Duration.ofMillis(Math.round(n * Math.max(seconds, 1) * 1000));
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("'" + text + "' is not " + SYNTAX);
    }
  }

  @Override
  public Duration convert(String value) {
    try {
      return parse(value);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.TypeConversionException(e.getMessage());
    }
  }
}
