package dev.shopstream.contract.rows;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Splits a byte stream into rows with bounded memory: one row per line for JSON Lines, one record per CSV row (a
 * quoted CSV field may hold line breaks). A row longer than {@code maxBytes} is returned as too long (its first bytes
 * kept for the error report) and the rest of it skipped; in CSV mode the reader then starts afresh at the next line
 * break, so an unbalanced quote cannot swallow the rest of the file. A trailing {@code \r} is dropped, and so is a
 * UTF-8 byte order mark at the very start.
 */
public final class RecordReader {
  /** One row: {@code line} is the 1-based line it starts on; {@code text} is the whole row unless too long. */
  public record Row(long line, String text, boolean tooLong, boolean invalidUtf8) {
    public boolean isBlank() {
      return !tooLong && text.isBlank();
    }
  }

  private final InputStream in;
  private final int maxBytes;
  private final boolean csvQuotes;
  private final byte[] buffer = new byte[64 * 1024];
  private int position;
  private int limit;
  private boolean eof;
  private boolean atStart = true;
  private long nextLine = 1;
  private byte[] row = new byte[256];
  private int rowLength;

  public RecordReader(InputStream in, int maxBytes, boolean csvQuotes) {
    this.in = in;
    this.maxBytes = maxBytes;
    this.csvQuotes = csvQuotes;
  }

  /** The next row, or null at the end of the stream. */
  public Row next() throws IOException {
    if (atStart) {
      atStart = false;
      skipByteOrderMark();
    }
    long line = nextLine;
    rowLength = 0;
    boolean inQuotes = false;
    boolean tooLong = false;
    boolean any = false;
    while (true) {
      int b = read();
      if (b < 0) {
        if (!any) {
          return null;
        }
        break;
      }
      any = true;
      if (b == '\n') {
        nextLine++;
        if (!inQuotes || tooLong) {
          break;
        }
      } else if (b == '"' && csvQuotes && !tooLong) {
        inQuotes = !inQuotes;
      }
      if (tooLong) {
        continue;
      }
      if (rowLength == maxBytes) {
        tooLong = true;
        continue;
      }
      append((byte) b);
    }
    if (!tooLong && rowLength > 0 && row[rowLength - 1] == '\r') {
      rowLength--;
    }
    try {
      return new Row(line, strict(row, rowLength), tooLong, false);
    } catch (CharacterCodingException e) {
      return new Row(line, new String(row, 0, rowLength, StandardCharsets.UTF_8), tooLong, true);
    }
  }

  private void append(byte b) {
    if (rowLength == row.length) {
      row = Arrays.copyOf(row, (int) Math.min((long) row.length * 2, maxBytes));
    }
    row[rowLength++] = b;
  }

  private static String strict(byte[] bytes, int length) throws CharacterCodingException {
    CharBuffer chars = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT)
        .decode(ByteBuffer.wrap(bytes, 0, length));
    return chars.toString();
  }

  private void skipByteOrderMark() throws IOException {
    fill();
    if (limit - position >= 3 && (buffer[position] & 0xff) == 0xEF && (buffer[position + 1] & 0xff) == 0xBB
        && (buffer[position + 2] & 0xff) == 0xBF) {
      position += 3;
    }
  }

  private int read() throws IOException {
    if (position == limit) {
      fill();
      if (position == limit) {
        return -1;
      }
    }
    return buffer[position++] & 0xff;
  }

  /** Reads until at least 3 bytes are buffered or the stream ends. */
  private void fill() throws IOException {
    if (eof) {
      return;
    }
    if (position == limit) {
      position = 0;
      limit = 0;
    }
    while (limit - position < 3 && !eof) {
      int n = in.read(buffer, limit, buffer.length - limit);
      if (n < 0) {
        eof = true;
      } else {
        limit += n;
      }
    }
  }
}
