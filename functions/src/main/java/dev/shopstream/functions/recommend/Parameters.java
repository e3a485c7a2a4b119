package dev.shopstream.functions.recommend;

import com.google.cloud.functions.HttpRequest;
import dev.shopstream.contract.api.RecommendationApi;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The query parameters of one request, checked: a parameter the endpoint does not take, a repeated one (except
 * {@code exclude}), an id that is empty, too long, or has control characters or undecodable bytes (U+FFFD) are
 * refused with a {@link BadRequest} naming the parameter. Nothing here is ever put into SQL: the snapshot is in
 * memory and the one per-request query ({@code user_activity}) takes the id as a parameter.
 */
final class Parameters {
  static final int MAX_ID_LENGTH = 128;
  static final int MAX_CATEGORY_LENGTH = 256;
  static final int MAX_EXCLUDE = 100;

  private final Map<String, List<String>> values;

  private Parameters(Map<String, List<String>> values) {
    this.values = values;
  }

  /** The request's parameters; any name outside {@code allowed} is refused. */
  static Parameters of(HttpRequest request, Set<String> allowed) {
    Map<String, List<String>> values = query(request);
    for (Map.Entry<String, List<String>> e : values.entrySet()) {
      if (!allowed.contains(e.getKey())) {
        String name = printable(e.getKey());
        throw BadRequest.parameter(name, "unknown parameter '" + name + "'; this endpoint takes "
            + String.join(", ", allowed.stream().sorted().toList()));
      }
      if (e.getValue().size() > 1 && !RecommendationApi.EXCLUDE.equals(e.getKey())) {
        throw BadRequest.parameter(e.getKey(), e.getKey() + " may be given once");
      }
    }
    return new Parameters(values);
  }

  Optional<String> single(String name) {
    List<String> v = values.getOrDefault(name, List.of());
    return v.isEmpty() || v.get(0) == null ? Optional.empty() : Optional.of(v.get(0));
  }

  /** {@code k}: an integer from 1 to {@code max}; {@code defaultK} when absent. */
  int k(int defaultK, int max) {
    Optional<String> text = single(RecommendationApi.K);
    if (text.isEmpty()) {
      return defaultK;
    }
    int k = 0;
    if (text.get().length() <= 4 && text.get().chars().allMatch(c -> c >= '0' && c <= '9')) {
      k = text.get().isEmpty() ? 0 : Integer.parseInt(text.get());
    }
    if (k < 1 || k > max) {
      throw BadRequest.parameter(RecommendationApi.K, RecommendationApi.K + " must be an integer from 1 to " + max);
    }
    return k;
  }

  /** A required id parameter such as {@code user_id}. */
  String requiredId(String name) {
    return id(name, single(name).orElseThrow(() -> BadRequest.parameter(name, name + " is required")));
  }

  Optional<String> category() {
    return single(RecommendationApi.CATEGORY)
        .map(c -> checkText(RecommendationApi.CATEGORY, c, MAX_CATEGORY_LENGTH));
  }

  /** {@code exclude}: product ids, comma-separated and/or repeated, at most {@value #MAX_EXCLUDE}. */
  Set<String> exclude() {
    Set<String> out = new LinkedHashSet<>();
    for (String value : values.getOrDefault(RecommendationApi.EXCLUDE, List.of())) {
      if (value == null) {
        continue;
      }
      for (String id : value.split(",", -1)) {
        if (id.isEmpty()) {
          continue; // "a,,b" or a trailing comma: nothing to exclude
        }
        out.add(id(RecommendationApi.EXCLUDE, id));
        if (out.size() > MAX_EXCLUDE) {
          throw BadRequest.parameter(RecommendationApi.EXCLUDE,
              RecommendationApi.EXCLUDE + " may list at most " + MAX_EXCLUDE + " product ids");
        }
      }
    }
    return out;
  }

  /** A valid id (1 to {@value #MAX_ID_LENGTH} characters) or a {@link BadRequest} naming {@code name}. */
  static String id(String name, String value) {
    return checkText(name, value, MAX_ID_LENGTH);
  }

