package dev.shopstream.functions.upload;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shopstream.contract.Json;
import java.io.IOException;

/**
 * The fields of a Cloud Storage object (the data of a {@code google.cloud.storage.object.v1.finalized} event) that
 * the upload function uses. {@code timeCreated} and {@code contentEncoding} are null when absent.
 */
public record UploadedObject(String bucket, String name, long generation, long size, String contentType,
    String contentEncoding, String timeCreated) {

  /** Parses the object JSON; throws {@link IllegalArgumentException} naming what is missing or malformed. */
  public static UploadedObject parse(byte[] json) {
    JsonNode n;
    try {
      n = Json.readUntrusted(json);
    } catch (IOException e) {
      throw new IllegalArgumentException("the event data is not JSON: " + e.getMessage());
    }
    if (n == null || !n.isObject()) {
      throw new IllegalArgumentException("the event data is not a JSON object");
    }
    String bucket = n.path("bucket").asText("");
    String name = n.path("name").asText("");
    if (bucket.isEmpty() || name.isEmpty()) {
      throw new IllegalArgumentException("the event data has no bucket or name");
    }
    return new UploadedObject(bucket, name, number(n, "generation"), number(n, "size"),
        text(n, "contentType"), text(n, "contentEncoding"), text(n, "timeCreated"));
  }

  /** {@code gs://bucket/name}. */
  public String uri() {
    return "gs://" + bucket + "/" + name;
  }

  private static long number(JsonNode n, String field) {
    JsonNode v = n.get(field);
    if (v == null || v.isNull()) {
      throw new IllegalArgumentException("the event data has no " + field);
    }
    try {
      return Long.parseLong(v.asText());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("the event data's " + field + " is not a number: " + v);
    }
  }

  private static String text(JsonNode n, String field) {
    return n.hasNonNull(field) && !n.get(field).asText().isEmpty() ? n.get(field).asText() : null;
  }
}
