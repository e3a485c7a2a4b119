package dev.shopstream.functions.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.api.core.ApiFutures;
import com.google.cloud.pubsub.v1.PublisherInterface;
import dev.shopstream.functions.RealHttp;
import dev.shopstream.functions.UserIdPseudonymizer;
import dev.shopstream.functions.ingest.IngestConfig;
import dev.shopstream.functions.ingest.IngestFunction;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.mockito.Mockito;

/**
 * An answer given before the request body was read (503 while the pipeline is down, 415, 413, 401, 405) must leave
 * the connection usable or say it is closing. Jetty, under the Functions Framework invoker, hard-closes a connection
 * whose request body the application abandoned and that it cannot drain without blocking; a keep-alive client (the
 * JDK's HttpClient here, the stack's own tools, any browser) then sends its next request on a dead connection and
 * gets no answer at all ("header parser received no bytes"). Seen in CI as a failure of UnhealthyStackIT.
 */
class EarlyAnswerKeepsConnectionUsableTest {

  @Test
  void earlyAnswersOnOneKeepAliveConnectionAllArriveWhateverTheBodySize() throws Exception {
    PublisherInterface publisher = Mockito.mock(PublisherInterface.class);
    Mockito.when(publisher.publish(Mockito.any())).thenReturn(ApiFutures.immediateFuture("m-1"));
    IngestFunction down = new IngestFunction(publisher, new IngestConfig(IngestConfig.DEFAULT_MAX_BATCH_EVENTS,
        IngestConfig.DEFAULT_MAX_BODY_BYTES, IngestConfig.DEFAULT_PUBLISH_TIMEOUT, AccessPolicy.open()),
        Clock.systemUTC(), UserIdPseudonymizer.none(), () -> Optional.of("pipeline FAILED"));
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    List<String> failures = new ArrayList<>();
    try (RealHttp server = RealHttp.serve(down)) {
      URI uri = URI.create("http://127.0.0.1:" + server.port() + "/");
      // bodies from tiny to larger than a socket buffer: the larger ones cannot have fully arrived when the
      // function answers
      int[] sizes = {2, 300, 20_000, 200_000, 2_000_000};
      for (int round = 0; round < 40; round++) {
        int size = sizes[round % sizes.length];
        String body = "[" + " ".repeat(Math.max(0, size - 2)) + "]";
        try {
          HttpResponse<String> r = client.send(HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
          assertThat(r.statusCode()).isIn(503, 413);
        } catch (java.io.IOException e) {
          failures.add("round " + round + " (" + size + " bytes): " + e);
        }
      }
    }
    assertThat(failures).as("requests that got no answer").isEmpty();
    Mockito.verify(publisher, Mockito.never()).publish(Mockito.any());
  }

  /**
   * The timing of a loaded machine, made certain: the body arrives well after the headers, so the function has
   * answered before any of it was there. The answer must either say {@code Connection: close} or the connection must
   * carry the next request.
   */
  @Test
  void aBodyThatArrivesAfterTheAnswerLeavesTheConnectionUsableOrClosedWithNotice() throws Exception {
    PublisherInterface publisher = Mockito.mock(PublisherInterface.class);
    IngestFunction down = new IngestFunction(publisher, new IngestConfig(IngestConfig.DEFAULT_MAX_BATCH_EVENTS,
        IngestConfig.DEFAULT_MAX_BODY_BYTES, IngestConfig.DEFAULT_PUBLISH_TIMEOUT, AccessPolicy.open()),
        Clock.systemUTC(), UserIdPseudonymizer.none(), () -> Optional.of("pipeline FAILED"));
    try (RealHttp server = RealHttp.serve(down);
         java.net.Socket socket = new java.net.Socket("127.0.0.1", server.port())) {
      socket.setSoTimeout(10_000);
      java.io.OutputStream out = socket.getOutputStream();
      java.io.InputStream in = socket.getInputStream();
      out.write(("POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n")
          .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      out.flush();
      Thread.sleep(300);
      out.write("{}".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      out.flush();
      String first = readResponse(in);
      assertThat(first).startsWith("HTTP/1.1 503");
      if (first.toLowerCase(java.util.Locale.ROOT).contains("\r\nconnection: close\r\n")) {
        return; // a client will open a new connection for its next request
      }
      out.write(("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      out.flush();
      assertThat(readResponse(in)).as("the next request on a connection kept alive gets an answer").startsWith("HTTP/1.1 ");
    }
  }

  /** Reads one response (headers and a Content-Length body); empty when the server closed the connection first. */
  private static String readResponse(java.io.InputStream in) throws java.io.IOException {
    StringBuilder head = new StringBuilder();
    int b;
    while (!head.toString().endsWith("\r\n\r\n") && (b = in.read()) >= 0) {
      head.append((char) b);
    }
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?i)content-length: *(\\d+)").matcher(head);
    if (m.find()) {
      in.readNBytes(Integer.parseInt(m.group(1)));
    }
    return head.toString();
  }
}
