package dev.shopstream.functions.upload;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.atLeastOnce;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.api.core.ApiFutures;
import com.google.cloud.pubsub.v1.PublisherInterface;
import com.google.cloud.storage.BlobId;
import com.google.cloud.storage.BlobInfo;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.contrib.nio.testing.LocalStorageHelper;
import com.google.pubsub.v1.PubsubMessage;
import dev.shopstream.contract.EventCodec;
import dev.shopstream.contract.EventIds;
import dev.shopstream.contract.Json;
import dev.shopstream.functions.EventMessages;
import dev.shopstream.functions.HoldingPublisher;
import io.cloudevents.CloudEvent;
import io.cloudevents.core.builder.CloudEventBuilder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mockito.ArgumentCaptor;

class UploadFunctionTest {
  private static final Instant NOW = Instant.parse("2026-11-20T12:00:00Z");
  private static final String TIME_CREATED = "2026-11-20T09:30:00.123Z";
  private static final AtomicInteger BUCKETS = new AtomicInteger();
  /** The in-memory storage keeps no generations; the events carry this one. */
  private static final long GENERATION = 1763631000123456L;

  /** {@code millis()} advances 1.5 s per call (start and end of a file); {@code instant()} stays at NOW. */
  static final class StepClock extends Clock {
    private long millis = NOW.toEpochMilli();

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return NOW;
    }

