package dev.shopstream.contract.rows;

import java.util.ArrayList;
import java.util.List;

/** RFC 4180 fields of one CSV record (comma separated, optionally double-quoted, {@code ""} for a quote). */
public final class Csv {
  private Csv() {}

  /** A record that is not valid RFC 4180. */
  public static final class MalformedRecordException extends Exception {
    MalformedRecordException(String message) {
      super(message);
    }
  }

  public static List<String> fields(String record) throws MalformedRecordException {
    List<String> fields = new ArrayList<>();
    StringBuilder field = new StringBuilder();
    int i = 0;
    int n = record.length();
    while (true) {
      int column = fields.size() + 1;
      field.setLength(0);
      if (i < n && record.charAt(i) == '"') {
        i++;
        while (true) {
          if (i >= n) {
            throw new MalformedRecordException("column " + column + ": quoted field is not closed");
          }
          char c = record.charAt(i++);
          if (c == '"') {
            if (i < n && record.charAt(i) == '"') {
              field.append('"');
              i++;
            } else {
              break;
            }
          } else {
            field.append(c);
          }
        }
        if (i < n && record.charAt(i) != ',') {
          throw new MalformedRecordException("column " + column + ": a closing quote must be followed by a comma");
        }
      } else {
        while (i < n && record.charAt(i) != ',') {
          char c = record.charAt(i++);
          if (c == '"') {
            throw new MalformedRecordException("column " + column + ": a quote inside an unquoted field");
          }
          field.append(c);
        }
      }
      fields.add(field.toString());
      if (i >= n) {
        return fields;
      }
      i++; // the comma
    }
  }
}
