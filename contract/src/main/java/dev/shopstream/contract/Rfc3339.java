package dev.shopstream.contract;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/**
 * RFC 3339 date-times as the contract takes them: {@link DateTimeFormatter#ISO_OFFSET_DATE_TIME} (strict), with a
 * four-digit year from 0001. The common shape, {@code 2026-11-22T10:15:30[.123456789](Z|+01:00)}, is parsed by hand
 * (every event carries one, and the formatter's general parser was about 5 % of the pipeline's CPU per event); every
 * other string goes to the formatter, so what is accepted and what it means is exactly the formatter's
 * ({@code Rfc3339Test} compares the two on valid and broken strings).
 */
public final class Rfc3339 {
  private Rfc3339() {}

  /** The date-time, or null when {@code s} is not one. */
  public static OffsetDateTime parse(String s) {
    if (s.length() < 5 || !digits(s, 0, 4) || s.charAt(4) != '-' || s.startsWith("0000")) {
      return null;
    }
    OffsetDateTime fast = fastPath(s);
    if (fast != null) {
      return fast;
    }
    try {
      return OffsetDateTime.parse(s, DateTimeFormatter.ISO_OFFSET_DATE_TIME);
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  /** {@code yyyy-MM-ddTHH:mm:ss[.f{1,9}](Z|±HH:MM)} with valid fields; null for anything else (the caller falls back). */
  private static OffsetDateTime fastPath(String s) {
    int n = s.length();
    if (n < 20 || s.charAt(7) != '-' || s.charAt(10) != 'T' || s.charAt(13) != ':' || s.charAt(16) != ':'
        || !digits(s, 5, 7) || !digits(s, 8, 10) || !digits(s, 11, 13) || !digits(s, 14, 16) || !digits(s, 17, 19)) {
      return null;
    }
    int year = number(s, 0, 4);
    int month = number(s, 5, 7);
    int day = number(s, 8, 10);
    int hour = number(s, 11, 13);
    int minute = number(s, 14, 16);
    int second = number(s, 17, 19);
    int i = 19;
    int nano = 0;
    if (s.charAt(i) == '.') {
      int start = ++i;
      while (i < n && i - start < 9 && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
        nano = nano * 10 + (s.charAt(i) - '0');
        i++;
      }
      int count = i - start;
      if (count == 0 || i < n && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
        return null;
      }
      for (int k = count; k < 9; k++) {
        nano *= 10;
      }
    }
    ZoneOffset offset;
    if (i == n - 1 && s.charAt(i) == 'Z') {
      offset = ZoneOffset.UTC;
    } else if (i == n - 6 && (s.charAt(i) == '+' || s.charAt(i) == '-') && digits(s, i + 1, i + 3)
        && s.charAt(i + 3) == ':' && digits(s, i + 4, i + 6)) {
      int oh = number(s, i + 1, i + 3);
      int om = number(s, i + 4, i + 6);
      if (oh > 18 || om > 59 || oh == 18 && om > 0) {
        return null;
      }
      int sign = s.charAt(i) == '-' ? -1 : 1;
      offset = ZoneOffset.ofTotalSeconds(sign * (oh * 3600 + om * 60));
    } else {
      return null;
    }
    if (month < 1 || month > 12 || day < 1 || day > java.time.YearMonth.of(year, month).lengthOfMonth()
        || hour > 23 || minute > 59 || second > 59) {
      return null;
    }
    return OffsetDateTime.of(year, month, day, hour, minute, second, nano, offset);
  }

  private static boolean digits(String s, int from, int to) {
    if (to > s.length()) {
      return false;
    }
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
    }
    return true;
  }

  private static int number(String s, int from, int to) {
    int v = 0;
    for (int i = from; i < to; i++) {
      v = v * 10 + (s.charAt(i) - '0');
    }
    return v;
  }
}
