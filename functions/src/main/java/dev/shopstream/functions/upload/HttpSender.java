package dev.shopstream.functions.upload;

import java.io.IOException;
import java.net.URI;
import java.util.Map;

/** The one HTTP call the backfill launcher makes; production adds Google credentials, tests capture the request. */
public interface HttpSender {
  record Request(String method, URI uri, Map<String, String> headers, String body) {}

  record Response(int status, String body) {}

  Response send(Request request) throws IOException;
}
