package dev.shopstream.pipeline.transforms;

import dev.shopstream.contract.DeadLetter;
import dev.shopstream.contract.Event;
import dev.shopstream.contract.EventCodec;
import dev.shopstream.contract.FieldError;
import dev.shopstream.contract.MessageEnvelope;
import dev.shopstream.pipeline.coders.DeadLetterCoder;
import dev.shopstream.pipeline.coders.EventCoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
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
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Turns Pub/Sub messages whose payload is a contract v1 event (UTF-8 JSON) into {@link Event}s ({@link #EVENTS}),
 * and everything else into {@link DeadLetter}s ({@link #DEAD_LETTERS}) that keep the original payload and
 * attributes and name each bad field: step {@value #STEP_PARSE} when the payload is not UTF-8 JSON, step
 * {@value #STEP_VALIDATE} when it breaks the contract. A message that its source could not read as a record (a
 * backfill file's bad row, see {@link ReadFileRows}) carries the reason in {@value #SOURCE_ERROR_ATTRIBUTE} and is
 * dead-lettered at step {@value #STEP_PARSE} with it. A message whose {@code schema_version} attribute names a
 * version other than the current one is dead-lettered at step {@value #STEP_PARSE} with
 * {@link MessageEnvelope#unsupportedVersion the reason}; one without the attribute is read as the current version.
 * Never throws on bad input.
 *
 * <p>Counters (namespace: this class): {@code in}, {@code valid}, {@code dead_lettered}; {@code in} is always
 * {@code valid + dead_lettered}.
 */
public final class ParseEvents extends PTransform<PCollection<PubsubMessage>, PCollectionTuple> {
  public static final TupleTag<Event> EVENTS = new TupleTag<>() {};
  public static final TupleTag<DeadLetter> DEAD_LETTERS = new TupleTag<>() {};

  public static final String STEP_PARSE = EventCodec.STEP_PARSE;
  public static final String STEP_VALIDATE = EventCodec.STEP_VALIDATE;
  /** Attribute of a message whose source could not read it: the reason; the payload is the raw text. */
  public static final String SOURCE_ERROR_ATTRIBUTE = MessageEnvelope.SOURCE_ERROR;

  private final Clock clock;
  private final @Nullable String idAttribute;

  private ParseEvents(Clock clock, @Nullable String idAttribute) {
    this.clock = Objects.requireNonNull(clock, "clock");
    this.idAttribute = idAttribute;
  }

  /** Validates against the system clock (UTC); dead letters carry its time. */
  public static ParseEvents create() {
    return new ParseEvents(Clock.systemUTC(), null);
  }

  /** The clock that {@code event_time} is checked against and that stamps dead letters (serializable). */
  public ParseEvents withClock(Clock clock) {
    return new ParseEvents(clock, idAttribute);
  }

  /**
   * The message attribute that carries the event id: a dead letter whose payload has no readable
   * {@code event_id} takes its id from there.
   */
  public ParseEvents withIdAttribute(String attribute) {
    return new ParseEvents(clock, Objects.requireNonNull(attribute, "attribute"));
  }

  @Override
  public PCollectionTuple expand(PCollection<PubsubMessage> messages) {
    PCollectionTuple out = messages.apply("ParseAndValidate",
        ParDo.of(new ParseFn(clock, idAttribute)).withOutputTags(EVENTS, TupleTagList.of(DEAD_LETTERS)));
    out.get(EVENTS).setCoder(EventCoder.of());
    out.get(DEAD_LETTERS).setCoder(DeadLetterCoder.of());
    return out;
  }

  private static final class ParseFn extends DoFn<PubsubMessage, Event> {
    private final Counter in = Metrics.counter(ParseEvents.class, "in");
    private final Counter valid = Metrics.counter(ParseEvents.class, "valid");
    private final Counter deadLettered = Metrics.counter(ParseEvents.class, "dead_lettered");

    private final Clock clock;
    private final @Nullable String idAttribute;
    private transient EventCodec codec;

    ParseFn(Clock clock, @Nullable String idAttribute) {
      this.clock = clock;
      this.idAttribute = idAttribute;
    }

    @Setup
    public void setup() {
      codec = new EventCodec(clock);
    }

    @ProcessElement
    public void process(@Element PubsubMessage message, MultiOutputReceiver out) {
      in.inc();
      Map<String, String> attributes = message.getAttributeMap() == null ? Map.of() : message.getAttributeMap();
      byte[] payload = message.getPayload() == null ? new byte[0] : message.getPayload();
      String text = new String(payload, StandardCharsets.UTF_8); // malformed bytes become U+FFFD
      String sourceError = attributes.get(SOURCE_ERROR_ATTRIBUTE);
      if (sourceError != null) {
        deadLetter(out, null, text, attributes, STEP_PARSE, rootError(sourceError));
        return;
      }
      Optional<String> unsupported = MessageEnvelope.unsupportedVersion(attributes);
      if (unsupported.isPresent()) { // a version this code cannot read: kept whole, never guessed at
        deadLetter(out, null, text, attributes, STEP_PARSE, unsupported.get());
        return;
      }
      EventCodec.Payload decoded = codec.decodePayload(payload); // the edge's validator, the same code
      if (!decoded.isValid()) {
        deadLetter(out, decoded.eventId(), text, attributes, decoded.step(), decoded.reason());
        return;
      }
      out.get(EVENTS).output(decoded.event());
      valid.inc();
    }

    private void deadLetter(MultiOutputReceiver out, @Nullable String eventId, String payload,
        Map<String, String> attributes, String step, String error) {
      String id = eventId != null ? eventId : idFromAttributes(attributes);
      out.get(DEAD_LETTERS).output(new DeadLetter(id, payload, attributes, error, step, clock.instant()));
      deadLettered.inc();
    }

    private @Nullable String idFromAttributes(Map<String, String> attributes) {
      return idAttribute == null ? null : attributes.get(idAttribute);
    }

    private static String rootError(String reason) {
      return new FieldError(FieldError.ROOT, reason).toString();
    }
  }

  /** Offset of the first byte that is not well-formed UTF-8, or -1 when all of them are. */
  static int malformedUtf8Offset(byte[] bytes) {
    return EventCodec.malformedUtf8Offset(bytes);
  }
}
