package dev.shopstream.evaluation;

import dev.shopstream.contract.EventCodec;
import dev.shopstream.contract.EventType;
import dev.shopstream.contract.rows.Csv;
import dev.shopstream.contract.rows.OnlineRetailRows;
import dev.shopstream.contract.rows.RecordReader;
import dev.shopstream.model.Interaction;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.logging.Logger;

/**
 * Reads interaction logs into the time order the model replays: the Online Retail file (one purchase per usable
 * line, via the contract's {@link OnlineRetailRows}, the converter's reading) or a CSV of {@code user,item,timestamp[,event_type]}.
 * The sort is stable, so interactions at the same time keep their file order (the lines of one basket).
 */
public final class InteractionLogs {
  private static final Logger LOG = Logger.getLogger(InteractionLogs.class.getName());
  /** Bad CSV rows logged with their line number (all are counted). */
  static final int LOGGED_BAD_ROWS = 5;
  /** A CSV record longer than this is skipped as malformed. */
  static final int MAX_RECORD_BYTES = 1 << 20;

  /** A log in time order, the rows read and the rows left out by reason. */
  public record Loaded(List<UserInteraction> log, long rowsRead, Map<String, Long> skipped) {}

  private InteractionLogs() {}

  /** The Online Retail log: each usable line is a purchase of its stock code by its customer at its invoice time. */
  public static Loaded onlineRetail(Path file) throws IOException {
    List<UserInteraction> log = new ArrayList<>();
    OnlineRetailRows.Summary summary = OnlineRetailRows.read(file, row -> log.add(new UserInteraction(
        row.customer(), new Interaction(row.stockCode(), EventType.PURCHASE, row.time()))), rows -> {
          if (rows % 100_000 == 0) {
            LOG.info(String.format("%s: %,d rows read", file, rows));
          }
        });
    return new Loaded(inTimeOrder(log), summary.rowsRead(), summary.dropped());
  }

  /**
   * A CSV of {@code user,item,timestamp[,event_type]} (gzip or plain, RFC 4180). A header row is optional; when
   * the first row names its columns ({@code user}/{@code user_id}, {@code item}/{@code item_id}/{@code product_id},
   * {@code timestamp}/{@code time}/{@code event_time}, {@code event_type}/{@code type}) they may come in any order.
   * A timestamp is ISO-8601 ({@code 2024-05-01T10:00:00Z}, or without offset: UTC), or epoch seconds, or epoch
   * milliseconds (13 digits or more). The event type is a contract wire name (view, add_to_cart, purchase, ...);
   * without the column every row is a purchase. Rows with a missing field, a bad time or an unknown type are
   * skipped and counted by reason (the first few are logged with their line); a file with no usable row fails.
   */
  public static Loaded csv(Path file) throws IOException {
    Map<String, Long> skipped = new LinkedHashMap<>();
    List<UserInteraction> log = new ArrayList<>();
    long rows = 0;
    try (InputStream in = OnlineRetailRows.open(file)) {
      RecordReader records = new RecordReader(in, MAX_RECORD_BYTES, true);
      int[] columns = {0, 1, 2, 3};
      RecordReader.Row record = records.next();
      if (record != null) {
        List<String> first = fields(record);
        if (first != null && isHeader(first)) {
          columns = columns(first, file);
          record = records.next();
        }
      }
      for (; record != null; record = records.next()) {
        if (record.isBlank()) {
          continue;
        }
        rows++;
        String reason;
        List<String> row = fields(record);
        if (row == null) {
          reason = "malformed CSV record";
        } else {
          try {
            log.add(parse(row, columns));
            continue;
          } catch (IllegalArgumentException e) {
            reason = e.getMessage();
          }
        }
        long n = skipped.merge(reason, 1L, Long::sum);
        if (n <= LOGGED_BAD_ROWS) {
          LOG.warning(String.format("%s line %d skipped: %s: %s", file, record.line(), reason,
              row == null ? abbreviate(record.text()) : row));
        }
      }
    }
    if (log.isEmpty()) {
      throw new IOException(file + ": no usable row (" + rows + " rows read, skipped: " + skipped + ")");
    }
    return new Loaded(inTimeOrder(log), rows, skipped);
  }

