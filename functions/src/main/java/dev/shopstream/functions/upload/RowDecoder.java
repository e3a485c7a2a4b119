package dev.shopstream.functions.upload;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
import com.google.pubsub.v1.PubsubMessage;
import dev.shopstream.contract.EventCodec;
import dev.shopstream.contract.EventIds;
import dev.shopstream.contract.FieldError;
import dev.shopstream.contract.MessageEnvelope;
import dev.shopstream.contract.Product;
import dev.shopstream.contract.ProductCodec;
import dev.shopstream.contract.rows.RowParser;
import dev.shopstream.functions.EventMessages;
import dev.shopstream.functions.UserIdPseudonymizer;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns the rows of one uploaded object into Pub/Sub messages, or into the errors naming each bad field. The rows are
 * read by the contract's {@link RowParser} (shared with the pipeline's backfill): rows of events without
 * {@code event_id} get {@link RowParser#rowId} (bucket, name, line and a digest of the row, not the generation: the
 * same content uploaded again gets the same ids); catalog rows without
 * {@code updated_at} get the object's creation time. Both are stable across redeliveries and retries.
 */
abstract class RowDecoder {
  /** One decoded row: a message to publish, or the errors (never both). */
  record Decoded(PubsubMessage message, List<FieldError> errors) {
    boolean isValid() {
      return message != null;
    }

    String reason() {
      return String.join("; ", errors.stream().map(FieldError::toString).toList());
    }

    static Decoded invalid(String reason) {
      return new Decoded(null, List.of(new FieldError(FieldError.ROOT, reason)));
    }
  }

  /** The file cannot be read as a whole (e.g. a CSV without a valid header). */
  static final class BadFileException extends Exception {
    BadFileException(String message) {
      super(message);
    }
  }

  private final RowParser parser;
  private final boolean csv;

  private RowDecoder(FileType type, RowParser parser) {
    this.parser = parser;
    this.csv = type.format() == FileType.Format.CSV;
  }

  static RowDecoder forFile(FileType type, UploadedObject object, String defaultUpdatedAt, Clock clock,
      UserIdPseudonymizer pseudonymizer) {
    RowParser.Format format = RowParser.Format.valueOf(type.format().name());
    return type.kind() == FileType.Kind.EVENTS
        ? new Events(type, RowParser.events(format, object.bucket(), object.name()), clock, pseudonymizer)
        : new Catalog(type, RowParser.catalog(format, defaultUpdatedAt), clock);
  }

  /** Whether the first non-blank row is a header (CSV). */
  boolean expectsHeader() {
    return parser.expectsHeader();
  }

  /** Reads the CSV header: known column names, each at most once, including the required ones. */
  void header(String text) throws BadFileException {
    try {
      parser.header(text);
    } catch (RowParser.BadFileException e) {
      throw new BadFileException(e.getMessage());
    }
  }

  Decoded decode(long line, String text) {
    RowParser.Parsed parsed = parser.parse(line, text);
    return parsed.isValid() ? decodeNode(parsed.record(), csv, parsed.derivation())
        : new Decoded(null, parsed.errors());
  }

  abstract Decoded decodeNode(JsonNode node, boolean fromCsv, EventIds.Derivation derivation);

  private static final class Events extends RowDecoder {
    private final EventCodec codec;
    private final UserIdPseudonymizer pseudonymizer;

    Events(FileType type, RowParser parser, Clock clock, UserIdPseudonymizer pseudonymizer) {
      super(type, parser);
      this.codec = new EventCodec(clock);
      this.pseudonymizer = pseudonymizer;
    }

    @Override
    Decoded decodeNode(JsonNode node, boolean fromCsv, EventIds.Derivation derivation) {
      EventCodec.Decoded d = codec.decodeAtEdge(node, derivation, pseudonymizer::pseudonym);
      if (d.isValid()) {
        return new Decoded(EventMessages.of(d.event()), List.of());
      }
      if (!fromCsv) {
        return new Decoded(null, d.errors());
      }
      // A CSV row has one product; name its columns, not the JSON path.
      List<FieldError> errors = new ArrayList<>();
      for (FieldError e : d.errors()) {
        String line = EventCodec.PRODUCTS + "[0].";
        String field = e.field().startsWith(line) ? e.field().substring(line.length())
            : e.field().equals(EventCodec.PRODUCTS) ? EventCodec.PRODUCT_ID : e.field();
        errors.add(new FieldError(field, e.reason()));
      }
      return new Decoded(null, errors);
    }
  }

  private static final class Catalog extends RowDecoder {
    private final ProductCodec codec;

    Catalog(FileType type, RowParser parser, Clock clock) {
      super(type, parser);
      this.codec = new ProductCodec(clock);
    }

    @Override
    Decoded decodeNode(JsonNode node, boolean fromCsv, EventIds.Derivation derivation) {
      ProductCodec.Decoded d = codec.decode(node);
      if (!d.isValid()) {
        return new Decoded(null, d.errors());
      }
      Product p = d.product();
      return new Decoded(PubsubMessage.newBuilder()
          .setData(ByteString.copyFromUtf8(ProductCodec.encode(p)))
          .putAllAttributes(MessageEnvelope.productAttributes(p))
          .build(), List.of());
    }
  }
}
