package dev.shopstream.emulator.gcs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.shopstream.contract.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

/**
 * The subset of the Cloud Storage JSON API that the Java client and curl use: buckets (insert, get, list, delete),
 * objects (get, list, delete), downloads ({@code alt=media}, with {@code Range}) and uploads ({@code media},
 * {@code multipart} and {@code resumable}).
 */
final class JsonApiHandler implements HttpHandler {
  private static final Logger LOG = Logger.getLogger(JsonApiHandler.class.getName());
  private static final String JSON_TYPE = "application/json; charset=UTF-8";
  private static final String API = "/storage/v1";
  private static final String UPLOAD_API = "/upload/storage/v1";
  private static final String DOWNLOAD_API = "/download/storage/v1";
  private static final int MAX_JSON_BODY = 1024 * 1024;
  private static final Pattern RANGE = Pattern.compile("bytes=(\\d{0,18})-(\\d{0,18})");

  /** A resource path below an API root: buckets, a bucket, a bucket's objects, or an object. */
  private record ResourcePath(String bucket, boolean objects, String object) {
    /** The resource a path names below an API root; null if none. */
    static ResourcePath below(String apiRoot, String fullPath) {
      if (!fullPath.startsWith(apiRoot)) {
        return null;
      }
      String path = fullPath.substring(apiRoot.length());
      if (path.equals("/b") || path.equals("/b/")) {
        return new ResourcePath(null, false, null);
      }
      if (!path.startsWith("/b/")) {
        return null;
      }
      String rest = path.substring(3);
      int slash = rest.indexOf('/');
      if (slash < 0) {
        return new ResourcePath(rest, false, null);
      }
      String bucket = rest.substring(0, slash);
      String below = rest.substring(slash);
      if (below.equals("/o") || below.equals("/o/")) {
        return new ResourcePath(bucket, true, null);
      }
      return below.startsWith("/o/") ? new ResourcePath(bucket, true, below.substring(3)) : null;
    }
  }

  /** An inclusive byte range of an object. */
  private record ByteRange(long first, long last) {
    /** The range a {@code Range} header asks of an object of {@code size} bytes; null for the whole object. */
    static ByteRange parse(String header, long size) {
      Matcher m = header == null ? null : RANGE.matcher(header.trim());
      if (m == null || !m.matches() || size == 0 || (m.group(1).isEmpty() && m.group(2).isEmpty())) {
        return null; // absent, multiple or invalid ranges: the whole object, as RFC 9110 allows
      }
      long first;
      long last;
      if (m.group(1).isEmpty()) {
        first = Math.max(0, size - Long.parseLong(m.group(2)));
        last = size - 1;
      } else {
        first = Long.parseLong(m.group(1));
        last = m.group(2).isEmpty() ? size - 1 : Math.min(Long.parseLong(m.group(2)), size - 1);
      }
      if (first >= size || first > last) {
        throw GcsException.rangeNotSatisfiable("The requested range cannot be satisfied: " + header);
      }
      return new ByteRange(first, last);
    }

    long length() {
      return last - first + 1;
    }
  }

  private final ObjectStore store;
  private final ResumableUploads uploads;
  private final String defaultBaseUrl;

  JsonApiHandler(ObjectStore store, ResumableUploads uploads, String defaultBaseUrl) {
    this.store = store;
    this.uploads = uploads;
    this.defaultBaseUrl = defaultBaseUrl;
  }

