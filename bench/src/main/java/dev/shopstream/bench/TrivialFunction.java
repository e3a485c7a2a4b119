package dev.shopstream.bench;

import com.google.cloud.functions.HttpFunction;
import com.google.cloud.functions.HttpRequest;
import com.google.cloud.functions.HttpResponse;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The baseline of every HTTP benchmark: reads the request body whole and answers a constant small JSON object,
 * with the status the real function answers for success (202 for ingest, 200 otherwise: see {@link Accepting}).
 * Whatever it costs is the invoker's and the load generator's share, measured in the same run.
 */
public class TrivialFunction implements HttpFunction {
  private static final byte[] BODY = "{\"ok\":true}".getBytes(StandardCharsets.UTF_8);

  protected int status() {
    return 200;
  }

  @Override
  public void service(HttpRequest request, HttpResponse response) throws Exception {
    try (InputStream in = request.getInputStream()) {
      in.transferTo(OutputStream.nullOutputStream());
    }
    response.setStatusCode(status());
    response.setContentType("application/json");
    try (OutputStream out = response.getOutputStream()) {
      out.write(BODY);
    }
  }

  /** The same, answering 202 like the ingest function. */
  public static final class Accepting extends TrivialFunction {
    @Override
    protected int status() {
      return 202;
    }
  }
}