  private static String checkText(String name, String value, int maxLength) {
    if (value.isEmpty() || value.length() > 2 * maxLength || value.codePointCount(0, value.length()) > maxLength) {
      throw BadRequest.parameter(name, name + " must be 1 to " + maxLength + " characters");
    }
    for (int i = 0; i < value.length(); ) {
      int cp = value.codePointAt(i);
      if (Character.isISOControl(cp) || cp == 0xFFFD || Character.getType(cp) == Character.SURROGATE) {
        throw BadRequest.parameter(name, name + " has a control character or bytes that are not UTF-8");
      }
      i += Character.charCount(cp);
    }
    return value;
  }

  /**
   * The query parameters of the request, decoded exactly once from the raw query string ({@link
   * HttpRequest#getQuery()}) as strict UTF-8 form values ({@code +} is a space). A malformed percent-escape or bytes
   * that are not UTF-8 (an overlong form, an encoded surrogate, a truncated sequence) are a {@link BadRequest}
   * naming the parameter, or the raw name when the name itself does not decode. The invoker's own
   * {@code getQueryParameters()} is not used: Jetty throws on such a query, which would be a 500.
   */
  static Map<String, List<String>> query(HttpRequest request) {
    String raw = request.getQuery().orElse("");
    Map<String, List<String>> values = new LinkedHashMap<>();
    for (String pair : raw.split("&", -1)) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String rawName = eq < 0 ? pair : pair.substring(0, eq);
      String name = percentDecode(printable(rawName), rawName, true);
      String value = eq < 0 ? "" : percentDecode(printable(name), pair.substring(eq + 1), true);
      values.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
    }
    return values;
  }

  /**
   * Decodes a percent-encoded path segment as strict UTF-8 ({@code %E2%82%AC} is €), exactly once: the segment
   * must come from the raw request target, not from a path the server has already decoded. A malformed escape or
   * bytes that are not UTF-8 are a {@link BadRequest} naming {@code name}. {@code +} stays a plus (path, not form).
   */
  static String decodePathSegment(String name, String raw) {
    return id(name, percentDecode(name, raw, false));
  }

  /** The value of an ASCII hex digit, -1 for anything else (Character.digit also takes other scripts' digits). */
  private static int hexDigit(char c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    return -1;
  }

  /** Strict percent-decoding to UTF-8; {@code form}: {@code +} is a space. Errors name {@code name}. */
  private static String percentDecode(String name, String raw, boolean form) {
    if (raw.indexOf('%') < 0) {
      return form ? raw.replace('+', ' ') : raw;
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(raw.length());
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == '%') {
        int hi = i + 2 < raw.length() ? hexDigit(raw.charAt(i + 1)) : -1;
        int lo = hi >= 0 ? hexDigit(raw.charAt(i + 2)) : -1;
        if (lo < 0) {
          throw BadRequest.parameter(name, name + " has a malformed percent-escape");
        }
        bytes.write(hi * 16 + lo);
        i += 2;
      } else if (form && c == '+') {
        bytes.write(' ');
      } else {
        // a whole code point: a character outside the BMP is two chars, encoded together (one at a time, each
        // half would be an unpaired surrogate and become '?', merging distinct ids)
        int cp = raw.codePointAt(i);
        if (Character.isSurrogate(c) && !Character.isSupplementaryCodePoint(cp)) {
          throw BadRequest.parameter(name, name + " holds an unpaired UTF-16 surrogate");
        }
        byte[] b = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8);
        bytes.write(b, 0, b.length);
        i += Character.charCount(cp) - 1;
      }
    }
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes.toByteArray())).toString();
    } catch (CharacterCodingException e) {
      throw BadRequest.parameter(name, name + " is not valid UTF-8 after percent-decoding");
    }
  }

  /** A parameter name safe to echo: at most 64 characters, control characters replaced. */
  private static String printable(String name) {
    String cut = name.length() > 64 ? name.substring(0, 64) + "..." : name;
    StringBuilder out = new StringBuilder(cut.length());
    cut.codePoints().forEach(c -> out.appendCodePoint(Character.isISOControl(c) ? '?' : c));
    return out.toString();
  }
}
