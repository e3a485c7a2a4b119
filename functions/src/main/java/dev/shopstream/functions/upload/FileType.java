package dev.shopstream.functions.upload;

import java.util.Locale;
import java.util.Optional;

/** What an uploaded object holds, from its name: the kind (by prefix), the format and compression (by extension). */
public record FileType(Kind kind, Format format, boolean gzip) {
  /** The object prefixes the function acts on. */
  public enum Kind {
    EVENTS("events/"), CATALOG("catalog/");

    private final String prefix;

    Kind(String prefix) {
      this.prefix = prefix;
    }

    public String prefix() {
      return prefix;
    }

    public String wireName() {
      return name().toLowerCase(Locale.ROOT);
    }

    static Optional<Kind> of(String objectName) {
      for (Kind k : values()) {
        if (objectName.startsWith(k.prefix)) {
          return Optional.of(k);
        }
      }
      return Optional.empty();
    }
  }

  /** Row formats: JSON Lines ({@code .jsonl}, {@code .ndjson}) and RFC 4180 CSV with a header ({@code .csv}). */
  public enum Format {
    JSONL, CSV;

    public String wireName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** The supported extensions, as stated in reports. */
  public static final String SUPPORTED = ".jsonl, .ndjson or .csv, each optionally followed by .gz";

  /** The format of an object of kind {@code kind}; empty when the extension is not supported. */
  static Optional<FileType> of(Kind kind, String objectName) {
    String name = objectName.toLowerCase(Locale.ROOT);
    boolean gzip = name.endsWith(".gz");
    if (gzip) {
      name = name.substring(0, name.length() - 3);
    }
    Format format = name.endsWith(".jsonl") || name.endsWith(".ndjson") ? Format.JSONL
        : name.endsWith(".csv") ? Format.CSV : null;
    return format == null ? Optional.empty() : Optional.of(new FileType(kind, format, gzip));
  }
}
