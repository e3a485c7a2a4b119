package dev.shopstream.functions;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The functions' configuration: the one place that reads the environment. A name is looked up in the process
 * environment, then in the system properties (the local stack runs the functions in its own JVM and configures
 * them with system properties). A blank value counts as unset.
 *
 * <p>Typed getters fail with an {@link InvalidSettingException} naming the setting and what it expects, so a
 * misconfigured function fails at start-up with a clear message instead of at its first request.
 */
public final class Settings {
  /** A Google Cloud project id, optionally domain-scoped ({@code example.com:my-project}). */
  public static final Pattern PROJECT_ID =
      Pattern.compile("(?:[a-z][a-z0-9.-]{0,61}[a-z0-9]:)?[a-z][a-z0-9-]{4,28}[a-z0-9]");

  private final Function<String, String> lookup;

  /** Settings read from {@code lookup} (tests pass {@code Map::get}). */
  public Settings(Function<String, String> lookup) {
    this.lookup = lookup;
  }

  /** Environment variables first, then system properties. */
  public static Settings fromEnvironment() {
    return new Settings(name -> {
      String value = System.getenv(name);
      return isBlank(value) ? System.getProperty(name) : value;
    });
  }

  public Optional<String> optional(String name) {
    String value = lookup.apply(name);
    return isBlank(value) ? Optional.empty() : Optional.of(value.trim());
  }

  public String string(String name, String defaultValue) {
    return optional(name).orElse(defaultValue);
  }

  public String required(String name) {
    return optional(name).orElseThrow(() -> new InvalidSettingException(name + " is not set"));
  }

  /** A required value that must match {@code format}; {@code expected} describes the format in the error. */
  public String required(String name, Pattern format, String expected) {
    return checked(name, required(name), format, expected);
  }

  /** An optional value with a default; a value that is set must match {@code format}. */
  public String string(String name, String defaultValue, Pattern format, String expected) {
    return checked(name, string(name, defaultValue), format, expected);
  }

  /** The Google Cloud project: {@code PROJECT_ID}, else {@code GOOGLE_CLOUD_PROJECT}; checked against {@link #PROJECT_ID}. */
  public Optional<String> projectId() {
    for (String name : List.of("PROJECT_ID", "GOOGLE_CLOUD_PROJECT")) {
      Optional<String> value = optional(name);
      if (value.isPresent()) {
        return Optional.of(checked(name, value.get(), PROJECT_ID, "a Google Cloud project id"));
      }
    }
    return Optional.empty();
  }

  /** An integer from {@code min} to {@code max}. */
  public int integer(String name, int defaultValue, int min, int max) {
    Optional<String> value = optional(name);
    if (value.isEmpty()) {
      return defaultValue;
    }
    try {
      int n = Integer.parseInt(value.get());
      if (n >= min && n <= max) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw invalid(name, value.get(), "an integer from " + min + " to " + max);
  }

  /** A finite decimal number from {@code min} to {@code max}. */
  public double decimal(String name, double defaultValue, double min, double max) {
    Optional<String> value = optional(name);
    if (value.isEmpty()) {
      return defaultValue;
    }
    try {
      double d = Double.parseDouble(value.get().trim());
      if (d >= min && d <= max) {
        return d;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw invalid(name, value.get(), "a number from " + min + " to " + max);
  }

  /** A positive ISO-8601 duration such as {@code PT10S} or {@code P7D}. */
  public Duration duration(String name, Duration defaultValue) {
    Optional<String> value = optional(name);
    if (value.isEmpty()) {
      return defaultValue;
    }
    try {
      Duration d = Duration.parse(value.get().toUpperCase(Locale.ROOT));
      if (!d.isNegative() && !d.isZero()) {
        return d;
      }
    } catch (DateTimeParseException e) {
      // reported below
    }
    throw invalid(name, value.get(), "a positive ISO-8601 duration such as PT10S or P7D");
  }

  /** A comma-separated list; empty when unset. */
  public List<String> list(String name) {
    return optional(name).stream()
        .flatMap(v -> Arrays.stream(v.split(",")))
        .map(String::trim)
        .filter(s -> !s.isEmpty())
        .toList();
  }

  /** A required choice among the constants of {@code type}, matched case-insensitively. */
  public <E extends Enum<E>> E choice(String name, Class<E> type) {
    E[] constants = type.getEnumConstants();
    String choices = String.join(" | ",
        Arrays.stream(constants).map(c -> c.name().toLowerCase(Locale.ROOT)).toList());
    String value = optional(name).orElseThrow(() -> new InvalidSettingException(name + " is not set (" + choices + ")"));
    return Arrays.stream(constants).filter(c -> c.name().equalsIgnoreCase(value)).findFirst()
        .orElseThrow(() -> invalid(name, value, "one of " + choices));
  }

  private static String checked(String name, String value, Pattern format, String expected) {
    if (!format.matcher(value).matches()) {
      throw invalid(name, value, expected);
    }
    return value;
  }

  private static InvalidSettingException invalid(String name, String value, String expected) {
    return new InvalidSettingException(name + " must be " + expected + ", got '" + value + "'");
  }

  private static boolean isBlank(String value) {
    return value == null || value.isBlank();
  }

  /** A setting that is missing or malformed. */
  public static final class InvalidSettingException extends IllegalStateException {
    InvalidSettingException(String message) {
      super(message);
    }
  }
}
