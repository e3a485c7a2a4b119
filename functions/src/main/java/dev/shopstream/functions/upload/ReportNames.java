package dev.shopstream.functions.upload;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Where the upload function writes what it made of an object: {@code errors/<object>.summary.json} and
 * {@code errors/<object>.jsonl}. Where those names cannot be used, because the summary's name would exceed Cloud
 * Storage's limit of {@value #MAX_NAME_BYTES} bytes (UTF-8) or the object's name holds a control character (Cloud
 * Storage refuses CR and LF and advises against the rest), both go under {@value #HASHED_PREFIX} and are named by the
 * SHA-256 (hex) of the object's name: bounded, derivable from the name, and the summary carries the name itself.
 */
public final class ReportNames {
  public static final String ERRORS_PREFIX = "errors/";
  public static final String HASHED_PREFIX = ERRORS_PREFIX + "by-name-hash/";
  public static final int MAX_NAME_BYTES = 1024;
  static final String SUMMARY_SUFFIX = ".summary.json";
  static final String REPORT_SUFFIX = ".jsonl";

  private ReportNames() {}

  /** The summary of {@code object}. */
  public static String summary(String object) {
    return base(object) + SUMMARY_SUFFIX;
  }

  /** The report of {@code object}'s rejected rows. */
  public static String errorReport(String object) {
    return base(object) + REPORT_SUFFIX;
  }

  /** Whether {@code object}'s reports are under {@link #HASHED_PREFIX} rather than beside its natural name. */
  public static boolean hashed(String object) {
    String natural = ERRORS_PREFIX + object + SUMMARY_SUFFIX;
    return natural.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES
        || object.chars().anyMatch(c -> c < 0x20 || (c >= 0x7f && c <= 0x9f));
  }

  private static String base(String object) {
    return hashed(object) ? HASHED_PREFIX + sha256Hex(object) : ERRORS_PREFIX + object;
  }

  static String sha256Hex(String s) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
