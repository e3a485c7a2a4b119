package dev.shopstream.datagen;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Command-line options of one subcommand: {@code --name value}, {@code --name=value} and boolean {@code --flag}.
 *
 * @deprecated datagen's own commands use picocli ({@link Cli}); this is left only for {@code evaluation}'s
 *     {@code evaluate} until it moves to picocli too (issue 19): delete it then.
 */
@Deprecated(forRemoval = true)
public final class Options {
  /** A usage error: the message is printed with a pointer to {@code --help}, exit status 2. */
  public static final class UsageException extends RuntimeException {
    public UsageException(String message) {
      super(message);
    }
  }

  private final Map<String, String> values = new LinkedHashMap<>();

  private Options() {}

  /**
   * Parses {@code args}; {@code valued} are the options that take a value, {@code flags} those that do not.
   * Anything else is a usage error.
   */
  public static Options parse(String[] args, Set<String> valued, Set<String> flags) {
    Options o = new Options();
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (!arg.startsWith("--")) {
        throw new UsageException("unexpected argument: " + arg);
      }
      String name = arg.substring(2);
      String value = null;
      int eq = name.indexOf('=');
      if (eq >= 0) {
        value = name.substring(eq + 1);
        name = name.substring(0, eq);
      }
      if (flags.contains(name)) {
        if (value != null && !value.equals("true") && !value.equals("false")) {
          throw new UsageException("--" + name + " takes no value (or true/false)");
        }
        o.values.put(name, value == null ? "true" : value);
      } else if (valued.contains(name)) {
        if (value == null) {
          if (i + 1 >= args.length) {
            throw new UsageException("--" + name + " needs a value");
          }
          value = args[++i];
        }
        o.values.put(name, value);
      } else {
        throw new UsageException("unknown option: --" + name);
      }
    }
    return o;
  }

  public boolean has(String name) {
    return values.containsKey(name);
  }

  public boolean flag(String name) {
    return "true".equals(values.get(name));
  }

  public String string(String name, String fallback) {
    return values.getOrDefault(name, fallback);
  }

  public long longValue(String name, long fallback, long min, long max) {
    String v = values.get(name);
    if (v == null) {
      return fallback;
    }
    long n;
    try {
      n = Long.parseLong(v.replace("_", ""));
    } catch (NumberFormatException e) {
      throw new UsageException("--" + name + " must be a whole number, was " + v);
    }
    if (n < min || n > max) {
      throw new UsageException("--" + name + " must be between " + min + " and " + max + ", was " + v);
    }
    return n;
  }

  public int intValue(String name, int fallback, int min, int max) {
    return (int) longValue(name, fallback, min, max);
  }

  public double doubleValue(String name, double fallback, double min, double max) {
    String v = values.get(name);
    if (v == null) {
      return fallback;
    }
    double n;
    try {
      n = Double.parseDouble(v);
    } catch (NumberFormatException e) {
      throw new UsageException("--" + name + " must be a number, was " + v);
    }
    if (!(n >= min && n <= max)) {
      throw new UsageException("--" + name + " must be between " + min + " and " + max + ", was " + v);
    }
    return n;
  }

  /** An ISO-8601 duration ({@code PT10M}, {@code P7D}) or a number of seconds, optionally with s/m/h/d. */
  public Duration duration(String name, Duration fallback) {
    String v = values.get(name);
    if (v == null) {
      return fallback;
    }
    try {
      return parseDuration(v);
    } catch (RuntimeException e) {
      throw new UsageException("--" + name + " must be a duration like 90s, 10m, 2h, 7d or PT10M, was " + v);
    }
  }

  public static Duration parseDuration(String v) {
    String s = v.trim();
    if (s.toUpperCase().startsWith("P")) {
      return Duration.parse(s.toUpperCase());
    }
    char unit = s.charAt(s.length() - 1);
    if (Character.isDigit(unit)) {
      return Duration.ofMillis(Math.round(Double.parseDouble(s) * 1000));
    }
    double n = Double.parseDouble(s.substring(0, s.length() - 1));
    long seconds = switch (unit) {
      case 's' -> 1;
      case 'm' -> 60;
      case 'h' -> 3600;
      case 'd' -> 86400;
      default -> throw new IllegalArgumentException("unit " + unit);
    };
    Duration d = Duration.ofMillis(Math.round(n * seconds * 1000));
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException("not positive");
    }
    return d;
  }

  public Instant instant(String name, Instant fallback) {
    String v = values.get(name);
    if (v == null) {
      return fallback;
    }
    try {
      return java.time.OffsetDateTime.parse(v).toInstant();
    } catch (DateTimeParseException e) {
      throw new UsageException("--" + name + " must be an RFC 3339 time like 2026-11-22T10:00:00Z, was " + v);
    }
  }
}