  /** The record's fields (contract CSV, RFC 4180), or null when it is too long, not UTF-8 or not RFC 4180. */
  private static List<String> fields(RecordReader.Row record) {
    if (record.tooLong() || record.invalidUtf8()) {
      return null;
    }
    try {
      return Csv.fields(record.text());
    } catch (Csv.MalformedRecordException e) {
      return null;
    }
  }

  private static String abbreviate(String text) {
    return text.length() <= 200 ? text : text.substring(0, 200) + "...";
  }

  /** A stable sort by time: the order in which the model must see the log. */
  public static List<UserInteraction> inTimeOrder(List<UserInteraction> log) {
    List<UserInteraction> sorted = new ArrayList<>(log);
    sorted.sort(Comparator.comparing(ui -> ui.interaction().time()));
    return sorted;
  }

  private static boolean isHeader(List<String> row) {
    String first = row.get(0).trim().toLowerCase(Locale.ROOT);
    return first.equals("user") || first.equals(EventCodec.USER_ID) || row.stream()
        .anyMatch(f -> f.trim().equalsIgnoreCase("timestamp") || f.trim().equalsIgnoreCase(EventCodec.EVENT_TIME));
  }

  private static int[] columns(List<String> header, Path file) throws IOException {
    int[] c = {-1, -1, -1, -1};
    for (int i = 0; i < header.size(); i++) {
      switch (header.get(i).trim().toLowerCase(Locale.ROOT)) {
        case "user", EventCodec.USER_ID -> c[0] = i;
        case "item", "item_id", EventCodec.PRODUCT_ID -> c[1] = i;
        case "timestamp", "time", EventCodec.EVENT_TIME -> c[2] = i;
        case EventCodec.EVENT_TYPE, "type" -> c[3] = i;
        default -> { }
      }
    }
    String[] names = {"user", "item", "timestamp"};
    for (int i = 0; i < 3; i++) {
      if (c[i] < 0) {
        throw new IOException(file + ": the header has no " + names[i] + " column (header: " + header + ")");
      }
    }
    return c;
  }

  private static UserInteraction parse(List<String> row, int[] c) {
    String user = field(row, c[0]);
    String item = field(row, c[1]);
    String time = field(row, c[2]);
    if (user.isEmpty()) {
      throw new IllegalArgumentException("missing user");
    }
    if (item.isEmpty()) {
      throw new IllegalArgumentException("missing item");
    }
    if (time.isEmpty()) {
      throw new IllegalArgumentException("missing timestamp");
    }
    String type = field(row, c[3]);
    EventType eventType;
    try {
      eventType = type.isEmpty() ? EventType.PURCHASE : EventType.fromWireName(type);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("unknown event_type");
    }
    return new UserInteraction(user, new Interaction(item, eventType, parseTime(time)));
  }

  private static String field(List<String> row, int index) {
    return index < 0 || index >= row.size() ? "" : row.get(index).trim();
  }

  /** ISO-8601 instant, ISO local date-time (UTC), epoch seconds or epoch milliseconds (13+ digits). */
  static Instant parseTime(String text) {
    if (!text.isEmpty() && text.chars().allMatch(Character::isDigit)) {
      try {
        long v = Long.parseLong(text);
        return text.length() >= 13 ? Instant.ofEpochMilli(v) : Instant.ofEpochSecond(v);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("bad timestamp");
      }
    }
    try {
      return Instant.parse(text);
    } catch (DateTimeParseException e) {
      try {
        return LocalDateTime.parse(text.replace(' ', 'T')).toInstant(ZoneOffset.UTC);
      } catch (DateTimeParseException e2) {
        throw new IllegalArgumentException("bad timestamp");
      }
    }
  }
}
