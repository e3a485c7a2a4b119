package dev.shopstream.contract;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * Deterministic event ids: a client that sends no {@code event_id} and retries the same payload gets the same id,
 * so the retry is dropped downstream as a duplicate instead of counted twice.
 */
public final class EventIds {
  private EventIds() {}

  /** {@code "d-"} followed by 32 hex characters of SHA-256 over the canonical form of the event without its id. */
  public static String derive(JsonNode event) {
    JsonNode canonical = canonical(event);
    if (canonical instanceof ObjectNode o) {
      o.remove("event_id");
    }
    return "d-" + sha256Hex(canonical.toString()).substring(0, 32);
  }

  /**
   * How one event that arrived without {@code event_id} gets its id: the one derivation of an event id, applied once
   * by {@link EventCodec#decodeAtEdge}, after pseudonymization. The id is {@code idOfDigest} applied to a digest:
   * <ul>
   *   <li>when the event is published with the user id as sent, the digest of the record as sent
   *       ({@code digestAsSent}: the ingest function's JSON record by {@link #derive}, the upload function's row text
   *       by {@code RowParser.rowDigest});</li>
   *   <li>when a pseudonym replaced the user id, {@link #derive} of the published event's JSON: a digest over the raw
   *       user id would let anyone holding the other columns confirm a guessed user id.</li>
   * </ul>
   * Both are what the functions derived before the derivation had one place, so ids already persisted stay the same.
   */
  public record Derivation(Supplier<String> digestAsSent, UnaryOperator<String> idOfDigest) {
    public Derivation {
      Objects.requireNonNull(digestAsSent, "digestAsSent");
      Objects.requireNonNull(idOfDigest, "idOfDigest");
    }

    /** The ingest function's: {@code d-} and 32 hex characters of SHA-256 over the canonical record. */
    public static Derivation ofRecord(JsonNode record) {
      return new Derivation(() -> derive(record), UnaryOperator.identity());
    }

    /** The id of {@code published}, whose user id was {@code userIdAsSent} in the record. */
    public String idOf(Event published, String userIdAsSent) {
      String digest = published.userId().equals(userIdAsSent) ? digestAsSent.get()
          : derive(EventCodec.toJson(published));
      return idOfDigest.apply(digest);
    }
  }

  /** A stable id from parts (e.g. bucket, object, generation, line): the same parts give the same id. */
  public static String fromParts(String prefix, String... parts) {
    return prefix + sha256Hex(String.join("\u0000", parts)).substring(0, 32);
  }

  /** The same JSON with object members sorted by name at every level. */
  static JsonNode canonical(JsonNode node) {
    if (node.isObject()) {
      ObjectNode sorted = JsonNodeFactory.instance.objectNode();
      List<String> names = new ArrayList<>();
      node.fieldNames().forEachRemaining(names::add);
      Collections.sort(names);
      for (String name : names) {
        sorted.set(name, canonical(node.get(name)));
      }
      return sorted;
    }
    if (node.isArray()) {
      var array = JsonNodeFactory.instance.arrayNode();
      node.forEach(n -> array.add(canonical(n)));
      return array;
    }
    return node;
  }

  static String sha256Hex(String s) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
