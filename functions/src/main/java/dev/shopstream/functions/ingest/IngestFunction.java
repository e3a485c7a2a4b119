package dev.shopstream.functions.ingest;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.api.core.ApiFuture;
import com.google.api.core.ApiFutures;
import com.google.cloud.functions.HttpRequest;
import com.google.cloud.pubsub.v1.PublisherInterface;
import com.google.pubsub.v1.PubsubMessage;
import dev.shopstream.contract.Event;
import dev.shopstream.contract.EventCodec;
import dev.shopstream.contract.EventIds;
import dev.shopstream.contract.EventCodec.Decoded;
import dev.shopstream.contract.FieldError;
import dev.shopstream.contract.Json;
import dev.shopstream.functions.EventMessages;
import dev.shopstream.functions.PubsubPublishers;
import dev.shopstream.functions.Settings;
import dev.shopstream.functions.Readiness;
import dev.shopstream.functions.UserIdPseudonymizer;
import dev.shopstream.functions.http.JsonHttpFunction;
import dev.shopstream.functions.http.JsonReply;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * HTTP ingest: {@code POST} one event or a batch, validate each against the contract, publish the valid ones to
 * Pub/Sub and report the invalid ones per item, so a client resends only what failed.
 *
 * <p>Bodies: {@code application/json} with one event (an object) or an array of events, or
 * {@code application/x-ndjson} with one event per line (blank lines ignored), UTF-8. An event without
 * {@code event_id} gets a deterministic one, so a retried payload keeps its id and is deduplicated downstream.
 * A UTF-8 byte order mark before the body is skipped. With {@code USER_ID_HMAC_KEY} set, each valid event's
 * {@code user_id} is replaced by its {@link UserIdPseudonymizer pseudonym} before publishing (validation sees the
 * raw id; a derived id is derived from the pseudonymized event).
 *
 * <p>Answers (all JSON): 202 when at least one event was valid and every valid event was acknowledged by Pub/Sub;
 * 400 when none was valid; 503 with {@code Retry-After} when any valid event was not acknowledged in time; 413,
 * 415, 405, 401 for requests outside the limits, format, method or key. A {@code rejected} item's {@code index} is
 * the event's position in the batch (for NDJSON: among the non-blank lines), from 0.
 */
public final class IngestFunction extends JsonHttpFunction {
  public static final String SCHEMA_VERSION = EventMessages.SCHEMA_VERSION;
  private static final Logger LOG = Logger.getLogger(IngestFunction.class.getName());

  private final PublisherInterface publisher;
  private final IngestConfig config;
  private final EventCodec codec;
  private final UserIdPseudonymizer pseudonymizer;
  private final Readiness readiness;

  /** For the Functions Framework: configuration from the environment, a real publisher. */
  public IngestFunction() {
    this(Settings.fromEnvironment());
  }

  private IngestFunction(Settings settings) {
    this(PubsubPublishers.eventsPublisherClosedAtExit(settings), IngestConfig.from(settings), Clock.systemUTC(),
        UserIdPseudonymizer.from(settings), Readiness.from(settings));
  }

  public IngestFunction(PublisherInterface publisher, IngestConfig config, Clock clock) {
    this(publisher, config, clock, UserIdPseudonymizer.none());
  }

  /** With {@code pseudonymizer} applied to every valid event before it is published. */
  public IngestFunction(PublisherInterface publisher, IngestConfig config, Clock clock,
      UserIdPseudonymizer pseudonymizer) {
    this(publisher, config, clock, pseudonymizer, Readiness.always());
  }

  /**
   * With {@code readiness}: while it reports a problem (the pipeline behind the topic is not running), every request
   * is answered 503 with {@code Retry-After} and nothing is published, rather than accepted into a dead end.
   */
  public IngestFunction(PublisherInterface publisher, IngestConfig config, Clock clock,
      UserIdPseudonymizer pseudonymizer, Readiness readiness) {
    super(config.access(), List.of("POST"));
    this.publisher = publisher;
    this.config = config;
    this.codec = new EventCodec(clock);
    this.pseudonymizer = Objects.requireNonNull(pseudonymizer, "pseudonymizer");
    this.readiness = Objects.requireNonNull(readiness, "readiness");
  }

