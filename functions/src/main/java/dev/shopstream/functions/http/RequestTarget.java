package dev.shopstream.functions.http;

import com.google.cloud.functions.HttpRequest;

/** The request target as the client sent it, before any decoding by the server. */
public final class RequestTarget {
  private RequestTarget() {}

  /**
   * The raw (still percent-encoded) path of the request. The invoker's {@link HttpRequest#getPath()} is Jetty's
   * canonical path, already decoded once: decoding an id from it again would decode twice ({@code %2541} would
   * become {@code A}). This takes the path from {@link HttpRequest#getUri()} ({@code http://host:port/path?query}
   * or {@code /path?query}); when the URI is not available, the path as given.
   */
  public static String rawPath(HttpRequest request) {
    String uri = request.getUri();
    if (uri == null || uri.isEmpty()) {
      return request.getPath();
    }
    int start = 0;
    if (!uri.startsWith("/")) {
      int scheme = uri.indexOf("://");
      if (scheme < 0) {
        return request.getPath();
      }
      start = uri.indexOf('/', scheme + 3);
      if (start < 0) {
        return "/";
      }
    }
    int end = uri.length();
    for (int i = start; i < uri.length(); i++) {
      char c = uri.charAt(i);
      if (c == '?' || c == '#') {
        end = i;
        break;
      }
    }
    return uri.substring(start, end);
  }
}
