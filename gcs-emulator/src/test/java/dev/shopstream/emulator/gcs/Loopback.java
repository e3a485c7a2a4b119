package dev.shopstream.emulator.gcs;

import com.google.cloud.NoCredentials;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.StorageOptions;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/**
 * Clients of an emulator on loopback, as the tests use them. Public for the local stack's tests, which use it through
 * this module's test jar.
 */
public final class Loopback {
  public static final String PROJECT = "local-project";
  public static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  private Loopback() {}

  public static Storage storage(GcsEmulator emulator) {
    return StorageOptions.newBuilder()
        .setHost(emulator.url())
        .setProjectId(PROJECT)
        .setCredentials(NoCredentials.getInstance())
        .build()
        .getService();
  }

  /** What curl does: {@code curl --data-binary @file "$URL/upload/storage/v1/b/$B/o?uploadType=media&name=$N"}. */
  public static HttpResponse<String> mediaUpload(GcsEmulator emulator, String bucket, String name, byte[] content)
      throws IOException, InterruptedException {
    return send(HttpRequest.newBuilder(URI.create(emulator.url() + "/upload/storage/v1/b/" + bucket
            + "/o?uploadType=media&name=" + StoredObject.urlEncode(name)))
        .header("Content-Type", "application/x-ndjson")
        .POST(HttpRequest.BodyPublishers.ofByteArray(content)));
  }

  public static HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  public static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
