package dev.shopstream.evaluation;

import java.time.Duration;
import picocli.CommandLine;

/**
 * The command line's one duration syntax: ISO-8601 ({@code PT30S}, {@code PT10M}, {@code P7D}) or a number with a
 * unit: {@code 90s}, {@code 30m}, {@code 2h}, {@code 7d} (a bare number is seconds): picocli's converter around the
 * one parser of every command line, {@link dev.shopstream.contract.cli.Durations}.
 */
final class Durations implements CommandLine.ITypeConverter<Duration> {
  static final String SYNTAX = "a duration like 30s, 30m, 2h, 7d or PT30S";

  /** Parses {@code text} with the shared parser; fails with {@link IllegalArgumentException} naming the syntax. */
  static Duration parse(String text) {
    try {
      return dev.shopstream.contract.cli.Durations.parse(text);
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
