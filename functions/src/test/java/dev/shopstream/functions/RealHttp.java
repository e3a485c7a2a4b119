package dev.shopstream.functions;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.cloud.functions.HttpFunction;
import com.google.cloud.functions.HttpRequest;
import com.google.cloud.functions.HttpResponse;
import com.google.cloud.functions.invoker.runner.Invoker;
import dev.shopstream.contract.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A function served by the real Functions Framework invoker (its Jetty) on a loopback port, and a raw HTTP/1.0
 * client that sends the request target exactly as given: no client-side encoding or validation, so malformed
 * percent-escapes and invalid UTF-8 reach the server as a hostile client would send them.
 */
public final class RealHttp implements AutoCloseable {
  private static volatile HttpFunction current;

  /** The invoker's target: it instantiates this class by name and we forward to the function under test. */
  public static final class Target implements HttpFunction {
    @Override
    public void service(HttpRequest request, HttpResponse response) throws Exception {
      current.service(request, response);
    }
  }

  private final Invoker invoker;
  private final int port;

  private RealHttp(Invoker invoker, int port) {
    this.invoker = invoker;
    this.port = port;
  }

  /** Serves {@code function} (one at a time per JVM) until {@link #close}. */
  public static RealHttp serve(HttpFunction function) throws Exception {
    current = function;
    int port;
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress("127.0.0.1", 0));
      port = s.getLocalPort();
    }
    Invoker invoker = new Invoker(port, Target.class.getName(), "http", Thread.currentThread().getContextClassLoader());
    invoker.startTestServer();
    return new RealHttp(invoker, port);
  }

  /** The loopback port the invoker listens on, for clients other than this class's own. */
  public int port() {
    return port;
  }

  /** One answer: status, headers (case-insensitive), body. */
  public record Answer(int status, Map<String, String> headers, byte[] body) {
    public String text() {
      return new String(body, StandardCharsets.UTF_8);
    }

    public JsonNode json() throws IOException {
      return Json.MAPPER.readTree(body);
    }

    public Optional<String> header(String name) {
      return Optional.ofNullable(headers.get(name));
    }

    public String contentType() {
      return headers.getOrDefault("Content-Type", "");
    }
  }

  /** {@code GET target}, the target (path and query) sent byte for byte as given (ISO-8859-1 characters). */
  public Answer get(String target) throws IOException {
    return send("GET", target, null, null);
  }

  public Answer post(String target, String contentType, byte[] body) throws IOException {
    return send("POST", target, contentType, body);
  }

  private Answer send(String method, String target, String contentType, byte[] body) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(30_000);
      OutputStream out = socket.getOutputStream();
      StringBuilder head = new StringBuilder(method).append(' ').append(target).append(" HTTP/1.0\r\n")
          .append("Host: 127.0.0.1:").append(port).append("\r\n");
      if (body != null) {
        head.append("Content-Type: ").append(contentType).append("\r\n")
            .append("Content-Length: ").append(body.length).append("\r\n");
      }
      head.append("\r\n");
      out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
      if (body != null) {
        out.write(body);
      }
      out.flush();
      InputStream in = socket.getInputStream();
      byte[] all = in.readAllBytes();
      return parse(all);
    }
  }

  private static Answer parse(byte[] all) {
    String text = new String(all, StandardCharsets.ISO_8859_1);
    int end = text.indexOf("\r\n\r\n");
    if (end < 0) {
      throw new IllegalStateException("no complete HTTP answer: " + text);
    }
    String[] lines = text.substring(0, end).split("\r\n");
    int status = Integer.parseInt(lines[0].split(" ")[1]);
    Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      headers.merge(lines[i].substring(0, colon).trim(), lines[i].substring(colon + 1).trim(), (a, b) -> a + ", " + b);
    }
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    body.write(all, end + 4, all.length - end - 4);
    if (headers.getOrDefault("Transfer-Encoding", "").toLowerCase(Locale.ROOT).contains("chunked")) {
      throw new IllegalStateException("chunked answer to an HTTP/1.0 request");
    }
    return new Answer(status, headers, body.toByteArray());
  }

  @Override
  public void close() throws Exception {
    invoker.stopServer();
    current = null;
  }
}
