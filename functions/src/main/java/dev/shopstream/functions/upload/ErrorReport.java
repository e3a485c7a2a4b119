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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The rejected rows of one object, streamed to its {@link ReportNames#errorReport report} (created at the first
 * rejection), one JSON line each: {@code line}, {@code reason} (every bad field by name), {@code errors} (the same as
 * field/reason pairs, at most {@value #MAX_ERRORS_PER_ROW} and then how many more, a field name cut to
 * {@value #MAX_FIELD_CHARS} characters and a reason to {@value #MAX_REASON_CHARS}), {@code raw} (the row's text, cut
 * to a stated number of characters) and {@code raw_truncated}.
 *
 * <p>Bounded: the first {@code maxRows} rejected rows are listed in full; the rest are only counted. Every rejected
 * row is counted by reason ({@link #byReason}: the field and the reason without the value that broke it, at most
 * {@value #MAX_REASONS} distinct reasons and then {@value #OTHER_REASONS}), so the summary tells what went wrong
 * with all of them. The report's size is therefore bounded by {@code maxRows} rows of bounded size, whatever the
 * object's size.
 */
final class ErrorReport implements AutoCloseable {
  static final int MAX_ERRORS_PER_ROW = 20;
  static final int MAX_REASONS = 100;
  static final int MAX_REASON_CHARS = 256;
  static final int MAX_FIELD_CHARS = 128;
  static final String OTHER_REASONS = "(other reasons)";

  private final Storage storage;
  private final BlobId id;
  private final int rawMaxChars;
  private final long maxRows;
  private final Map<String, Long> byReason = new LinkedHashMap<>();
  private WriteChannel writer;
  private long rows;
  private long notListed;

  ErrorReport(Storage storage, UploadedObject object, int rawMaxChars, long maxRows) {
    this.storage = storage;
    this.id = BlobId.of(object.bucket(), ReportNames.errorReport(object.name()));
    this.rawMaxChars = rawMaxChars;
    this.maxRows = maxRows;
  }

  /** Appends (or only counts) one rejected row; a failure to write is thrown unchecked (the event is redelivered). */
  void add(long line, List<FieldError> errors, String raw, boolean alreadyTruncated) {
    for (FieldError e : errors.stream().distinct().toList()) {
      count(reasonKey(e));
    }
    if (rows >= maxRows) {
      notListed++;
      return;
    }
    ObjectNode o = Json.MAPPER.createObjectNode();
    o.put("line", line);
    List<FieldError> shown = (errors.size() > MAX_ERRORS_PER_ROW ? errors.subList(0, MAX_ERRORS_PER_ROW) : errors)
        .stream().map(e -> new FieldError(cut(e.field(), MAX_FIELD_CHARS), cut(e.reason(), MAX_REASON_CHARS)))
        .toList();
    String more = errors.size() > shown.size() ? "; and " + (errors.size() - shown.size()) + " more errors" : "";
    o.put("reason", String.join("; ", shown.stream().map(FieldError::toString).toList()) + more);
    ArrayNode list = o.putArray("errors");
    shown.forEach(e -> list.addObject().put("field", e.field()).put("reason", e.reason()));
    if (!more.isEmpty()) {
      list.addObject().put("field", FieldError.ROOT).put("reason", more.substring(2));
    }
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

  private void count(String key) {
    if (!byReason.containsKey(key) && byReason.size() >= MAX_REASONS) {
      key = OTHER_REASONS;
    }
    byReason.merge(key, 1L, Long::sum);
  }

  /**
   * What a reason counts under: the field and the reason up to the value it quotes ({@code ", was ..."}) or the
   * parser's details (after the first {@code ": "}), so that 100,000 rows with different bad values are one reason.
   */
  static String reasonKey(FieldError e) {
    String reason = e.reason();
    int was = reason.indexOf(", was ");
    if (was >= 0) {
      reason = reason.substring(0, was);
    }
    int detail = reason.indexOf(": ");
    if (detail >= 0) {
      reason = reason.substring(0, detail);
    }
    String key = e.field() + ": " + reason;
    return key.length() > MAX_REASON_CHARS ? truncate(key, MAX_REASON_CHARS) + "..." : key;
  }

  /** The report's object name, or null when no row was rejected. */
  String name() {
    return rows == 0 ? null : id.getName();
  }

  /** Rows listed in full. */
  long rows() {
    return rows;
  }

  /** Rejected rows only counted, past the first {@code maxRows}. */
  long notListed() {
    return notListed;
  }

  /** Rejected rows per reason (a row with several reasons counts under each), in order of first appearance. */
  ObjectNode byReason() {
    ObjectNode o = Json.MAPPER.createObjectNode();
    byReason.forEach(o::put);
    return o;
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

  private static String cut(String s, int max) {
    return s.length() <= max ? s : truncate(s, max) + "...";
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