  @Override
  protected JsonReply handle(HttpRequest request) throws IOException {
    Optional<String> problem = readiness.problem();
    if (problem.isPresent()) {
      return JsonReply.unavailable(JsonReply.errorBody("pipeline_unavailable", "the pipeline behind ingest is not "
          + "working (" + problem.get() + "); nothing was accepted: send the request again after Retry-After"));
    }
    Optional<BodyFormat> format = BodyFormat.of(request.getContentType().orElse(""));
    if (format.isEmpty()) {
      return JsonReply.error(415, "unsupported_media_type",
          "send UTF-8 application/json (an event or an array of events) or application/x-ndjson (one event per line)");
    }
    if (request.getContentLength() > config.maxBodyBytes()) {
      return bodyTooLarge();
    }
    byte[] body = request.getInputStream().readNBytes(config.maxBodyBytes() + 1);
    if (body.length > config.maxBodyBytes()) {
      return bodyTooLarge();
    }
    String text;
    try {
      text = UTF_8.newDecoder().decode(ByteBuffer.wrap(body)).toString();
    } catch (CharacterCodingException e) {
      return JsonReply.error(400, "invalid_encoding", "the body is not valid UTF-8");
    }
    if (text.startsWith("\uFEFF")) { // a UTF-8 byte order mark: allowed before JSON text (RFC 8259), not part of it
      text = text.substring(1);
    }
    List<Supplier<Decoded>> items = format.get() == BodyFormat.JSON ? jsonItems(text) : ndjsonItems(text);
    if (items.size() > config.maxBatchEvents()) {
      return JsonReply.error(413, "too_many_events",
          "a request may carry at most " + config.maxBatchEvents() + " events, this one has " + items.size());
    }
    List<Event> valid = new ArrayList<>();
    ArrayNode rejected = Json.MAPPER.createArrayNode();
    for (int i = 0; i < items.size(); i++) {
      Decoded decoded = items.get(i).get();
      if (decoded.isValid()) {
        valid.add(decoded.event()); // already pseudonymized when that is on
      } else {
        rejected.add(rejection(i, decoded.errors()));
      }
    }
    if (valid.isEmpty()) {
      String message = items.isEmpty() ? "the request contains no events"
          : items.size() == 1 ? "the event is invalid" : "none of the " + items.size() + " events is valid";
      ObjectNode reply = JsonReply.errorBody("invalid_events", message);
      reply.put("accepted", 0);
      reply.putArray("event_ids");
      reply.set("rejected", rejected);
      return JsonReply.json(400, reply);
    }
    return publish(valid, rejected);
  }

  @Override
  protected String describe(JsonReply reply) {
    ObjectNode body = reply.body();
    if (body == null || !body.has("rejected")) {
      return "";
    }
    String rejected = "rejected=" + body.get("rejected").size();
    if (body.has("unacknowledged_event_ids")) {
      return "acknowledged=" + body.get("acknowledged_event_ids").size()
          + " unacknowledged=" + body.get("unacknowledged_event_ids").size() + " " + rejected;
    }
    return "accepted=" + body.get("accepted").asInt() + " " + rejected;
  }

  /** A JSON body: an array is a batch, anything else one event; syntax errors are one invalid event. */
  private List<Supplier<Decoded>> jsonItems(String text) {
    JsonNode root;
    try {
      root = Json.readUntrusted(text);
    } catch (JsonProcessingException e) {
      return List.of(() -> codec.decode(text)); // the codec words the syntax error
    }
    if (root == null || root.isMissingNode()) {
      return List.of();
    }
    if (!root.isArray()) {
      return List.of(() -> decode(root));
    }
    List<Supplier<Decoded>> items = new ArrayList<>(root.size());
    root.forEach(element -> items.add(() -> decode(element)));
    return items;
  }

  private List<Supplier<Decoded>> ndjsonItems(String text) {
    return text.lines().filter(line -> !line.isBlank())
        .<Supplier<Decoded>>map(line -> () -> decodeLine(line))
        .toList();
  }

  private Decoded decodeLine(String line) {
    try {
      return decode(Json.readUntrusted(line));
    } catch (JsonProcessingException e) {
      return codec.decode(line); // the codec words the syntax error
    }
  }

