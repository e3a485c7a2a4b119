package dev.shopstream.functions;

import static org.mockito.ArgumentMatchers.anyInt;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.cloud.functions.HttpFunction;
import com.google.cloud.functions.HttpRequest;
import com.google.cloud.functions.HttpResponse;
import dev.shopstream.contract.Json;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One HTTP exchange with a function, as in the java-docs-samples function tests: Mockito mocks of
 * {@link HttpRequest} and {@link HttpResponse}, a byte stream behind the response. Headers are case-insensitive
 * like the invoker's.
 */
public final class FakeExchange {
  public final HttpRequest request = mock(HttpRequest.class);
  public final HttpResponse response = mock(HttpResponse.class);
  private final ByteArrayOutputStream responseBody = new ByteArrayOutputStream();
  private final Map<String, List<String>> requestHeaders = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
  private final Map<String, List<String>> query = new LinkedHashMap<>();
  private final Map<String, List<String>> responseHeaders = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
  private String rawQuery;
  private Integer status;
  private String contentType;

  private FakeExchange(String method, String path) {
    try {
      when(request.getMethod()).thenReturn(method);
      when(request.getPath()).thenReturn(path);
      when(request.getHeaders()).thenReturn(requestHeaders);
      when(request.getFirstHeader(anyString())).thenCallRealMethod();
      when(request.getQueryParameters()).thenReturn(query);
      when(request.getQuery()).thenAnswer(call -> Optional.ofNullable(rawQuery()));
      when(request.getUri()).thenAnswer(call -> path + (rawQuery() == null ? "" : "?" + rawQuery()));
      when(request.getContentLength()).thenReturn(-1L);
      when(request.getInputStream()).thenReturn(new ByteArrayInputStream(new byte[0]));
      when(response.getOutputStream()).thenReturn(responseBody);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    doAnswer(call -> status = call.getArgument(0)).when(response).setStatusCode(anyInt());
    doAnswer(call -> contentType = call.getArgument(0)).when(response).setContentType(anyString());
    doAnswer(call -> responseHeaders.computeIfAbsent(call.getArgument(0), k -> new ArrayList<>())
        .add(call.getArgument(1))).when(response).appendHeader(anyString(), anyString());
  }

  public static FakeExchange request(String method, String path) {
    return new FakeExchange(method, path);
  }

  /** A body with its declared Content-Length. */
  public FakeExchange body(String type, String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    return body(type, bytes).contentLength(bytes.length);
  }

  /** A body without a declared length (as with chunked transfer). */
  public FakeExchange body(String type, byte[] bytes) {
    try {
      when(request.getContentType()).thenReturn(Optional.of(type));
      when(request.getInputStream()).thenReturn(new ByteArrayInputStream(bytes));
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    return this;
  }

  public FakeExchange contentLength(long length) {
    when(request.getContentLength()).thenReturn(length);
    return this;
  }

  public FakeExchange header(String name, String value) {
    requestHeaders.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
    return this;
  }

  /** A query parameter; the function sees it percent-encoded (UTF-8, as a browser sends it) in the raw query. */
  public FakeExchange query(String name, String value) {
    query.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
    return this;
  }

  /**
   * What {@code getPath()} answers, when it differs from the raw path given to {@link #request}: the invoker's is
   * Jetty's canonical path, already (partly) decoded.
   */
  public FakeExchange serverPath(String decoded) {
    when(request.getPath()).thenReturn(decoded);
    return this;
  }

  /** The raw query string exactly as given (replacing the parameters given with {@link #query}). */
  public FakeExchange rawQuery(String raw) {
    this.rawQuery = raw;
    return this;
  }

  private String rawQuery() {
    if (rawQuery != null) {
      return rawQuery;
    }
    if (query.isEmpty()) {
      return null;
    }
    StringBuilder out = new StringBuilder();
    query.forEach((name, values) -> values.forEach(v -> out.append(out.isEmpty() ? "" : "&")
        .append(URLEncoder.encode(name, StandardCharsets.UTF_8)).append('=')
        .append(URLEncoder.encode(v, StandardCharsets.UTF_8))));
    return out.toString();
  }

  public FakeExchange serve(HttpFunction function) throws Exception {
    function.service(request, response);
    return this;
  }

  public int status() {
    return status;
  }

  public String contentType() {
    return contentType;
  }

  public Optional<String> header(String name) {
    return Optional.ofNullable(responseHeaders.get(name)).map(values -> String.join(", ", values));
  }

  public String text() {
    return responseBody.toString(StandardCharsets.UTF_8);
  }

  public JsonNode json() throws IOException {
    return Json.MAPPER.readTree(responseBody.toByteArray());
  }
}
