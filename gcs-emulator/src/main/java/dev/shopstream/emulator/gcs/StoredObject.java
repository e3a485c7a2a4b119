package dev.shopstream.emulator.gcs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shopstream.contract.Json;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * One finalized object generation. Its JSON form is the JSON API object resource less the links to the host, and is
 * also the sidecar file kept next to the object's data.
 */
record StoredObject(String bucket, String name, long generation, long metageneration, String contentType, long size,
    String md5Hash, String crc32c, Instant timeCreated, Instant updated, Map<String, String> metadata) {

  static final String STORAGE_CLASS = "STANDARD";
  private static final DateTimeFormatter RFC_3339 =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

  StoredObject {
    metadata = Map.copyOf(metadata);
  }

  ObjectNode toJson() {
    ObjectNode json = Json.MAPPER.createObjectNode()
        .put("kind", "storage#object")
        .put("id", bucket + "/" + name + "/" + generation)
        .put("name", name)
        .put("bucket", bucket)
        .put("generation", Long.toString(generation))
        .put("metageneration", Long.toString(metageneration))
        .put("contentType", contentType)
        .put("storageClass", STORAGE_CLASS)
        .put("size", Long.toString(size))
        .put("md5Hash", md5Hash)
        .put("crc32c", crc32c)
        .put("timeCreated", rfc3339(timeCreated))
        .put("updated", rfc3339(updated))
        .put("timeStorageClassUpdated", rfc3339(timeCreated));
    if (!metadata.isEmpty()) {
      ObjectNode map = json.putObject("metadata");
      new TreeMap<>(metadata).forEach(map::put);
    }
    return json;
  }

  /** The JSON API resource, with links to the emulator at {@code baseUrl}. */
  ObjectNode toResource(String baseUrl) {
    String path = "/b/" + urlEncode(bucket) + "/o/" + urlEncode(name);
    return toJson()
        .put("selfLink", baseUrl + "/storage/v1" + path)
        .put("mediaLink", baseUrl + "/download/storage/v1" + path + "?generation=" + generation + "&alt=media");
  }

  static StoredObject fromJson(JsonNode json) {
    Map<String, String> metadata = new LinkedHashMap<>();
    json.path("metadata").fields().forEachRemaining(e -> metadata.put(e.getKey(), e.getValue().asText()));
    return new StoredObject(json.path("bucket").asText(), json.path("name").asText(),
        Long.parseLong(json.path("generation").asText()), Long.parseLong(json.path("metageneration").asText()),
        json.path("contentType").asText(), Long.parseLong(json.path("size").asText()),
        json.path("md5Hash").asText(), json.path("crc32c").asText(),
        Instant.parse(json.path("timeCreated").asText()), Instant.parse(json.path("updated").asText()), metadata);
  }

  static String rfc3339(Instant instant) {
    return RFC_3339.format(instant);
  }

  /** Percent-encodes a path segment or query value ("/" included, space as %20). */
  static String urlEncode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
