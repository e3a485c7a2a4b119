package dev.shopstream.evaluation;

import dev.shopstream.contract.EventType;
import dev.shopstream.datagen.CsvReader;
import dev.shopstream.datagen.OnlineRetailRows;
import dev.shopstream.model.Interaction;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
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
 * line, via the converter's {@link OnlineRetailRows}) or a CSV of {@code user,item,timestamp[,event_type]}.
 * The sort is stable, so interactions at the same time keep their file order (the lines of one basket).
 */
public final class InteractionLogs {
  private static final Logger LOG = Logger.getLogger(InteractionLogs.class.getName());
  /** Bad CSV rows logged with their line number (all are counted). */
  static final int LOGGED_BAD_ROWS = 5;

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
    try (CsvReader csv = new CsvReader(new InputStreamReader(OnlineRetailRows.open(file), StandardCharsets.UTF_8))) {
      int[] columns = {0, 1, 2, 3};
      List<String> row = csv.next();
      if (row != null && isHeader(row)) {
        columns = columns(row, file);
        row = csv.next();
      }
      for (; row != null; row = csv.next()) {
        if (row.size() == 1 && row.get(0).isBlank()) {
          continue;
        }
        rows++;
        String reason;
        try {
          log.add(parse(row, columns));
          continue;
        } catch (IllegalArgumentException e) {
          reason = e.getMessage();
        }
        long n = skipped.merge(reason, 1L, Long::sum);
        if (n <= LOGGED_BAD_ROWS) {
          LOG.warning(String.format("%s line %d skipped: %s: %s", file, csv.recordLine(), reason, row));
        }
      }
    }
    if (log.isEmpty()) {
      throw new IOException(file + ": no usable row (" + rows + " rows read, skipped: " + skipped + ")");
    }
    return new Loaded(inTimeOrder(log), rows, skipped);
  }

  /** A stable sort by time: the order in which the model must see the log. */
  public static List<UserInteraction> inTimeOrder(List<UserInteraction> log) {
    List<UserInteraction> sorted = new ArrayList<>(log);
    sorted.sort(Comparator.comparing(ui -> ui.interaction().time()));
    return sorted;
  }

  private static boolean isHeader(List<String> row) {
    String first = row.get(0).trim().toLowerCase(Locale.ROOT);
    return first.equals("user") || first.equals("user_id") || row.stream()
        .anyMatch(f -> f.trim().equalsIgnoreCase("timestamp") || f.trim().equalsIgnoreCase("event_time"));
  }

  private static int[] columns(List<String> header, Path file) throws IOException {
    int[] c = {-1, -1, -1, -1};
    for (int i = 0; i < header.size(); i++) {
      switch (header.get(i).trim().toLowerCase(Locale.ROOT)) {
        case "user", "user_id" -> c[0] = i;
        case "item", "item_id", "product_id" -> c[1] = i;
        case "timestamp", "time", "event_time" -> c[2] = i;
        case "event_type", "type" -> c[3] = i;
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
