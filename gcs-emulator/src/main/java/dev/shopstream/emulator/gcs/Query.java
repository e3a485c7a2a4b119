package dev.shopstream.emulator.gcs;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/** The query parameters of a request; the first value of a repeated parameter wins. */
final class Query {
  private final Map<String, String> values = new HashMap<>();

  Query(String rawQuery) {
    if (rawQuery != null) {
      for (String pair : rawQuery.split("&")) {
        int eq = pair.indexOf('=');
        values.putIfAbsent(decode(eq < 0 ? pair : pair.substring(0, eq)), eq < 0 ? "" : decode(pair.substring(eq + 1)));
      }
    }
  }

  private static String decode(String encoded) {
    try {
      return URLDecoder.decode(encoded, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw GcsException.badRequest("Invalid query parameter encoding: '" + encoded + "'");
    }
  }

  /** The value, or null when absent or empty. */
  String get(String name) {
    String value = values.get(name);
    return value == null || value.isEmpty() ? null : value;
  }

  String get(String name, String fallback) {
    String value = get(name);
    return value == null ? fallback : value;
  }

  String required(String name) {
    String value = get(name);
    if (value == null) {
      throw GcsException.required(name);
    }
    return value;
  }

  Long longValue(String name) {
    return parseLong(name, get(name));
  }

  /** A number sent by the client (null stays null); 400 when it is not one. */
  static Long parseLong(String name, String value) {
    if (value == null) {
      return null;
    }
    try {
      return Long.valueOf(value.trim());
    } catch (NumberFormatException e) {
      throw GcsException.badRequest("Invalid value for " + name + ": '" + value + "'");
    }
  }
}
