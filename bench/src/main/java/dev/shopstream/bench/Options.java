package dev.shopstream.bench;

import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code --name=value} options of a benchmark; an option that no benchmark asked for is an error at {@link #done}. */
public final class Options {
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
    for (String arg : args) {
      if (arg.equals("--help")) {
        help = true;
        continue;
      }
      String[] kv = arg.split("=", 2);
      if (!kv[0].startsWith("--") || kv.length != 2) {
        throw new IllegalArgumentException("expected --name=value, got " + arg);
      }
      values.put(kv[0].substring(2), kv[1]);
    }
    return new Options(values, help);
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
      throw new IllegalArgumentException("--" + name + " must be an integer, was " + v);
    }
  }

  public Duration seconds(String name, int fallbackSeconds) {
    return Duration.ofSeconds(integer(name, fallbackSeconds));
  }

  public List<Integer> integers(String name, String fallback) {
    String v = string(name, fallback);
    try {
      return Arrays.stream(v.split(",")).map(String::trim).map(Integer::parseInt).toList();
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--" + name + " must be comma-separated integers, was " + v);
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
      throw new IllegalArgumentException("unknown option(s) " + unknown + "\n" + usage);
    }
    return true;
  }
}
