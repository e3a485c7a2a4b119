package dev.shopstream.functions.upload;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.atLeast;
import static org.mockito.Mockito.clearInvocations;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.api.core.ApiFutures;
import com.google.cloud.pubsub.v1.PublisherInterface;
import com.google.cloud.storage.BlobId;
import com.google.cloud.storage.BlobInfo;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.contrib.nio.testing.LocalStorageHelper;
import com.google.pubsub.v1.PubsubMessage;
import dev.shopstream.contract.EventCodec;
import dev.shopstream.contract.Json;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.mockito.ArgumentCaptor;

/**
 * The hostile corpus for uploads ({@code src/test/resources/hostile/upload/}: malformed, truncated and deeply
 * nested JSON Lines, huge numbers, wrong types, invalid UTF-8, BOMs, CSV with quotes, embedded newlines, unbalanced
 * quotes and formula-injection cells, empty files, bad headers, fake and truncated gzip) and a generated gzip bomb.
 * Each file ends in a summary whose counts balance ({@code rows_read = published + rejected}), every rejected row is
 * in the error report with its reason and raw text, only rows the contract accepts are published, the function
 * returns normally (no redelivery loop) and still processes the next good file.
 */
class HostileUploadInputTest {
  private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-20T12:00:00Z"), ZoneOffset.UTC);
  private static final long GENERATION = 42;
  private static final String GOOD = "{\"event_type\":\"view\",\"user_id\":\"healthy\","
      + "\"event_time\":\"2026-11-20T10:00:00Z\",\"products\":[{\"product_id\":\"p-1\"}]}\n";

  /** status, published, rejected per file; a file missing here fails the test, so the corpus stays described. */
  private static final Map<String, List<Object>> EXPECTED = Map.ofEntries(
      Map.entry("bad-header.csv", List.of("failed", 0, 0)),
      Map.entry("blank-lines-only.jsonl", List.of("succeeded", 0, 0)),
      Map.entry("bom.csv", List.of("succeeded", 1, 0)),
      Map.entry("bom.jsonl", List.of("succeeded", 2, 0)),
      Map.entry("deeply-nested.jsonl", List.of("succeeded_with_rejections", 1, 2)),
      Map.entry("empty.csv", List.of("failed", 0, 0)),
      Map.entry("empty.jsonl", List.of("succeeded", 0, 0)),
      Map.entry("exponent-beyond-int-range.jsonl", List.of("succeeded_with_rejections", 1, 1)),
      Map.entry("formula-header.csv", List.of("failed", 0, 0)),
      Map.entry("formula-injection.csv", List.of("succeeded_with_rejections", 1, 6)),
      Map.entry("header-only.csv", List.of("succeeded", 0, 0)),
      Map.entry("huge-numbers.jsonl", List.of("succeeded_with_rejections", 1, 2)),
      Map.entry("invalid-utf8.jsonl", List.of("succeeded_with_rejections", 1, 1)),
      Map.entry("malformed.jsonl", List.of("succeeded_with_rejections", 2, 2)),
      Map.entry("not-gzip.jsonl.gz", List.of("failed", 0, 0)),
      Map.entry("quotes-and-newlines.csv", List.of("succeeded_with_rejections", 2, 2)),
      Map.entry("truncated.jsonl", List.of("succeeded_with_rejections", 1, 1)),
      Map.entry("truncated.jsonl.gz", List.of("failed")),
      Map.entry("wrong-types.jsonl", List.of("succeeded_with_rejections", 1, 4)));

  private final Storage storage = LocalStorageHelper.getOptions().getService();
  private final PublisherInterface events = mock(PublisherInterface.class);
  private final PublisherInterface catalog = mock(PublisherInterface.class);

  @BeforeEach
  void pubsubAcknowledgesEverything() {
    when(events.publish(any())).thenAnswer(call -> ApiFutures.immediateFuture("m"));
    when(catalog.publish(any())).thenAnswer(call -> ApiFutures.immediateFuture("m"));
  }

  private UploadFunction function(UploadConfig config) {
    return new UploadFunction(storage, events, catalog, BackfillLauncher.notConfigured(), config, CLOCK);
  }

  static Stream<Path> corpus() throws Exception {
    Path dir = Path.of(HostileUploadInputTest.class.getResource("/hostile/upload").toURI());
    try (Stream<Path> files = Files.list(dir)) {
      List<Path> list = files.sorted().toList();
      assertThat(list).extracting(p -> p.getFileName().toString()).containsExactlyInAnyOrderElementsOf(
          EXPECTED.keySet());
      return list.stream();
    }
  }

  private ObjectNode process(UploadConfig config, String name, byte[] content) throws Exception {
    storage.create(BlobInfo.newBuilder("uploads", name).build(), content);
    UploadedObject object = new UploadedObject("uploads", name, GENERATION, content.length,
        "application/octet-stream", null, "2026-11-20T09:00:00Z");
    return function(config).handle(object, "2026-11-20T09:00:00Z").orElseThrow();
  }

