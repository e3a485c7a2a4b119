package dev.shopstream.emulator.gcs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shopstream.contract.Json;
import java.time.Instant;
import java.util.regex.Pattern;

/** A bucket; its JSON form is the JSON API bucket resource less the link to the host, and its file on disk. */
record StoredBucket(String name, Instant timeCreated) {
  /** The bucket names of GCS up to 63 characters: also safe folder names (never "." or ".."). */
  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]");

  static void validateName(String name) {
    if (!NAME.matcher(name).matches()) {
      throw GcsException.badRequest("Invalid bucket name: '" + name + "'");
    }
  }

  ObjectNode toJson() {
    return Json.MAPPER.createObjectNode()
        .put("kind", "storage#bucket")
        .put("id", name)
        .put("name", name)
        .put("projectNumber", "0")
        .put("metageneration", "1")
        .put("location", "US")
        .put("locationType", "multi-region")
        .put("storageClass", StoredObject.STORAGE_CLASS)
        .put("timeCreated", StoredObject.rfc3339(timeCreated))
        .put("updated", StoredObject.rfc3339(timeCreated));
  }

  /** The JSON API resource, with a link to the emulator at {@code baseUrl}. */
  ObjectNode toResource(String baseUrl) {
    return toJson().put("selfLink", baseUrl + "/storage/v1/b/" + name);
  }

  static StoredBucket fromJson(JsonNode json) {
    return new StoredBucket(json.path("name").asText(), Instant.parse(json.path("timeCreated").asText()));
  }
}
