package dev.shopstream.pipeline.transforms;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.api.services.bigquery.model.TableRow;
import dev.shopstream.contract.DeadLetter;
import dev.shopstream.contract.FieldError;
import dev.shopstream.contract.Json;
import dev.shopstream.contract.MessageEnvelope;
import dev.shopstream.contract.ProductCodec;
import dev.shopstream.contract.Rows;
import dev.shopstream.pipeline.coders.DeadLetterCoder;
import dev.shopstream.pipeline.sink.BigQueryTables;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.ArrayList;
import java.util.Map;
import java.util.Objects;
import org.apache.beam.sdk.io.gcp.bigquery.TableRowJsonCoder;
import org.apache.beam.sdk.io.gcp.pubsub.PubsubMessage;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;

/**
 * Catalog messages (one product as JSON per {@code product-v1.schema.json}) to rows of the contract's
 * {@code products} table ({@link #PRODUCTS}, in the shape of {@link dev.shopstream.contract.Rows}: attributes as
 * JSON text, {@code updated_at} as RFC 3339 UTC) and everything else to dead letters of step {@value #STEP_CATALOG}
 * ({@link #DEAD_LETTERS}) naming every bad field; a message its source could not read (attribute
 * {@value ParseEvents#SOURCE_ERROR_ATTRIBUTE}) is dead-lettered with that reason. Never throws on bad input.
 *
 * <p>Counters (namespace: this class): {@code in}, {@code valid}, {@code dead_lettered}.
 */
public final class ParseProducts extends PTransform<PCollection<PubsubMessage>, PCollectionTuple> {
  public static final TupleTag<TableRow> PRODUCTS = new TupleTag<>() {};
  public static final TupleTag<DeadLetter> DEAD_LETTERS = new TupleTag<>() {};
  public static final String STEP_CATALOG = "catalog";
  static final String SCHEMA_RESOURCE = ProductCodec.SCHEMA_RESOURCE;

  private final Clock clock;

  private ParseProducts(Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  public static ParseProducts create() {
    return new ParseProducts(Clock.systemUTC());
  }

  /** The clock that stamps dead letters (serializable). */
  public ParseProducts withClock(Clock clock) {
    return new ParseProducts(clock);
  }

  @Override
  public PCollectionTuple expand(PCollection<PubsubMessage> messages) {
    PCollectionTuple out = messages.apply("ParseAndValidate",
        ParDo.of(new ParseFn(clock)).withOutputTags(PRODUCTS, TupleTagList.of(DEAD_LETTERS)));
    out.get(PRODUCTS).setCoder(TableRowJsonCoder.of());
    out.get(DEAD_LETTERS).setCoder(DeadLetterCoder.of());
    return out;
  }

  private static final class ParseFn extends DoFn<PubsubMessage, TableRow> {
    private final Counter in = Metrics.counter(ParseProducts.class, "in");
    private final Counter valid = Metrics.counter(ParseProducts.class, "valid");
    private final Counter deadLettered = Metrics.counter(ParseProducts.class, "dead_lettered");
    private final Clock clock;
    private transient ProductCodec codec;

    ParseFn(Clock clock) {
      this.clock = clock;
    }

    @Setup
    public void setup() {
      codec = new ProductCodec(clock);
    }

    @ProcessElement
    public void process(@Element PubsubMessage message, MultiOutputReceiver out) {
      in.inc();
      Map<String, String> attributes = message.getAttributeMap() == null ? Map.of() : message.getAttributeMap();
      String text = new String(message.getPayload() == null ? new byte[0] : message.getPayload(),
          StandardCharsets.UTF_8);
      String sourceError = attributes.get(MessageEnvelope.SOURCE_ERROR);
      if (sourceError != null) {
        deadLetter(out, null, text, attributes, new FieldError(FieldError.ROOT, sourceError).toString());
        return;
      }
      List<FieldError> parseErrors = new ArrayList<>();
      JsonNode node = Json.parseRecord(text, parseErrors);
      if (node == null) {
        deadLetter(out, null, text, attributes, FieldError.summary(parseErrors));
        return;
      }
      ProductCodec.Decoded decoded = codec.decode(node); // the upload function's validator, the same code
      if (!decoded.isValid()) {
        String id = node.path(ProductCodec.PRODUCT_ID).isTextual() ? node.get(ProductCodec.PRODUCT_ID).textValue()
            : null;
        deadLetter(out, id, text, attributes, decoded.errorSummary());
        return;
      }
      out.get(PRODUCTS).output(BigQueryTables.tableRow(Rows.product(decoded.product())));
      valid.inc();
    }

    private void deadLetter(MultiOutputReceiver out, String id, String payload, Map<String, String> attributes,
        String error) {
      out.get(DEAD_LETTERS).output(new DeadLetter(id, payload, attributes, error, STEP_CATALOG, clock.instant()));
      deadLettered.inc();
    }
  }
}
