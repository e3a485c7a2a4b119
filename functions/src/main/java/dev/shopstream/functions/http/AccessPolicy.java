package dev.shopstream.functions.http;

import com.google.cloud.functions.HttpRequest;
import dev.shopstream.functions.Settings;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Who may call a function, the same for every function: an optional API key ({@code API_KEY}, sent as
 * {@code X-Api-Key}) and optional CORS ({@code CORS_ALLOWED_ORIGINS}: comma-separated origins, or {@code *}).
 * The key is compared in constant time and never logged or echoed.
 */
public final class AccessPolicy {
  public static final String API_KEY_HEADER = "X-Api-Key";
  static final String ANY_ORIGIN = "*";
  static final int PREFLIGHT_MAX_AGE_SECONDS = 3600;

  private final byte[] apiKey;
  private final Set<String> allowedOrigins;

  /**
   * @param apiKey the key callers must send, or null for none
   * @param allowedOrigins origins allowed by CORS ({@code *} for any); empty disables CORS
   */
  public AccessPolicy(String apiKey, List<String> allowedOrigins) {
    this.apiKey = apiKey == null || apiKey.isEmpty() ? null : apiKey.getBytes(StandardCharsets.UTF_8);
    this.allowedOrigins = Set.copyOf(allowedOrigins);
  }

  /** No key, no CORS. */
  public static AccessPolicy open() {
    return new AccessPolicy(null, List.of());
  }

  public static AccessPolicy from(Settings settings) {
    return new AccessPolicy(settings.optional("API_KEY").orElse(null), settings.list("CORS_ALLOWED_ORIGINS"));
  }

  /**
   * The early answer for a request the handler must not see — a CORS preflight (204, or 403 for an origin not
   * allowed), a method not in {@code methods} (405 with {@code Allow}), a missing or wrong key (401) — or empty
   * when the request may proceed. Preflights need no key: browsers send none.
   */
  Optional<JsonReply> screen(HttpRequest request, Set<String> methods) {
    String method = request.getMethod();
    if ("OPTIONS".equals(method) && corsEnabled()) {
      return Optional.of(preflight(request, methods));
    }
    if (!methods.contains(method)) {
      return Optional.of(JsonReply.error(405, "method_not_allowed", "use " + String.join(" or ", methods))
          .withHeader("Allow", String.join(", ", allowedMethods(methods))));
    }
    if (apiKey != null && !keyMatches(request.getFirstHeader(API_KEY_HEADER))) {
      return Optional.of(JsonReply.error(401, "unauthorized", "missing or wrong " + API_KEY_HEADER + " header"));
    }
    return Optional.empty();
  }

  /** The reply with the CORS headers that the request's origin gets. */
  JsonReply withCorsHeaders(HttpRequest request, JsonReply reply) {
    Optional<String> origin = allowedOrigin(request);
    if (origin.isEmpty()) {
      return reply;
    }
    return reply.withHeader("Access-Control-Allow-Origin", origin.get())
        .withHeader("Access-Control-Expose-Headers", "Retry-After")
        .withHeader("Vary", "Origin");
  }

  private JsonReply preflight(HttpRequest request, Set<String> methods) {
    if (allowedOrigin(request).isEmpty()) {
      return JsonReply.error(403, "origin_not_allowed", "this origin may not call the function");
    }
    return JsonReply.noContent()
        .withHeader("Access-Control-Allow-Methods", String.join(", ", allowedMethods(methods)))
        .withHeader("Access-Control-Allow-Headers", "Content-Type, " + API_KEY_HEADER)
        .withHeader("Access-Control-Max-Age", Integer.toString(PREFLIGHT_MAX_AGE_SECONDS));
  }

  private Set<String> allowedMethods(Set<String> methods) {
    Set<String> allowed = new LinkedHashSet<>(methods);
    if (corsEnabled()) {
      allowed.add("OPTIONS");
    }
    return allowed;
  }

  private Optional<String> allowedOrigin(HttpRequest request) {
    if (!corsEnabled()) {
      return Optional.empty();
    }
    Optional<String> origin = request.getFirstHeader("Origin");
    if (allowedOrigins.contains(ANY_ORIGIN)) {
      return origin.isPresent() ? Optional.of(ANY_ORIGIN) : Optional.empty();
    }
    return origin.filter(allowedOrigins::contains);
  }

  private boolean corsEnabled() {
    return !allowedOrigins.isEmpty();
  }

  private boolean keyMatches(Optional<String> sent) {
    return sent.isPresent() && MessageDigest.isEqual(apiKey, sent.get().getBytes(StandardCharsets.UTF_8));
  }
}
