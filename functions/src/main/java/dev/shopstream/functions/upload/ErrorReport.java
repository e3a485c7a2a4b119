package dev.shopstream.functions.upload;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.cloud.WriteChannel;
import com.google.cloud.storage.BlobId;
import com.google.cloud.storage.BlobInfo;
import com.google.cloud.storage.Storage;
import dev.shopstream.contract.FieldError;
import dev.shopstream.contract.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The rejected rows of one object, streamed to {@code errors/<object name>.jsonl} (created at the first rejection),
 * one JSON line each: {@code line}, {@code reason} (every bad field by name), {@code errors} (the same as
 * field/reason pairs), {@code raw} (the row's text, cut to a stated number of characters) and
 * {@code raw_truncated}.
 */
final class ErrorReport implements AutoCloseable {
  private final Storage storage;
  private final BlobId id;
  private final int rawMaxChars;
  private WriteChannel writer;
  private long rows;

  ErrorReport(Storage storage, UploadedObject object, int rawMaxChars) {
    this.storage = storage;
    this.id = BlobId.of(object.bucket(), UploadFunction.ERRORS_PREFIX + object.name() + ".jsonl");
    this.rawMaxChars = rawMaxChars;
  }

  /** Appends one rejected row; a failure to write the report is thrown unchecked (the event is redelivered). */
  void add(long line, List<FieldError> errors, String raw, boolean alreadyTruncated) {
    ObjectNode o = Json.MAPPER.createObjectNode();
    o.put("line", line);
    o.put("reason", String.join("; ", errors.stream().map(FieldError::toString).toList()));
    ArrayNode list = o.putArray("errors");
    errors.forEach(e -> list.addObject().put("field", e.field()).put("reason", e.reason()));
    String cut = truncate(raw, rawMaxChars);
    o.put("raw", cut);
    o.put("raw_truncated", alreadyTruncated || cut.length() < raw.length());
    if (writer == null) {
      writer = storage.writer(BlobInfo.newBuilder(id).setContentType("application/x-ndjson").build());
    }
    ByteBuffer bytes = ByteBuffer.wrap((o + "\n").getBytes(StandardCharsets.UTF_8));
    try {
      while (bytes.hasRemaining()) {
        writer.write(bytes);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the error report " + id.getName(), e);
    }
    rows++;
  }

  /** The report's object name, or null when no row was rejected. */
  String name() {
    return rows == 0 ? null : id.getName();
  }

  long rows() {
    return rows;
  }

  /** Commits the report; with no rejections, removes a stale report of an earlier upload of the same name. */
  @Override
  public void close() throws IOException {
    if (writer != null) {
      WriteChannel w = writer;
      writer = null;
      w.close();
    } else if (rows == 0) {
      storage.delete(id);
    }
  }

  /** At most {@code max} characters, never splitting a surrogate pair. */
  static String truncate(String s, int max) {
    if (s.length() <= max) {
      return s;
    }
    int end = Character.isHighSurrogate(s.charAt(max - 1)) ? max - 1 : max;
    return s.substring(0, end);
  }
}