  @Override
  public void handle(HttpExchange exchange) {
    try {
      route(exchange);
    } catch (GcsException e) {
      sendError(exchange, e.code(), e.reason(), e.getMessage());
    } catch (IOException e) {
      LOG.log(Level.FINE, e, () -> "I/O failure on " + exchange.getRequestMethod() + " " + exchange.getRequestURI());
      sendError(exchange, 500, "backendError", "I/O failure: " + e.getMessage());
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, e, () -> "Failed " + exchange.getRequestMethod() + " " + exchange.getRequestURI());
      sendError(exchange, 500, "backendError", "Internal error: " + e);
    } finally {
      exchange.close();
      LOG.fine(() -> exchange.getRequestMethod() + " " + exchange.getRequestURI() + " -> "
          + exchange.getResponseCode());
    }
  }

  private void route(HttpExchange exchange) throws IOException {
    String path = exchange.getRequestURI().getPath();
    String method = exchange.getRequestMethod();
    Query query = new Query(exchange.getRequestURI().getRawQuery());
    ResourcePath upload = ResourcePath.below(UPLOAD_API, path);
    ResourcePath download = ResourcePath.below(DOWNLOAD_API, path);
    ResourcePath resource = ResourcePath.below(API, path);
    if (upload != null && upload.objects() && upload.object() == null) {
      upload(exchange, method, upload.bucket(), query);
    } else if (download != null && download.object() != null) {
      requireMethod(exchange, "GET");
      download(exchange, download.bucket(), download.object(), query);
    } else if (resource != null) {
      api(exchange, method, resource, query);
    } else {
      throw GcsException.notFound("Not Found: " + path);
    }
  }

  private void api(HttpExchange exchange, String method, ResourcePath resource, Query query)
      throws IOException {
    if (resource.bucket() == null) {
      query.required("project");
      switch (method) {
        case "GET" -> listBuckets(exchange, query);
        case "POST" -> sendJson(exchange, 200,
            store.createBucket(required(readJson(exchange), "name")).toResource(baseUrl(exchange)));
        default -> throw unsupported(exchange);
      }
    } else if (!resource.objects()) {
      switch (method) {
        case "GET" -> sendJson(exchange, 200, store.bucket(resource.bucket()).toResource(baseUrl(exchange)));
        case "DELETE" -> {
          store.deleteBucket(resource.bucket());
          sendEmpty(exchange, 204);
        }
        default -> throw unsupported(exchange);
      }
    } else if (resource.object() == null) {
      requireMethod(exchange, "GET");
      listObjects(exchange, resource.bucket(), query);
    } else {
      Long generation = query.longValue("generation");
      switch (method) {
        case "GET" -> {
          if ("media".equals(query.get("alt"))) {
            download(exchange, resource.bucket(), resource.object(), query);
          } else {
            sendJson(exchange, 200, store.get(resource.bucket(), resource.object(), generation,
                Preconditions.from(query)).toResource(baseUrl(exchange)));
          }
        }
        case "DELETE" -> {
          store.delete(resource.bucket(), resource.object(), generation, Preconditions.from(query));
          sendEmpty(exchange, 204);
        }
        default -> throw unsupported(exchange);
      }
    }
  }

  // ---- buckets and listings

  private void listBuckets(HttpExchange exchange, Query query) throws IOException {
    ObjectNode response = Json.MAPPER.createObjectNode().put("kind", "storage#buckets");
    ArrayNode items = response.putArray("items");
    store.buckets(query.get("prefix", "")).forEach(bucket -> items.add(bucket.toResource(baseUrl(exchange))));
    sendJson(exchange, 200, response);
  }

  private void listObjects(HttpExchange exchange, String bucket, Query query) throws IOException {
    Long maxResults = query.longValue("maxResults");
    if (maxResults != null && maxResults < 1) {
      throw GcsException.badRequest("Invalid value for maxResults: " + maxResults);
    }
    ObjectListing.Page page = store.list(bucket, new ObjectListing.Request(query.get("prefix", ""),
        query.get("delimiter", ""), query.get("startOffset"), query.get("endOffset"),
        query.get("pageToken"),
        (int) Math.min(maxResults == null ? ObjectListing.MAX_RESULTS : maxResults, ObjectListing.MAX_RESULTS)));
    ObjectNode response = Json.MAPPER.createObjectNode().put("kind", "storage#objects");
    if (!page.items().isEmpty()) {
      ArrayNode items = response.putArray("items");
      page.items().forEach(object -> items.add(object.toResource(baseUrl(exchange))));
    }
    if (!page.prefixes().isEmpty()) {
      ArrayNode prefixes = response.putArray("prefixes");
      page.prefixes().forEach(prefixes::add);
    }
    if (page.nextPageToken() != null) {
      response.put("nextPageToken", page.nextPageToken());
    }
    sendJson(exchange, 200, response);
  }

  // ---- downloads

  private void download(HttpExchange exchange, String bucket, String name, Query query)
      throws IOException {
    try (ObjectStore.ObjectContent content = store.open(bucket, name,
        query.longValue("generation"), Preconditions.from(query))) {
      StoredObject object = content.object();
      ByteRange range = ByteRange.parse(exchange.getRequestHeaders().getFirst("Range"), object.size());
      var headers = exchange.getResponseHeaders();
      headers.set("Content-Type", object.contentType());
      headers.set("Accept-Ranges", "bytes");
      headers.set("ETag", "\"" + object.md5Hash() + "\"");
      headers.set("x-goog-generation", Long.toString(object.generation()));
      headers.set("x-goog-metageneration", Long.toString(object.metageneration()));
      headers.set("x-goog-stored-content-length", Long.toString(object.size()));
      headers.set("x-goog-stored-content-encoding", "identity");
      headers.set("x-goog-storage-class", StoredObject.STORAGE_CLASS);
      headers.set("x-goog-hash", "crc32c=" + object.crc32c() + ",md5=" + object.md5Hash());
      long first = range == null ? 0 : range.first();
      long length = range == null ? object.size() : range.length();
      if (range != null) {
        headers.set("Content-Range", "bytes " + range.first() + "-" + range.last() + "/" + object.size());
      }
      exchange.sendResponseHeaders(range == null ? 200 : 206, length == 0 ? -1 : length);
      try (InputStream in = Channels.newInputStream(content.data().position(first));
           OutputStream out = exchange.getResponseBody()) {
        if (Streams.copy(in, out, length) < length) {
          throw new IOException("The data of " + bucket + "/" + name + " ended early");
        }
      }
    }
  }

  // ---- uploads

  private void upload(HttpExchange exchange, String method, String bucket, Query query)
      throws IOException {
    String uploadId = query.get("upload_id");
    if (uploadId != null) {
      switch (method) {
        case "PUT", "POST" -> resumableChunk(exchange, uploadId);
        case "DELETE" -> {
          uploads.cancel(uploadId);
          sendEmpty(exchange, 499);
        }
        default -> throw unsupported(exchange);
      }
      return;
    }
    requireMethod(exchange, "POST");
    String uploadType = query.get("uploadType", "");
    switch (uploadType) {
      case "media" -> mediaUpload(exchange, bucket, query);
      case "multipart" -> multipartUpload(exchange, bucket, query);
      case "resumable" -> beginResumable(exchange, bucket, query);
      default -> throw GcsException.badRequest("Invalid or missing uploadType: '" + uploadType
          + "' (media, multipart or resumable)");
    }
  }

  private void mediaUpload(HttpExchange exchange, String bucket, Query query) throws IOException {
    String name = query.required("name");
    Preconditions preconditions = Preconditions.from(query);
    store.checkUpload(bucket, name, preconditions);
    checkContentLength(exchange);
    ObjectAttributes attributes = ObjectAttributes.from(Json.MAPPER.createObjectNode(),
        exchange.getRequestHeaders().getFirst("Content-Type"));
    finishUpload(exchange, bucket, name, attributes, stage(requestBody(exchange)), preconditions);
  }

  private void multipartUpload(HttpExchange exchange, String bucket, Query query)
      throws IOException {
    String contentType = exchange.getRequestHeaders().getFirst("Content-Type");
    if (contentType == null || !contentType.toLowerCase(Locale.ROOT).startsWith("multipart/")) {
      throw GcsException.badRequest("A multipart upload needs a multipart/related body, not " + contentType);
    }
    MultipartReader parts = new MultipartReader(requestBody(exchange), MultipartReader.boundary(contentType));
    if (!parts.next()) {
      throw GcsException.badRequest("The multipart body has no metadata part.");
    }
    JsonNode resource = parseJson(parts.content());
    String name = objectName(query, resource);
    Preconditions preconditions = Preconditions.from(query);
    store.checkUpload(bucket, name, preconditions);
    if (!parts.next()) {
      throw GcsException.badRequest("The multipart body has no media part.");
    }
    ObjectAttributes attributes = ObjectAttributes.from(resource, parts.headers().get("content-type"));
    StagedUpload upload = stage(parts.content());
    try {
      if (parts.next()) {
        throw GcsException.badRequest("The multipart body has more than two parts.");
      }
    } catch (GcsException | IOException e) {
      upload.discard();
      throw e;
    }
    finishUpload(exchange, bucket, name, attributes, upload, preconditions);
  }

  private void beginResumable(HttpExchange exchange, String bucket, Query query) throws IOException {
    JsonNode resource = readJson(exchange);
    String name = objectName(query, resource);
    var headers = exchange.getRequestHeaders();
    ObjectAttributes attributes = ObjectAttributes.from(resource, headers.getFirst("X-Upload-Content-Type"));
    String uploadId = uploads.begin(new ResumableUploads.Target(bucket, name, attributes, Preconditions.from(query)),
        Query.parseLong("X-Upload-Content-Length", headers.getFirst("X-Upload-Content-Length")));
    exchange.getResponseHeaders().set("Location", baseUrl(exchange) + UPLOAD_API + "/b/"
        + StoredObject.urlEncode(bucket) + "/o?uploadType=resumable&name=" + StoredObject.urlEncode(name)
        + "&upload_id=" + uploadId);
    exchange.getResponseHeaders().set("X-GUploader-UploadID", uploadId);
    sendEmpty(exchange, 200);
  }

  private void resumableChunk(HttpExchange exchange, String uploadId) throws IOException {
    ResumableUploads.Progress progress = uploads.put(uploadId,
        ResumableUploads.ContentRange.parse(exchange.getRequestHeaders().getFirst("Content-Range")),
        requestBody(exchange));
    if (progress.object() != null) {
      sendJson(exchange, 200, progress.object().toResource(baseUrl(exchange)));
    } else {
      if (progress.persisted() > 0) {
        exchange.getResponseHeaders().set("Range", "bytes=0-" + (progress.persisted() - 1));
      }
      sendEmpty(exchange, 308);
    }
  }

  private StagedUpload stage(InputStream content) throws IOException {
    StagedUpload upload = store.stage();
    try {
      upload.append(content);
      return upload;
    } catch (GcsException | IOException e) {
      upload.discard();
      throw e;
    }
  }

  private void finishUpload(HttpExchange exchange, String bucket, String name, ObjectAttributes attributes,
      StagedUpload upload, Preconditions preconditions) throws IOException {
    StoredObject object = store.commit(bucket, name, attributes, upload, preconditions);
    sendJson(exchange, 200, object.toResource(baseUrl(exchange)));
  }

  /** Refuses an upload whose declared length is too large before reading it. */
  private void checkContentLength(HttpExchange exchange) {
    String length = exchange.getRequestHeaders().getFirst("Content-Length");
    if (length != null && !isGzip(exchange) && Query.parseLong("Content-Length", length) > store.maxObjectSize()) {
      throw GcsException.tooLarge(store.maxObjectSize());
    }
  }

  // ---- requests and responses

  private static InputStream requestBody(HttpExchange exchange) throws IOException {
    InputStream body = exchange.getRequestBody();
    return isGzip(exchange) ? new GZIPInputStream(body) : body;
  }

  private static boolean isGzip(HttpExchange exchange) {
    return "gzip".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Content-Encoding"));
  }

  private static JsonNode readJson(HttpExchange exchange) throws IOException {
    return parseJson(requestBody(exchange));
  }

  /** A JSON object of at most 1 MiB; an empty body is an empty object. */
  private static JsonNode parseJson(InputStream in) throws IOException {
    byte[] bytes = in.readNBytes(MAX_JSON_BODY + 1);
    if (bytes.length > MAX_JSON_BODY) {
      throw GcsException.badRequest("The JSON metadata exceeds " + MAX_JSON_BODY + " bytes.");
    }
    if (bytes.length == 0) {
      return Json.MAPPER.createObjectNode();
    }
    try {
      JsonNode json = Json.readUntrusted(bytes);
      if (!json.isObject()) {
        throw GcsException.badRequest("The JSON metadata must be an object.");
      }
      return json;
    } catch (JsonProcessingException e) {
      throw GcsException.badRequest("Parse Error: " + e.getOriginalMessage());
    }
  }

  private static String required(JsonNode resource, String field) {
    String value = resource.path(field).asText("");
    if (value.isEmpty()) {
      throw GcsException.required(field);
    }
    return value;
  }

  private static void requireMethod(HttpExchange exchange, String expected) {
    if (!exchange.getRequestMethod().equals(expected)) {
      throw unsupported(exchange);
    }
  }

  private static GcsException unsupported(HttpExchange exchange) {
    return GcsException.notImplemented(exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath());
  }

  /** The object name of an upload: the query's, else the resource's. */
  private static String objectName(Query query, JsonNode resource) {
    String name = query.get("name", resource.path("name").asText(""));
    if (name.isEmpty()) {
      throw GcsException.required("name");
    }
    return name;
  }

  /** Links point where the client reached the emulator. */
  private String baseUrl(HttpExchange exchange) {
    String host = exchange.getRequestHeaders().getFirst("Host");
    return host == null ? defaultBaseUrl : "http://" + host;
  }

  private static void sendJson(HttpExchange exchange, int status, JsonNode body) throws IOException {
    byte[] bytes = Json.MAPPER.writeValueAsBytes(body);
    exchange.getResponseHeaders().set("Content-Type", JSON_TYPE);
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  private static void sendEmpty(HttpExchange exchange, int status) throws IOException {
    exchange.sendResponseHeaders(status, -1);
  }

  /** Answers the JSON API error shape, unless the response had already begun (then the connection just closes). */
  private static void sendError(HttpExchange exchange, int code, String reason, String message) {
    if (exchange.getResponseCode() != -1) {
      return;
    }
    ObjectNode error = Json.MAPPER.createObjectNode();
    ObjectNode body = error.putObject("error").put("code", code).put("message", message);
    body.putArray("errors").addObject().put("message", message).put("domain", "global").put("reason", reason);
    try {
      sendJson(exchange, code, error);
    } catch (IOException e) {
      LOG.log(Level.FINE, e, () -> "Could not answer " + code + " to " + exchange.getRequestURI());
    }
  }
}
