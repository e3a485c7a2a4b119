package dev.shopstream.emulator.gcs;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a client says about an object it uploads: content type, custom metadata, and optionally the MD5 and CRC32C
 * it expects, which the upload must match.
 */
record ObjectAttributes(String contentType, Map<String, String> metadata, String md5Hash, String crc32c) {
  private static final String DEFAULT_CONTENT_TYPE = "application/octet-stream";

  /** From an object resource sent by the client; {@code contentType} applies when the resource has none. */
  static ObjectAttributes from(JsonNode resource, String contentType) {
    Map<String, String> metadata = new LinkedHashMap<>();
    resource.path("metadata").fields().forEachRemaining(e -> {
      if (!e.getValue().isNull()) {
        metadata.put(e.getKey(), e.getValue().asText());
      }
    });
    return new ObjectAttributes(text(resource, "contentType", contentType == null ? DEFAULT_CONTENT_TYPE : contentType),
        metadata, text(resource, "md5Hash", null), text(resource, "crc32c", null));
  }

  /** Fails with 400 when the uploaded bytes do not have the hashes the client expects. */
  void verify(StagedUpload upload) {
    if (md5Hash != null && !md5Hash.equals(upload.md5Base64())) {
      throw GcsException.badRequest("Provided MD5 hash \"" + md5Hash + "\" doesn't match calculated MD5 hash \""
          + upload.md5Base64() + "\".");
    }
    if (crc32c != null && !crc32c.equals(upload.crc32cBase64())) {
      throw GcsException.badRequest("Provided CRC32C \"" + crc32c + "\" doesn't match calculated CRC32C \""
          + upload.crc32cBase64() + "\".");
    }
  }

  private static String text(JsonNode resource, String field, String fallback) {
    JsonNode value = resource.get(field);
    return value == null || value.isNull() || value.asText().isEmpty() ? fallback : value.asText();
  }
}
