package dev.shopstream.pipeline.coders;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.NullableCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.coders.VarLongCoder;

/** The field encodings the contract coders share; every one is deterministic. */
final class Codings {
  static final Coder<String> STRING = StringUtf8Coder.of();
  static final Coder<String> NULLABLE_STRING = NullableCoder.of(STRING);
  static final Coder<Long> VAR_LONG = VarLongCoder.of();
  static final Coder<Integer> VAR_INT = VarIntCoder.of();

  private Codings() {}

  static void writeInstant(Instant instant, OutputStream out) throws IOException {
    VAR_LONG.encode(instant.getEpochSecond(), out);
    VAR_INT.encode(instant.getNano(), out);
  }

  static Instant readInstant(InputStream in) throws IOException {
    return Instant.ofEpochSecond(VAR_LONG.decode(in), VAR_INT.decode(in));
  }

  /** Entries sorted by key, so equal maps encode to equal bytes whatever their iteration order. */
  static void writeStringMap(Map<String, String> map, OutputStream out) throws IOException {
    VAR_INT.encode(map.size(), out);
    for (Map.Entry<String, String> e : new TreeMap<>(map).entrySet()) {
      STRING.encode(e.getKey(), out);
      STRING.encode(e.getValue(), out);
    }
  }

  static Map<String, String> readStringMap(InputStream in) throws IOException {
    int size = VAR_INT.decode(in);
    Map<String, String> map = new LinkedHashMap<>();
    for (int i = 0; i < size; i++) {
      map.put(STRING.decode(in), STRING.decode(in));
    }
    return map;
  }
}