  /** Validates the event as sent (raw user id), then pseudonymizes the valid one when that is configured. */
  private Decoded decode(JsonNode node) {
    return codec.decodeAtEdge(node, EventIds.Derivation.ofRecord(node), pseudonymizer::pseudonym);
  }

  /**
   * Publishes every valid event, sends them at once (the publisher's batching delay would otherwise be the floor
   * of every request's latency), then waits (up to the publish timeout in all) for each acknowledgement. 202 only
   * when all were acknowledged; otherwise 503 listing which were and were not, and the client resends the batch.
   */
  private JsonReply publish(List<Event> events, ArrayNode rejected) {
    List<ApiFuture<String>> futures = events.stream().map(this::publish).toList();
    PubsubPublishers.publishAllOutstanding(publisher);
    List<String> acknowledged = new ArrayList<>();
    List<String> unacknowledged = new ArrayList<>();
    Throwable firstFailure = null;
    long deadline = System.nanoTime() + config.publishTimeout().toNanos();
    for (int i = 0; i < events.size(); i++) {
      String id = events.get(i).eventId();
      try {
        futures.get(i).get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        acknowledged.add(id);
        continue;
      } catch (ExecutionException e) {
        firstFailure = firstFailure == null ? e.getCause() : firstFailure;
      } catch (TimeoutException e) {
        firstFailure = firstFailure == null ? e : firstFailure;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        firstFailure = firstFailure == null ? e : firstFailure;
      }
      unacknowledged.add(id);
    }
    if (!unacknowledged.isEmpty()) {
      LOG.log(Level.WARNING, "Pub/Sub did not acknowledge " + unacknowledged.size() + " of " + events.size()
          + " events (publish timeout " + config.publishTimeout() + ")", firstFailure);
      ObjectNode body = JsonReply.errorBody("publish_failed", "not every event was acknowledged by Pub/Sub; resend "
          + "the batch later (events are deduplicated by event_id)");
      body.set("acknowledged_event_ids", Json.MAPPER.valueToTree(acknowledged));
      body.set("unacknowledged_event_ids", Json.MAPPER.valueToTree(unacknowledged));
      body.set("rejected", rejected);
      return JsonReply.unavailable(body);
    }
    ObjectNode body = Json.MAPPER.createObjectNode();
    body.put("accepted", acknowledged.size());
    body.set("event_ids", Json.MAPPER.valueToTree(acknowledged));
    body.set("rejected", rejected);
    return JsonReply.json(202, body);
  }

  private ApiFuture<String> publish(Event event) {
    PubsubMessage message = EventMessages.of(event);
    try {
      return publisher.publish(message);
    } catch (RuntimeException e) { // e.g. a publisher shut down: report it like any failed publish
      return ApiFutures.immediateFailedFuture(e);
    }
  }

  private JsonReply bodyTooLarge() {
    return JsonReply.error(413, "body_too_large", "the body may be at most " + config.maxBodyBytes() + " bytes");
  }

  private static ObjectNode rejection(int index, List<FieldError> errors) {
    ObjectNode item = Json.MAPPER.createObjectNode();
    item.put("index", index);
    ArrayNode list = item.putArray("errors");
    for (FieldError e : errors) {
      list.addObject().put("field", e.field()).put("reason", e.reason());
    }
    return item;
  }

  /** The accepted media types; a charset parameter, when given, must be UTF-8. */
  private enum BodyFormat {
    JSON("application/json"), NDJSON("application/x-ndjson");

    private final String mediaType;

    BodyFormat(String mediaType) {
      this.mediaType = mediaType;
    }

    static Optional<BodyFormat> of(String contentType) {
      String[] parts = contentType.toLowerCase(Locale.ROOT).split(";");
      for (int i = 1; i < parts.length; i++) {
        String[] param = parts[i].trim().split("=", 2);
        if (param[0].equals("charset") && (param.length < 2 || !param[1].replace("\"", "").trim().equals("utf-8"))) {
          return Optional.empty();
        }
      }
      String mediaType = parts[0].trim();
      for (BodyFormat f : values()) {
        if (f.mediaType.equals(mediaType)) {
          return Optional.of(f);
        }
      }
      return Optional.empty();
    }
  }
}