    @Override
    public long millis() {
      long m = millis;
      millis += 1500;
      return m - NOW.toEpochMilli() + NOW.toEpochMilli();
    }
  }

  private final Storage storage = LocalStorageHelper.getOptions().getService();
  private final String bucket = "uploads-" + BUCKETS.incrementAndGet();
  private final PublisherInterface events = mock(PublisherInterface.class);
  private final PublisherInterface catalog = mock(PublisherInterface.class);
  private final List<BackfillLauncher.Request> launches = new ArrayList<>();
  private final BackfillLauncher launcher = request -> {
    launches.add(request);
    return new BackfillLauncher.Launch("job", "id", false);
  };

  @BeforeEach
  void pubsubAcknowledgesEverything() {
    AtomicInteger ids = new AtomicInteger();
    when(events.publish(any())).thenAnswer(call -> ApiFutures.immediateFuture("m-" + ids.incrementAndGet()));
    when(catalog.publish(any())).thenAnswer(call -> ApiFutures.immediateFuture("m-" + ids.incrementAndGet()));
  }

  private UploadFunction function(UploadConfig config) {
    return new UploadFunction(storage, events, catalog, launcher, config, new StepClock());
  }

  private UploadFunction function() {
    return function(UploadConfig.defaults());
  }

  /** An uploaded object (the in-memory storage reports neither generation nor size). */
  record Up(String bucket, String name, long size) {}

  private Up upload(String name, byte[] content) {
    storage.create(BlobInfo.newBuilder(bucket, name).build(), content);
    return new Up(bucket, name, content.length);
  }

  private Up upload(String name, String content) {
    return upload(name, content.getBytes(UTF_8));
  }

  private static CloudEvent finalized(Up blob) {
    return finalized(blob.bucket(), blob.name(), GENERATION, blob.size());
  }

  private static CloudEvent finalized(String bucket, String name, long generation, long size) {
    String data = Json.MAPPER.createObjectNode()
        .put("bucket", bucket).put("name", name).put("generation", Long.toString(generation))
        .put("size", Long.toString(size)).put("contentType", "application/octet-stream")
        .put("timeCreated", TIME_CREATED).toString();
    return CloudEventBuilder.v1()
        .withId("evt-1")
        .withSource(URI.create("//storage.googleapis.com/projects/_/buckets/" + bucket))
        .withType(UploadFunction.FINALIZED)
        .withSubject("objects/" + name)
        .withTime(OffsetDateTime.parse("2026-11-20T09:30:01Z"))
        .withData("application/json", data.getBytes(UTF_8))
        .build();
  }

  private static byte[] gzip(String text) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (GZIPOutputStream out = new GZIPOutputStream(bytes)) {
      out.write(text.getBytes(UTF_8));
    }
    return bytes.toByteArray();
  }

  private static List<PubsubMessage> published(PublisherInterface publisher) {
    ArgumentCaptor<PubsubMessage> messages = ArgumentCaptor.forClass(PubsubMessage.class);
    verify(publisher, atLeastOnce()).publish(messages.capture());
    return messages.getAllValues();
  }

  private String read(String name) {
    byte[] content = storage.readAllBytes(BlobId.of(bucket, name));
    return new String(content, UTF_8);
  }

  private boolean exists(String name) {
    return storage.get(BlobId.of(bucket, name)) != null;
  }

  private JsonNode summary(String objectName) throws IOException {
    return Json.MAPPER.readTree(read("errors/" + objectName + ".summary.json"));
  }

  private static JsonNode json(String text) throws IOException {
    return Json.MAPPER.readTree(text);
  }

  private static String view(String eventId, String user, String product) {
    return "{" + (eventId == null ? "" : "\"event_id\":\"" + eventId + "\",")
        + "\"event_type\":\"view\",\"user_id\":\"" + user + "\",\"event_time\":\"2026-11-20T10:00:00Z\","
        + "\"products\":[{\"product_id\":\"" + product + "\",\"price\":9.5}]}";
  }

  /** The id of a JSONL row without one: bucket, name, line and a digest of the row's text (not the generation). */
  private static String derivedId(Up blob, long line, String row) {
    return EventIds.fromParts("r-", blob.bucket(), blob.name(), Long.toString(line), EventIds.fromParts("", row));
  }

  /** The id of a CSV row without one: as for JSONL, the header line being part of the row's text. */
  private static String derivedCsvId(Up blob, long line, String header, String row) {
    return derivedId(blob, line, header + "\n" + row);
  }

  /**
   * Rows go out in the publisher's batches while the window fills; each drain (window full, end of file) sends the
   * last partial batch at once. Here the batching delay never ends, so without that flush the function would wait
   * for its publish timeout and fail.
   */
  @Test
  void eachDrainSendsThePartialBatchInsteadOfWaitingForTheBatchingDelay() throws Exception {
    HoldingPublisher batching = new HoldingPublisher();
    UploadConfig config = new UploadConfig(UploadConfig.DEFAULT_BACKFILL_THRESHOLD_BYTES,
        UploadConfig.DEFAULT_MAX_LINE_BYTES, 1024, UploadConfig.DEFAULT_PROGRESS_EVERY, 2, Duration.ofSeconds(2));
    UploadFunction f = new UploadFunction(storage, batching, catalog, launcher, config, new StepClock());
    Up blob = upload("events/three.jsonl", view("e-1", "u-1", "p-1") + "\n" + view("e-2", "u-2", "p-2") + "\n"
        + view("e-3", "u-3", "p-3") + "\n");

    f.accept(finalized(blob));

    assertThat(summary(blob.name()).path("status").asText()).isEqualTo("succeeded");
    assertThat(summary(blob.name()).path("published").asInt()).isEqualTo(3);
    assertThat(batching.calls).containsExactly("publish", "publish", "flush", "publish", "flush");
    assertThat(batching.sent).extracting(m -> m.getAttributesMap().get("event_id")).containsExactly("e-1", "e-2",
        "e-3");
  }

  @Test
  void jsonlEventsArePublishedInTheIngestMessageShapeAndSummarized() throws Exception {
    String first = view("e-1", "alice", "mug-01");
    String second = view(null, "bob", "tea-02");
    Up blob = upload("events/2026/day.jsonl", first + "\n\n" + second + "\n");

    function().accept(finalized(blob));

    List<PubsubMessage> messages = published(events);
    EventCodec codec = new EventCodec(Clock.fixed(NOW, ZoneOffset.UTC));
    String secondId = derivedId(blob, 3, second); // line 2 is blank
    assertThat(messages).containsExactly(
        EventMessages.of(codec.decode(first).event()),
        EventMessages.of(codec.decode(second.replaceFirst("\\{", "{\"event_id\":\"" + secondId + "\",")).event()));
    assertThat(messages.get(1).getAttributesMap()).containsEntry("event_id", secondId)
        .containsEntry("event_time", "2026-11-20T10:00:00Z").containsEntry("schema_version", "1");
    verify(catalog, never()).publish(any());
    assertThat(summary("events/2026/day.jsonl")).isEqualTo(json("""
        {"bucket":"%s","object":"events/2026/day.jsonl","generation":"%d","kind":"events","format":"jsonl",
         "compression":"none","error_report":null,"raw_max_chars":1024,"status":"succeeded","rows_read":2,
         "published":2,"rejected":0,"bytes":%d,"duration_ms":1500}"""
        .formatted(bucket, GENERATION, blob.size())));
    assertThat(exists("errors/events/2026/day.jsonl.jsonl")).isFalse();
  }

  @Test
  void csvEventsBecomeOneProductPerRowWithQuotedFieldsAndEmptyOptionals() throws Exception {
    String header = "event_id,event_type,user_id,session_id,event_time,product_id,quantity,price,currency,query";
    String third = ",search,bob,,2026-11-20T10:01:00Z,,,,,\"tea, green \"\"sencha\"\"\nloose\"";
    String csv = header + "\r\n" + "e-1,purchase,alice,s-1,2026-11-20T10:00:00Z,mug-01,2,12.5,EUR,\r\n" + third + "\r\n";
    Up blob = upload("events/day.csv", csv);

    function().accept(finalized(blob));

    List<String> data = published(events).stream().map(m -> m.getData().toStringUtf8()).toList();
    assertThat(data).containsExactly(
        "{\"event_id\":\"e-1\",\"event_type\":\"purchase\",\"user_id\":\"alice\",\"session_id\":\"s-1\","
            + "\"event_time\":\"2026-11-20T10:00:00Z\",\"products\":[{\"product_id\":\"mug-01\",\"quantity\":2,"
            + "\"price\":12.5}],\"currency\":\"EUR\"}",
        "{\"event_id\":\"" + derivedCsvId(blob, 3, header, third) + "\",\"event_type\":\"search\",\"user_id\":\"bob\","
            + "\"event_time\":\"2026-11-20T10:01:00Z\",\"query\":\"tea, green \\\"sencha\\\"\\nloose\"}");
    assertThat(summary("events/day.csv").get("status").asText()).isEqualTo("succeeded");
    assertThat(summary("events/day.csv").get("format").asText()).isEqualTo("csv");
  }

  @Test
  void csvColumnsMayComeInAnyOrderAndOptionalOnesMayBeLeftOut() throws Exception {
    Up blob = upload("events/few.csv", "user_id,event_time,event_type,product_id\nalice,2026-11-20T10:00:00Z,view,p-1\n");

    function().accept(finalized(blob));

    assertThat(published(events).get(0).getData().toStringUtf8()).isEqualTo("{\"event_id\":\""
        + derivedCsvId(blob, 2, "user_id,event_time,event_type,product_id", "alice,2026-11-20T10:00:00Z,view,p-1")
        + "\",\"event_type\":\"view\",\"user_id\":\"alice\",\"event_time\":\"2026-11-20T10:00:00Z\","
        + "\"products\":[{\"product_id\":\"p-1\",\"quantity\":1}]}");
  }

  @Test
  void gzipJsonlAndCsvAreDecompressedWhileStreaming() throws Exception {
    Up jsonl = upload("events/a.ndjson.gz", gzip(view("e-1", "alice", "p-1") + "\n" + view("e-2", "bob", "p-2")));
    Up csv = upload("events/b.csv.gz", gzip("event_id,event_type,user_id,event_time,product_id\n"
        + "e-3,view,carol,2026-11-20T10:00:00Z,p-3\n"));

    function().accept(finalized(jsonl));
    function().accept(finalized(csv));

    assertThat(published(events)).extracting(m -> m.getAttributesOrThrow("event_id"))
        .containsExactly("e-1", "e-2", "e-3");
    JsonNode summary = summary("events/a.ndjson.gz");
    assertThat(summary.get("compression").asText()).isEqualTo("gzip");
    assertThat(summary.get("bytes").asLong()).isEqualTo(jsonl.size());
    assertThat(summary.get("published").asLong()).isEqualTo(2);
  }

  @Test
  void catalogJsonlGoesToTheCatalogTopicWithTheUploadTimeAsDefaultUpdatedAt() throws Exception {
    Up blob = upload("catalog/products.jsonl", """
        {"product_id":"mug-01","title":"Mug","category":"home/kitchen/mugs","price":12.5,"currency":"EUR","available":true}
        {"product_id":"tea-02","updated_at":"2026-11-19T08:00:00+01:00","attributes":{"brand":"acme"}}
        """);

    function().accept(finalized(blob));

    List<PubsubMessage> messages = published(catalog);
    verify(events, never()).publish(any());
    assertThat(messages).extracting(m -> m.getData().toStringUtf8()).containsExactly(
        "{\"product_id\":\"mug-01\",\"title\":\"Mug\",\"category\":\"home/kitchen/mugs\",\"price\":12.5,"
            + "\"currency\":\"EUR\",\"available\":true,\"updated_at\":\"2026-11-20T09:30:00.123Z\"}",
        "{\"product_id\":\"tea-02\",\"attributes\":{\"brand\":\"acme\"},\"updated_at\":\"2026-11-19T07:00:00Z\"}");
    assertThat(messages.get(0).getAttributesMap()).containsOnly(
        java.util.Map.entry("product_id", "mug-01"), java.util.Map.entry("updated_at", "2026-11-20T09:30:00.123Z"));
    assertThat(summary("catalog/products.jsonl").get("kind").asText()).isEqualTo("catalog");
  }

  @Test
  void catalogCsvParsesNumbersAndBooleans() throws Exception {
    Up blob = upload("catalog/products.csv", "product_id,title,category,price,currency,available,updated_at\n"
        + "mug-01,\"Mug, blue\",home/mugs,12.50,EUR,FALSE,\n"
        + "tea-02,Tea,,3,,maybe,2026-11-19T08:00:00Z\n");

    function().accept(finalized(blob));

    assertThat(published(catalog)).extracting(m -> m.getData().toStringUtf8()).containsExactly(
        "{\"product_id\":\"mug-01\",\"title\":\"Mug, blue\",\"category\":\"home/mugs\",\"price\":12.5,"
            + "\"currency\":\"EUR\",\"available\":false,\"updated_at\":\"2026-11-20T09:30:00.123Z\"}");
    assertThat(read("errors/catalog/products.csv.jsonl")).isEqualTo("""
        {"line":3,"reason":"available: must be a boolean, was \\"maybe\\"","errors":[{"field":"available","reason":"must be a boolean, was \\"maybe\\""}],"raw":"tea-02,Tea,,3,,maybe,2026-11-19T08:00:00Z","raw_truncated":false}
        """);
  }

  @Test
  void badRowsGoToTheErrorReportAndNeverStopTheFile() throws Exception {
    UploadConfig config = new UploadConfig(UploadConfig.DEFAULT_BACKFILL_THRESHOLD_BYTES, 300, 40, UploadConfig.DEFAULT_PROGRESS_EVERY, 1000,
        Duration.ofSeconds(5));
    String tooLong = "{\"event_id\":\"e-long\",\"query\":\"" + "x".repeat(400) + "\"}";
    byte[] invalidUtf8 = "{\"event_id\":\"e-\u00e9\"}".getBytes(UTF_8);
    invalidUtf8 = Arrays.copyOf(invalidUtf8, invalidUtf8.length);
    invalidUtf8[15] = (byte) 0xff; // the first byte of the é
    ByteArrayOutputStream file = new ByteArrayOutputStream();
    file.write((view("e-1", "alice", "p-1") + "\n"
        + "{\"event_type\":\"teleport\",\"user_id\":\"bob\"}\n"
        + "not json\n"
        + tooLong + "\n").getBytes(UTF_8));
    file.write(invalidUtf8);
    file.write(("\n" + view("e-2", "carol", "p-2") + "\n").getBytes(UTF_8));
    Up blob = upload("events/mixed.jsonl", file.toByteArray());

    function(config).accept(finalized(blob));

    assertThat(published(events)).extracting(m -> m.getAttributesOrThrow("event_id")).containsExactly("e-1", "e-2");
    List<JsonNode> report = read("errors/events/mixed.jsonl.jsonl").lines().map(l -> {
      try {
        return json(l);
      } catch (IOException e) {
        throw new AssertionError(e);
      }
    }).toList();
    assertThat(report).hasSize(4);
    assertThat(report.get(0)).isEqualTo(json("""
        {"line":2,
         "reason":"event_time: is required; event_type: must be one of [\\"view\\",\\"search\\",\\"add_to_cart\\",\\"remove_from_cart\\",\\"purchase\\"], was \\"teleport\\"",
         "errors":[{"field":"event_time","reason":"is required"},
                   {"field":"event_type","reason":"must be one of [\\"view\\",\\"search\\",\\"add_to_cart\\",\\"remove_from_cart\\",\\"purchase\\"], was \\"teleport\\""}],
         "raw":"{\\"event_type\\":\\"teleport\\",\\"user_id\\":\\"bob\\"","raw_truncated":true}"""));
    assertThat(report.get(1).get("line").asLong()).isEqualTo(3);
    assertThat(report.get(1).get("reason").asText()).startsWith("$: is not valid JSON: Unrecognized token 'not'");
    assertThat(report.get(2)).isEqualTo(json("""
        {"line":4,"reason":"$: is longer than 300 bytes (MAX_LINE_BYTES)",
         "errors":[{"field":"$","reason":"is longer than 300 bytes (MAX_LINE_BYTES)"}],
         "raw":"{\\"event_id\\":\\"e-long\\",\\"query\\":\\"xxxxxxxxxx","raw_truncated":true}"""));
    assertThat(report.get(3).get("line").asLong()).isEqualTo(5);
    assertThat(report.get(3).get("reason").asText()).isEqualTo("$: is not valid UTF-8");
    assertThat(report.get(3).get("raw").asText()).isEqualTo("{\"event_id\":\"e-\ufffd\ufffd\"}");
    assertThat(summary("events/mixed.jsonl")).isEqualTo(json("""
        {"bucket":"%s","object":"events/mixed.jsonl","generation":"%d","kind":"events","format":"jsonl",
         "compression":"none","error_report":"errors/events/mixed.jsonl.jsonl","raw_max_chars":40,
         "status":"succeeded_with_rejections","rows_read":6,"published":2,"rejected":4,"bytes":%d,
         "duration_ms":1500,"error_report_max_rows":1000,"rejected_listed":4,"rejected_not_listed":0,
         "rejected_by_reason":{"event_time: is required":1,
           "event_type: must be one of [\\"view\\",\\"search\\",\\"add_to_cart\\",\\"remove_from_cart\\",\\"purchase\\"]":1,
           "$: is not valid JSON":1,"$: is longer than 300 bytes (MAX_LINE_BYTES)":1,"$: is not valid UTF-8":1}}"""
        .formatted(bucket, GENERATION, blob.size())));
  }

  @Test
  void csvRowErrorsNameTheColumns() throws Exception {
    Up blob = upload("events/bad.csv", "event_type,user_id,event_time,product_id,quantity,price\n"
        + "view,alice,2026-11-20T10:00:00Z,,two,-1\n"
        + "view,bob\n"
        + "view,\"carol\"x,2026-11-20T10:00:00Z,p-1,,\n");

    function().accept(finalized(blob));

    verify(events, never()).publish(any());
    List<String> reasons = read("errors/events/bad.csv.jsonl").lines()
        .map(l -> l.replaceAll(".*\"reason\":\"([^\"]*(\\\\\"[^\"]*)*)\",\"errors\".*", "$1")).toList();
    assertThat(reasons).containsExactly(
        "product_id: is required; quantity: must be an integer, was \\\"two\\\"; price: must be at least 0, was -1",
        "$: has 2 field(s), the header has 6",
        "$: is not a valid CSV record: column 2: a closing quote must be followed by a comma");
  }

  @Test
  void redeliveryPublishesIdenticalMessages() throws Exception {
    Up blob = upload("events/again.jsonl", view(null, "alice", "p-1") + "\n" + view(null, "bob", "p-2") + "\n");
    CloudEvent event = finalized(blob);

    function().accept(event);
    function().accept(event);

    List<PubsubMessage> messages = published(events);
    assertThat(messages).hasSize(4);
    assertThat(messages.subList(2, 4)).isEqualTo(messages.subList(0, 2));
    assertThat(messages).extracting(m -> m.getAttributesOrThrow("event_id"))
        .containsExactly(derivedId(blob, 1, view(null, "alice", "p-1")), derivedId(blob, 2, view(null, "bob", "p-2")),
            derivedId(blob, 1, view(null, "alice", "p-1")), derivedId(blob, 2, view(null, "bob", "p-2")));
  }

  @Test
  void unsupportedExtensionIsAFailedSummaryWithoutRetry() throws Exception {
    Up blob = upload("events/notes.txt", "hello");

    function().accept(finalized(blob));

    verify(events, never()).publish(any());
    assertThat(summary("events/notes.txt")).isEqualTo(json("""
        {"bucket":"%s","object":"events/notes.txt","generation":"%d","kind":"events","status":"failed",
         "reason":"unsupported file type: expected .jsonl, .ndjson or .csv, each optionally followed by .gz",
         "rows_read":0,"published":0,"rejected":0,"bytes":0,"duration_ms":1500}"""
        .formatted(bucket, GENERATION)));
  }

  @Test
  void corruptGzipIsAFailedSummaryWithoutRetry() throws Exception {
    Up blob = upload("events/broken.jsonl.gz", "this is not gzip");

    function().accept(finalized(blob));

    verify(events, never()).publish(any());
    JsonNode summary = summary("events/broken.jsonl.gz");
    assertThat(summary.get("status").asText()).isEqualTo("failed");
    assertThat(summary.get("reason").asText()).isEqualTo("not a readable gzip file: Not in GZIP format");
  }

  @Test
  void truncatedGzipKeepsTheRowsBeforeTheDamageAndFails() throws Exception {
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < 2000; i++) {
      text.append(view("e-" + i, "u-" + i, "p-" + (i % 7))).append('\n');
    }
    byte[] full = gzip(text.toString());
    Up blob = upload("events/cut.jsonl.gz", Arrays.copyOf(full, full.length / 2));

    function().accept(finalized(blob));

    JsonNode summary = summary("events/cut.jsonl.gz");
    assertThat(summary.get("status").asText()).isEqualTo("failed");
    assertThat(summary.get("reason").asText()).startsWith("not a readable gzip file: ");
    assertThat(summary.get("published").asLong()).isEqualTo(summary.get("rows_read").asLong()).isPositive();
  }

  @Test
  void csvWithoutHeaderIsAFailedSummary() throws Exception {
    Up blob = upload("events/noheader.csv", "e-1,view,alice,,2026-11-20T10:00:00Z,p-1,1,2.5,EUR,\n");
    Up empty = upload("catalog/empty.csv", "");

    function().accept(finalized(blob));
    function().accept(finalized(empty));

    verify(events, never()).publish(any());
    JsonNode summary = summary("events/noheader.csv");
    assertThat(summary.get("status").asText()).isEqualTo("failed");
    assertThat(summary.get("reason").asText()).startsWith("CSV header missing or invalid, unknown column(s) [e-1, "
        + "view, alice, , 2026-11-20t10:00:00z, p-1, 1, 2.5, eur, ]: the first line must name the columns (");
    assertThat(summary("catalog/empty.csv").get("reason").asText())
        .isEqualTo("CSV file has no header row: the first line must name the columns");
  }

  @Test
  void publishFailureThrowsSoThatTheEventIsRedelivered() throws Exception {
    when(events.publish(any())).thenReturn(ApiFutures.immediateFailedFuture(new IllegalStateException("down")));
    Up blob = upload("events/down.jsonl", view("e-1", "alice", "p-1") + "\n");

    assertThatThrownBy(() -> function().accept(finalized(blob)))
        .isInstanceOf(PublishFailedException.class)
        .hasMessageContaining("Pub/Sub did not acknowledge").hasRootCauseMessage("down");
    assertThat(summary("events/down.jsonl").get("status").asText()).isEqualTo("publish_failed");
  }

  @Test
  void publisherThatThrowsIsAPublishFailureToo() {
    when(events.publish(any())).thenThrow(new IllegalStateException("shut down"));
    Up blob = upload("events/down.jsonl", view("e-1", "alice", "p-1") + "\n");

    assertThatThrownBy(() -> function().accept(finalized(blob)))
        .isInstanceOf(PublishFailedException.class);
  }

  @Test
  void oversizedObjectGoesToTheLauncherAndPublishesNothing() throws Exception {
    UploadConfig config = new UploadConfig(10, UploadConfig.DEFAULT_MAX_LINE_BYTES, 1024, UploadConfig.DEFAULT_PROGRESS_EVERY, 1000,
        Duration.ofSeconds(5));
    Up blob = upload("catalog/big.csv.gz", gzip("product_id\np-1\n"));

    function(config).accept(finalized(blob));

    verify(events, never()).publish(any());
    verify(catalog, never()).publish(any());
    assertThat(launches).containsExactly(new BackfillLauncher.Request(
        new UploadedObject(bucket, "catalog/big.csv.gz", GENERATION, blob.size(),
            "application/octet-stream", null, TIME_CREATED),
        new FileType(FileType.Kind.CATALOG, FileType.Format.CSV, true), TIME_CREATED));
    assertThat(summary("catalog/big.csv.gz")).isEqualTo(json("""
        {"bucket":"%s","object":"catalog/big.csv.gz","generation":"%d","kind":"catalog","format":"csv",
         "compression":"gzip","job_name":"job","job_id":"id","status":"backfill_launched","rows_read":0,
         "published":0,"rejected":0,"bytes":0,"duration_ms":1500}""".formatted(bucket, GENERATION)));
  }

  @Test
  void oversizedObjectWithoutTemplateIsAFailedSummary() throws Exception {
    UploadConfig config = new UploadConfig(0, 1024, 1024, UploadConfig.DEFAULT_PROGRESS_EVERY, 1000,
        Duration.ofSeconds(5));
    Up blob = upload("events/big.jsonl", view("e-1", "alice", "p-1"));
    UploadFunction function = new UploadFunction(storage, events, catalog, BackfillLauncher.notConfigured(), config,
        new StepClock());

    function.accept(finalized(blob));

    verify(events, never()).publish(any());
    assertThat(summary("events/big.jsonl").get("reason").asText()).contains("set TEMPLATE_GCS_PATH");
  }

  @Test
  void ownReportsOtherPrefixesAndOtherEventTypesAreIgnored() throws Exception {
    Up report = upload("errors/events/x.jsonl.jsonl", view("e-1", "alice", "p-1"));
    Up other = upload("images/cat.jsonl", view("e-1", "alice", "p-1"));
    Up folder = upload("events/", "");

    function().accept(finalized(report));
    function().accept(finalized(other));
    function().accept(finalized(folder));
    function().accept(CloudEventBuilder.v1(finalized(upload("events/deleted.jsonl", view("e-1", "a", "p"))))
        .withType("google.cloud.storage.object.v1.deleted").build());

    verify(events, never()).publish(any());
    verify(catalog, never()).publish(any());
    assertThat(exists("errors/errors/events/x.jsonl.jsonl.summary.json")).isFalse();
    assertThat(exists("errors/images/cat.jsonl.summary.json")).isFalse();
    assertThat(exists("errors/events/deleted.jsonl.summary.json")).isFalse();
  }

  @Test
  void progressIsCountedAcrossManyRowsWithABoundedPublishWindow() throws Exception {
    UploadConfig config = new UploadConfig(UploadConfig.DEFAULT_BACKFILL_THRESHOLD_BYTES, 1024, 100, UploadConfig.DEFAULT_PROGRESS_EVERY, 7,
        Duration.ofSeconds(5));
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < 1000; i++) {
      text.append(view("e-" + i, "u-" + i, "p-1")).append('\n');
    }
    Up blob = upload("events/many.jsonl", text.toString());

    function(config).accept(finalized(blob));

    assertThat(published(events)).hasSize(1000);
    assertThat(summary("events/many.jsonl").get("published").asLong()).isEqualTo(1000);
  }

  @Test
  void anObjectThatIsGoneIsAFailedSummaryWithoutRetry() throws Exception {
    function().accept(finalized(bucket, "events/gone.jsonl", GENERATION, 100));

    verify(events, never()).publish(any());
    JsonNode summary = summary("events/gone.jsonl");
    assertThat(summary.get("status").asText()).isEqualTo("failed");
    assertThat(summary.get("reason").asText())
        .isEqualTo("the object generation " + GENERATION + " no longer exists (deleted or overwritten)");
  }

  @Test
  void aStaleErrorReportOfAnEarlierUploadIsRemovedWhenNoRowIsRejected() throws Exception {
    upload("errors/events/fixed.jsonl.jsonl", "{\"line\":1}");
    Up blob = upload("events/fixed.jsonl", view("e-1", "alice", "p-1"));

    function().accept(finalized(blob));

    assertThat(exists("errors/events/fixed.jsonl.jsonl")).isFalse();
  }

  @Test
  void settingsBuildTheConfigAndTheEmulatorStorage() {
    dev.shopstream.functions.Settings settings = new dev.shopstream.functions.Settings(java.util.Map.of(
        "PROJECT_ID", "my-project", "STORAGE_EMULATOR_HOST", "localhost:9199", "BACKFILL_THRESHOLD_BYTES",
        "1073741824", "PROGRESS_EVERY", "PT2S")::get);

    assertThat(UploadConfig.from(settings)).isEqualTo(new UploadConfig(1L << 30, UploadConfig.DEFAULT_MAX_LINE_BYTES,
        UploadConfig.DEFAULT_ERROR_RAW_MAX_CHARS, Duration.ofSeconds(2), UploadConfig.DEFAULT_MAX_OUTSTANDING_PUBLISHES,
        UploadConfig.DEFAULT_PUBLISH_TIMEOUT));
    assertThat(UploadConfig.from(new dev.shopstream.functions.Settings(java.util.Map.<String, String>of()::get)))
        .isEqualTo(UploadConfig.defaults());
    Storage emulator = UploadFunction.storage(settings);
    assertThat(emulator.getOptions().getHost()).isEqualTo("http://localhost:9199");
    assertThat(emulator.getOptions().getProjectId()).isEqualTo("my-project");
    assertThat(emulator.getOptions().getCredentials()).isSameAs(com.google.cloud.NoCredentials.getInstance());
    assertThatThrownBy(() -> UploadConfig.from(new dev.shopstream.functions.Settings(
        java.util.Map.of("BACKFILL_THRESHOLD_BYTES", "big")::get)))
        .hasMessage("BACKFILL_THRESHOLD_BYTES must be a number of bytes, got 'big'");
  }

  @Test
  void anObjectStoredWithGzipContentEncodingIsGunzippedWhateverItsName() throws Exception {
    byte[] content = gzip(view("e-1", "alice", "p-1") + "\n");
    storage.create(BlobInfo.newBuilder(bucket, "events/encoded.jsonl").setContentEncoding("gzip").build(), content);
    String data = Json.MAPPER.createObjectNode().put("bucket", bucket).put("name", "events/encoded.jsonl")
        .put("generation", Long.toString(GENERATION)).put("size", Long.toString(content.length))
        .put("contentEncoding", "gzip").toString();

    function().accept(CloudEventBuilder.v1(finalized(bucket, "events/encoded.jsonl", GENERATION, content.length))
        .withData("application/json", data.getBytes(UTF_8)).build());

    assertThat(published(events)).extracting(m -> m.getAttributesOrThrow("event_id")).containsExactly("e-1");
  }
}
