package dev.shopstream.functions.upload;

import com.google.auth.oauth2.GoogleCredentials;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * {@link HttpSender} over {@code java.net.http} with the application default credentials (scope
 * {@code cloud-platform}), loaded at the first request so that a function that never launches a backfill needs none.
 */
public final class GoogleAuthHttpSender implements HttpSender {
  static final String SCOPE = "https://www.googleapis.com/auth/cloud-platform";
  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(20)).build();
  private GoogleCredentials credentials;

  @Override
  public Response send(Request request) throws IOException {
    HttpRequest.Builder builder = HttpRequest.newBuilder(request.uri())
        .timeout(TIMEOUT)
        .method(request.method(), request.body() == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(request.body()));
    request.headers().forEach(builder::header);
    for (Map.Entry<String, List<String>> h : credentials().getRequestMetadata(request.uri()).entrySet()) {
      h.getValue().forEach(v -> builder.header(h.getKey(), v));
    }
    try {
      HttpResponse<String> response = client.send(builder.build(), HttpResponse.BodyHandlers.ofString());
      return new Response(response.statusCode(), response.body());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while calling " + request.uri(), e);
    }
  }

  private synchronized GoogleCredentials credentials() throws IOException {
    if (credentials == null) {
      credentials = GoogleCredentials.getApplicationDefault().createScoped(List.of(SCOPE));
    }
    return credentials;
  }
}
