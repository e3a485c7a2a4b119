package dev.shopstream.functions.upload;

import dev.shopstream.contract.rows.RowParser;
import java.util.Locale;
import java.util.Optional;

/** What an uploaded object holds, from its name: the kind (by prefix), the format and compression (by extension). */
public record FileType(Kind kind, Format format, boolean gzip) {
  /** The object prefixes the function acts on. */
  public enum Kind {
    EVENTS(RowParser.EVENTS_FOLDER + "/"), CATALOG(RowParser.CATALOG_FOLDER + "/");

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
  public static final String SUPPORTED = RowParser.Format.SUPPORTED;

  /** The format of an object of kind {@code kind}; empty when the extension is not supported. */
  static Optional<FileType> of(Kind kind, String objectName) {
    return RowParser.Format.ofFileName(objectName)
        .map(f -> new FileType(kind, Format.valueOf(f.name()), RowParser.Format.isGzip(objectName)));
  }
}