  private List<PubsubMessage> published() {
    ArgumentCaptor<PubsubMessage> messages = ArgumentCaptor.forClass(PubsubMessage.class);
    verify(events, atLeast(0)).publish(messages.capture());
    return messages.getAllValues();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("corpus")
  void everyHostileFileEndsInABalancedSummaryAndAnErrorReportRowPerRejectedRow(Path file) throws Exception {
    String name = "events/" + file.getFileName();
    ObjectNode summary = process(UploadConfig.defaults(), name, Files.readAllBytes(file));

    List<Object> expected = EXPECTED.get(file.getFileName().toString());
    assertThat(summary.get("status").asText()).as(summary.toString()).isEqualTo(expected.get(0));
    if (expected.size() > 1) {
      assertThat(summary.get("published").asLong()).as(summary.toString()).isEqualTo((int) expected.get(1));
      assertThat(summary.get("rejected").asLong()).as(summary.toString()).isEqualTo((int) expected.get(2));
    }
    assertThat(summary.get("rows_read").asLong())
        .isEqualTo(summary.get("published").asLong() + summary.get("rejected").asLong());
    if (summary.get("status").asText().equals("failed")) {
      assertThat(summary.get("reason").asText()).isNotBlank();
    }
    List<PubsubMessage> messages = published();
    assertThat(messages).hasSize(summary.get("published").asInt());
    for (PubsubMessage m : messages) { // nothing reaches Pub/Sub that the contract does not accept
      assertThat(new EventCodec(CLOCK).decode(m.getData().toStringUtf8()).errors()).isEmpty();
    }
    long rejected = summary.get("rejected").asLong();
    if (rejected > 0) {
      List<String> report = new String(storage.readAllBytes(BlobId.of("uploads", "errors/" + name + ".jsonl")),
          UTF_8).lines().toList();
      assertThat(report).hasSize((int) rejected);
      for (String line : report) {
        JsonNode row = Json.MAPPER.readTree(line);
        assertThat(row.get("line").asLong()).isPositive();
        assertThat(row.get("reason").asText()).isNotBlank();
        assertThat(row.has("raw")).isTrue();
      }
    }

    clearInvocations(events);
    ObjectNode healthy = process(UploadConfig.defaults(), "events/healthy.jsonl", GOOD.getBytes(UTF_8));
    assertThat(healthy.get("status").asText()).isEqualTo("succeeded");
    assertThat(published()).hasSize(1);
  }

  @Test
  void formulaCellsAreRefusedByColumnAndKeptVerbatimInTheReportNumbersWithASignAreNot() throws Exception {
    Path file = Path.of(getClass().getResource("/hostile/upload/formula-injection.csv").toURI());
    process(UploadConfig.defaults(), "events/formula.csv", Files.readAllBytes(file));

    List<JsonNode> report = new String(storage.readAllBytes(BlobId.of("uploads", "errors/events/formula.csv.jsonl")),
        UTF_8).lines().map(l -> {
          try {
            return Json.MAPPER.readTree(l);
          } catch (Exception e) {
            throw new AssertionError(e);
          }
        }).toList();
    assertThat(report.get(0).at("/errors/0/field").asText()).isEqualTo("user_id");
    assertThat(report.get(0).at("/errors/0/reason").asText()).contains("formula");
    assertThat(report.get(0).get("raw").asText()).contains("=cmd|' /C calc'!A0"); // the original payload
    assertThat(report.subList(1, 4)).allSatisfy(r ->
        assertThat(r.at("/errors/0/field").asText()).isEqualTo("product_id"));
    assertThat(report.get(4).at("/errors/0/field").asText()).isEqualTo("user_id");
    assertThat(report.get(5).at("/errors/0/field").asText()).isEqualTo("price"); // -1 is a number, below minimum
    assertThat(published()).singleElement()
        .satisfies(m -> assertThat(m.getData().toStringUtf8()).contains("\"user_id\":\"erin\""));
  }

  @Test
  void aGzipBombStopsAtTheDecompressedLimitAsAFailedSummaryWithoutReadingTheWholeObject() throws Exception {
    ByteArrayOutputStream compressed = new ByteArrayOutputStream();
    byte[] zeros = new byte[1 << 20];
    try (GZIPOutputStream out = new GZIPOutputStream(compressed)) {
      for (int i = 0; i < 256; i++) { // 256 MiB of zeros, about 256 KB compressed
        out.write(zeros);
      }
    }
    byte[] bomb = compressed.toByteArray();
    assertThat(bomb.length).isLessThan(1 << 20);
    UploadConfig config = UploadConfig.defaults().withMaxDecompressedBytes(4L << 20);

    ObjectNode summary = process(config, "events/bomb.jsonl.gz", bomb);

    assertThat(summary.get("status").asText()).isEqualTo("failed");
    assertThat(summary.get("reason").asText()).contains("MAX_DECOMPRESSED_BYTES (4194304 bytes)");
    assertThat(summary.get("published").asLong()).isZero();
    assertThat(summary.get("bytes").asLong()).as("compressed bytes read").isLessThan(bomb.length);
    ObjectNode healthy = process(config, "events/after-bomb.jsonl.gz", gzip(GOOD));
    assertThat(healthy.get("status").asText()).isEqualTo("succeeded");
  }

  @Test
  void decompressedLimitIsASetting() {
    assertThat(UploadConfig.defaults().maxDecompressedBytes()).isEqualTo(2L << 30);
    assertThat(UploadConfig.from(new dev.shopstream.functions.Settings(Map.of("MAX_DECOMPRESSED_BYTES", "1000")::get))
        .maxDecompressedBytes()).isEqualTo(1000);
  }

  private static byte[] gzip(String text) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (GZIPOutputStream out = new GZIPOutputStream(bytes)) {
      out.write(text.getBytes(UTF_8));
    }
    return bytes.toByteArray();
  }
}
