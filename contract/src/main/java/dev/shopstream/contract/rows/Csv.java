package dev.shopstream.contract.rows;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.List;
import org.apache.commons.csv.CSVException;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * The project's one CSV reading and writing: RFC 4180 (comma separated, optionally double-quoted, {@code ""} for a
 * quote), split and written by commons-csv. {@link RecordReader} frames the records (with its size limits); this
 * class splits one record into its fields, strictly: an unclosed quote, anything but a comma after a closing quote,
 * a quote inside an unquoted field and a line break outside quotes are errors naming the column.
 */
public final class Csv {
  private Csv() {}

  /** RFC 4180; the first record only (the rest of the text is checked by {@link #irregularity}). */
  private static final CSVFormat STRICT = CSVFormat.RFC4180.builder().setLenientEof(false).setTrailingData(false)
      .setMaxRows(1).get();
  /** Only to tell which error {@link #STRICT} found: an unclosed quote is all that this one forgives. */
  private static final CSVFormat UNCLOSED_ALLOWED = STRICT.builder().setLenientEof(true).get();
  /** Only to find the column of a record {@link #STRICT} refuses: reads every field whatever its quotes. */
  private static final CSVFormat LENIENT = UNCLOSED_ALLOWED.builder().setTrailingData(true).get();
  /** Writing: quotes only the fields that need it. */
  private static final CSVFormat WRITE = CSVFormat.RFC4180.builder().setRecordSeparator("").get();

  /** A record that is not valid RFC 4180. */
  public static final class MalformedRecordException extends Exception {
    MalformedRecordException(String message) {
      super(message);
    }
  }

  /** The fields of one record (which may hold line breaks inside quotes); an empty record is one empty field. */
  public static List<String> fields(String record) throws MalformedRecordException {
    List<String> fields;
    try {
      fields = firstRecord(STRICT, record);
    } catch (CSVException e) {
      throw malformed(record);
    }
    Irregularity irregular = irregularity(record, fields);
    if (irregular != null) {
      throw irregular.exception("is not RFC 4180");
    }
    return fields;
  }

  /** One record as RFC 4180 text, without a line break: a field is quoted only when it has to be. */
  public static String line(List<String> values) {
    return WRITE.format(values.toArray());
  }

  private static List<String> firstRecord(CSVFormat format, String record) throws CSVException {
    try (CSVParser parser = CSVParser.parse(record, format)) {
      Iterator<CSVRecord> records = parser.iterator();
      return records.hasNext() ? records.next().toList() : List.of("");
    } catch (UncheckedIOException e) {
      if (e.getCause() instanceof CSVException csv) {
        throw csv;
      }
      throw e;
    } catch (CSVException e) {
      throw e;
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a String cannot fail to be read
    }
  }

  /** The error of a record that commons-csv refused, at the column that a lenient reading of it shows. */
  private static MalformedRecordException malformed(String record) {
    String reason;
    try {
      firstRecord(UNCLOSED_ALLOWED, record);
      reason = "quoted field is not closed";
    } catch (CSVException e) {
      reason = "a closing quote must be followed by a comma";
    }
    try {
      List<String> lenient = firstRecord(LENIENT, record);
      Irregularity irregular = irregularity(record, lenient);
      return irregular != null ? irregular.exception(reason) : new Irregularity(lenient.size(), null).exception(reason);
    } catch (CSVException e) {
      return new MalformedRecordException(reason);
    }
  }

  /** The 1-based column of a field that is not RFC 4180; no reason when its text is not its value quoted. */
  private record Irregularity(int column, String reason) {
    MalformedRecordException exception(String otherwise) {
      return new MalformedRecordException("column " + column + ": " + (reason != null ? reason : otherwise));
    }
  }

  /**
   * Lays the fields back on the record, to find what commons-csv reads but RFC 4180 forbids: a quote inside an
   * unquoted field, white space or a line break after a field (commons-csv skips white space after a closing quote
   * and ends a record at a lone carriage return). The first such column, or null.
   */
  private static Irregularity irregularity(String record, List<String> fields) {
    int at = 0;
    for (int i = 0; i < fields.size(); i++) {
      String value = fields.get(i);
      boolean quoted = at < record.length() && record.charAt(at) == '"';
      if (!quoted && value.indexOf('"') >= 0) {
        return new Irregularity(i + 1, "a quote inside an unquoted field");
      }
      String text = quoted ? '"' + value.replace("\"", "\"\"") + '"' : value;
      if (!record.startsWith(text, at)) {
        return new Irregularity(i + 1, null);
      }
      at += text.length();
      if (at < record.length() && record.charAt(at) != ',') {
        return new Irregularity(i + 1,
            quoted ? "a closing quote must be followed by a comma" : "a line break outside quotes");
      }
      at++;
    }
    return null;
  }
}
