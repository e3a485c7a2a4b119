package dev.shopstream.datagen;

import java.io.IOException;
import java.io.Reader;
import java.util.ArrayList;
import java.util.List;

/**
 * A streaming RFC 4180 reader: fields separated by commas, records by CRLF or LF; a field in double quotes may hold
 * commas, line breaks and doubled quotes ({@code ""} for one {@code "}). Lenient where the RFC is silent: a quote
 * inside an unquoted field is kept as a character. An unterminated quoted field is an error.
 */
public final class CsvReader implements AutoCloseable {
  /** A record that cannot be read; the reader cannot continue after it. */
  public static final class CsvException extends IOException {
    CsvException(String message) {
      super(message);
    }
  }

  private final Reader in;
  private final char[] buffer = new char[1 << 16];
  private int length;
  private int pos;
  private long line = 1;
  private long recordLine;

  public CsvReader(Reader in) {
    this.in = in;
  }

  /** The line number (1-based) where the last record returned by {@link #next} started. */
  public long recordLine() {
    return recordLine;
  }

  private int read() throws IOException {
    if (pos == length) {
      length = in.read(buffer, 0, buffer.length);
      pos = 0;
      if (length <= 0) {
        length = 0;
        return -1;
      }
    }
    return buffer[pos++];
  }

  private int peek() throws IOException {
    int c = read();
    if (c >= 0) {
      pos--;
    }
    return c;
  }

  /** The next record's fields, or null at the end of the input. */
  public List<String> next() throws IOException {
    int c = read();
    if (c < 0) {
      return null;
    }
    recordLine = line;
    List<String> fields = new ArrayList<>();
    StringBuilder field = new StringBuilder();
    boolean quoted = false;
    boolean wasQuoted = false;
    while (true) {
      if (quoted) {
        if (c < 0) {
          throw new CsvException("line " + recordLine + ": a quoted field is not closed before the end of the input");
        }
        if (c == '"') {
          if (peek() == '"') {
            read();
            field.append('"');
          } else {
            quoted = false;
          }
        } else {
          if (c == '\n') {
            line++;
          }
          field.append((char) c);
        }
      } else if (c < 0 || c == '\n' || c == '\r') {
        if (c == '\r' && peek() == '\n') {
          read();
        }
        if (c >= 0) {
          line++;
        }
        fields.add(field.toString());
        return fields;
      } else if (c == ',') {
        fields.add(field.toString());
        field.setLength(0);
        wasQuoted = false;
      } else if (c == '"' && field.length() == 0 && !wasQuoted) {
        quoted = true;
        wasQuoted = true;
      } else {
        field.append((char) c);
      }
      c = read();
    }
  }

  @Override
  public void close() throws IOException {
    in.close();
  }

  /** One field as RFC 4180 text: quoted when it holds a comma, quote or line break. */
  static String quote(String value) {
    if (value == null) {
      return "";
    }
    if (value.indexOf(',') < 0 && value.indexOf('"') < 0 && value.indexOf('\n') < 0 && value.indexOf('\r') < 0) {
      return value;
    }
    return '"' + value.replace("\"", "\"\"") + '"';
  }

  static String line(List<String> values) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < values.size(); i++) {
      if (i > 0) {
        b.append(',');
      }
      b.append(quote(values.get(i)));
    }
    return b.toString();
  }
}
