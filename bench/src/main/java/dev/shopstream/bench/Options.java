package dev.shopstream.bench;

import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code --name=value} (or {@code --name value}) options of a benchmark; an option that no benchmark asked for is an
 * error at {@link #done}. Every usage error is a {@link UsageException}: the command line answers it with exit 2.
 */
public final class Options {
  /** A bad command line: an unknown option, a malformed one or a bad value, named in the message. */
  public static final class UsageException extends IllegalArgumentException {
    UsageException(String message) {
      super(message);
    }
  }

  private final Map<String, String> values;
  private final Set<String> read = new HashSet<>();
  private final boolean help;

  private Options(Map<String, String> values, boolean help) {
    this.values = values;
    this.help = help;
  }

  public static Options parse(String... args) {
    Map<String, String> values = new HashMap<>();
    boolean help = false;
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (arg.equals("--help")) {
        help = true;
        continue;
      }
      String[] kv = arg.split("=", 2);
      if (!kv[0].startsWith("--") || kv[0].length() < 3) {
        throw new UsageException("expected --name=value or --name value, got " + arg);
      }
      if (kv.length == 2) {
        values.put(kv[0].substring(2), kv[1]);
      } else if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
        values.put(kv[0].substring(2), args[++i]);
      } else {
        throw new UsageException(arg + " needs a value");
      }
    }
    return new Options(values, help);
  }

  /** Whether {@code --help} was given (the benchmark prints its usage at {@link #done} and does not run). */
  public boolean help() {
    return help;
  }

  public String string(String name, String fallback) {
    read.add(name);
    return values.getOrDefault(name, fallback);
  }

  public int integer(String name, int fallback) {
    String v = string(name, null);
    try {
      return v == null ? fallback : Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw new UsageException("--" + name + " must be an integer, was " + v);
    }
  }

  /**
   * A duration: a plain number is seconds (as before); otherwise {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h}
   * or ISO-8601 ({@code PT30S}), the syntax of the other command lines.
   */
  public Duration seconds(String name, int fallbackSeconds) {
    String v = string(name, null);
    if (v == null) {
      return Duration.ofSeconds(fallbackSeconds);
    }
    String s = v.trim().toLowerCase(java.util.Locale.ROOT);
    try {
      java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+)(ms|s|m|h)?").matcher(s);
      if (m.matches()) {
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        return switch (unit) {
          case "ms" -> Duration.ofMillis(n);
          case "m" -> Duration.ofMinutes(n);
          case "h" -> Duration.ofHours(n);
          default -> Duration.ofSeconds(n);
        };
      }
      Duration d = Duration.parse(s.toUpperCase(java.util.Locale.ROOT));
      if (!d.isNegative()) {
        return d;
      }
    } catch (java.time.format.DateTimeParseException | NumberFormatException e) {
      // below
    }
    throw new UsageException("--" + name + " must be a duration such as 30 (seconds), 30s, 5m or PT30S, was " + v);
  }

  public List<Integer> integers(String name, String fallback) {
    String v = string(name, fallback);
    try {
      return Arrays.stream(v.split(",")).map(String::trim).map(Integer::parseInt).toList();
    } catch (NumberFormatException e) {
      throw new UsageException("--" + name + " must be comma-separated integers, was " + v);
    }
  }

  /**
   * Call after reading every option: prints {@code usage} and returns false for {@code --help}; throws on an option
   * the benchmark does not know.
   */
  public boolean done(String usage) {
    if (help) {
      System.out.println(usage);
      return false;
    }
    Set<String> unknown = new HashSet<>(values.keySet());
    unknown.removeAll(read);
    if (!unknown.isEmpty()) {
      throw new UsageException("unknown option(s) " + unknown.stream().map(o -> "--" + o).sorted().toList()
          + "\n" + usage);
    }
    return true;
  }
}
