package dev.shopstream.emulator.gcs;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Streams the parts of a {@code multipart/related} body (RFC 2046) one after the other, never buffering more than
 * one window of the input: a part's content is an {@link InputStream} that ends at the next boundary.
 */
final class MultipartReader {
  private static final int WINDOW = 64 * 1024;
  private static final int MAX_HEADER_LINE = 8 * 1024;
  private static final int MAX_HEADERS = 32;

  private final InputStream in;
  /** CRLF "--" boundary: what ends a part's content. The body is read as if it started with CRLF. */
  private final byte[] delimiter;
  private final byte[] buffer;
  private int position;
  private int limit;
  private boolean endOfInput;
  private boolean inContent;
  private boolean closed;
  private Map<String, String> headers = Map.of();

  MultipartReader(InputStream in, String boundary) {
    this.in = in;
    this.delimiter = ("\r\n--" + boundary).getBytes(StandardCharsets.US_ASCII);
    this.buffer = new byte[WINDOW + delimiter.length];
    buffer[0] = '\r';
    buffer[1] = '\n';
    this.limit = 2;
    this.inContent = true; // the preamble, skipped like the rest of a part
  }

  /** The boundary parameter of a {@code multipart/related} content type. */
  static String boundary(String contentType) {
    for (String parameter : contentType.split(";")) {
      String[] nameValue = parameter.trim().split("=", 2);
      if (nameValue.length == 2 && nameValue[0].trim().equalsIgnoreCase("boundary")) {
        String value = nameValue[1].trim();
        return value.length() > 1 && value.startsWith("\"") && value.endsWith("\"")
            ? value.substring(1, value.length() - 1) : value;
      }
    }
    throw GcsException.badRequest("Missing boundary in multipart content type: " + contentType);
  }

  /** Moves to the next part, skipping what is left of the current one; false after the closing boundary. */
  boolean next() throws IOException {
    if (closed) {
      return false;
    }
    content().transferTo(OutputStream.nullOutputStream());
    if (require(2) && buffer[position] == '-' && buffer[position + 1] == '-') {
      closed = true;
      return false;
    }
    readLine(); // the rest of the boundary line: transport padding and CRLF
    Map<String, String> partHeaders = new LinkedHashMap<>();
    for (String line = readLine(); !line.isEmpty(); line = readLine()) {
      int colon = line.indexOf(':');
      if (colon <= 0 || partHeaders.size() == MAX_HEADERS) {
        throw GcsException.badRequest("Malformed multipart part header: " + line);
      }
      partHeaders.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
    }
    headers = partHeaders;
    inContent = true;
    return true;
  }

  /** The current part's headers, names in lower case. */
  Map<String, String> headers() {
    return headers;
  }

  /** The current part's content, ending at the next boundary. */
  InputStream content() {
    return new InputStream() {
      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        return readContent(b, off, len);
      }
    };
  }

  private int readContent(byte[] b, int off, int len) throws IOException {
    if (!inContent) {
      return -1;
    }
    require(delimiter.length);
    int found = indexOfDelimiter();
    int available;
    if (found >= 0) {
      available = found - position;
      if (available == 0) {
        position += delimiter.length;
        inContent = false;
        return -1;
      }
    } else if (endOfInput) {
      throw GcsException.badRequest("The multipart body ended before its closing boundary.");
    } else {
      available = limit - position - (delimiter.length - 1);
    }
    int n = Math.min(len, available);
    System.arraycopy(buffer, position, b, off, n);
    position += n;
    return n;
  }

  private int indexOfDelimiter() {
    outer:
    for (int i = position; i <= limit - delimiter.length; i++) {
      for (int j = 0; j < delimiter.length; j++) {
        if (buffer[i + j] != delimiter[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  private String readLine() throws IOException {
    StringBuilder line = new StringBuilder();
    while (true) {
      if (!require(1)) {
        throw GcsException.badRequest("The multipart body ended inside a part's headers.");
      }
      byte c = buffer[position++];
      if (c == '\n') {
        int end = line.length();
        return end > 0 && line.charAt(end - 1) == '\r' ? line.substring(0, end - 1) : line.toString();
      }
      if (line.length() == MAX_HEADER_LINE) {
        throw GcsException.badRequest("A multipart header line is too long.");
      }
      line.append((char) (c & 0xff));
    }
  }

  /** Buffers at least {@code count} bytes unless the input ends first; true if they are there. */
  private boolean require(int count) throws IOException {
    if (limit - position >= count) {
      return true;
    }
    System.arraycopy(buffer, position, buffer, 0, limit - position);
    limit -= position;
    position = 0;
    while (limit < count && !endOfInput) {
      int n = in.read(buffer, limit, buffer.length - limit);
      if (n < 0) {
        endOfInput = true;
      } else {
        limit += n;
      }
    }
    return limit >= count;
  }
}
