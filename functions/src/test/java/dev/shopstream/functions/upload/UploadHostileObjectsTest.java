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
import com.google.api.core.ApiFutures;
import com.google.cloud.pubsub.v1.PublisherInterface;
import com.google.cloud.storage.Blob;
import com.google.cloud.storage.BlobId;
import com.google.cloud.storage.BlobInfo;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.StorageException;
import com.google.cloud.storage.contrib.nio.testing.LocalStorageHelper;
import com.google.pubsub.v1.PubsubMessage;
import dev.shopstream.contract.Json;
import dev.shopstream.functions.UserIdPseudonymizer;
import io.cloudevents.CloudEvent;
import io.cloudevents.core.builder.CloudEventBuilder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mockito.ArgumentCaptor;

/**
 * Objects a hostile user crafts: names whose reports cannot sit beside them, error reports that would dwarf the
 * upload, and the same file uploaded again. Every object ends exactly once with a summary the user can find; the
 * report is bounded; row ids depend on content, not on the upload.
 */
class UploadHostileObjectsTest {
  private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-20T12:00:00Z"), ZoneOffset.UTC);
  private static final AtomicInteger BUCKETS = new AtomicInteger();
  private static final String VALID = "{\"event_type\":\"view\",\"user_id\":\"alice\","
      + "\"event_time\":\"2026-11-20T10:00:00Z\",\"products\":[{\"product_id\":\"p-1\"}]}";

  private final Storage storage = gcsNameRules(LocalStorageHelper.getOptions().getService());
  private final String bucket = "hostile-" + BUCKETS.incrementAndGet();
  private final PublisherInterface events = mock(PublisherInterface.class);
  private final PublisherInterface catalog = mock(PublisherInterface.class);
  private long generation = 1000;

  /** Cloud Storage's naming rules, which the in-memory storage does not apply: at most 1024 bytes, no CR or LF. */
  static Storage gcsNameRules(Storage delegate) {
    return (Storage) Proxy.newProxyInstance(Storage.class.getClassLoader(), new Class<?>[] {Storage.class},
        (proxy, method, args) -> {
          if ((method.getName().equals("create") || method.getName().equals("writer")) && args != null
              && args.length > 0 && args[0] instanceof BlobInfo info) {
            String name = info.getName();
            if (name.getBytes(UTF_8).length > 1024 || name.indexOf('\r') >= 0 || name.indexOf('\n') >= 0) {
              throw new StorageException(400, "The specified object name is not valid.");
            }
          }
          try {
            return method.invoke(delegate, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
  }

  @BeforeEach
  void pubsubAcknowledgesEverything() {
    AtomicInteger ids = new AtomicInteger();
    when(events.publish(any())).thenAnswer(call -> ApiFutures.immediateFuture("m-" + ids.incrementAndGet()));
  }

  private UploadFunction function(UploadConfig config, UserIdPseudonymizer pseudonymizer) {
    return new UploadFunction(storage, events, catalog, request -> {
      throw new AssertionError("no backfill here");
    }, config, CLOCK, pseudonymizer);
  }

  private UploadFunction function() {
    return function(UploadConfig.defaults(), UserIdPseudonymizer.none());
  }

  /** Uploads {@code content} as a new generation of {@code name}; returns its finalize event. */
  private CloudEvent upload(String name, byte[] content) {
    storage.create(BlobInfo.newBuilder(bucket, name).build(), content);
    generation++;
    String data = Json.MAPPER.createObjectNode().put("bucket", bucket).put("name", name)
        .put("generation", Long.toString(generation)).put("size", Long.toString(content.length))
        .put("contentType", "application/octet-stream").put("timeCreated", "2026-11-20T09:30:00Z").toString();
    return CloudEventBuilder.v1().withId("evt-" + generation)
        .withSource(URI.create("//storage.googleapis.com/projects/_/buckets/" + bucket))
        .withType(UploadFunction.FINALIZED).withSubject("objects/x")
        .withData("application/json", data.getBytes(UTF_8)).build();
  }

  private List<String> errorObjects() {
    List<String> names = new ArrayList<>();
    for (Blob b : storage.list(bucket, Storage.BlobListOption.prefix("errors/")).iterateAll()) {
      names.add(b.getName());
    }
    return names;
  }

  private JsonNode json(String name) throws IOException {
    return Json.MAPPER.readTree(storage.readAllBytes(BlobId.of(bucket, name)));
  }

  private List<String> publishedIds() {
    ArgumentCaptor<PubsubMessage> messages = ArgumentCaptor.forClass(PubsubMessage.class);
    verify(events, atLeast(0)).publish(messages.capture());
    return messages.getAllValues().stream().map(m -> m.getAttributesOrThrow("event_id")).toList();
  }

  @Test
  void anObjectWhoseReportNameWouldExceedTheLimitEndsOnceWithASummaryUnderItsNameHash() throws Exception {
    String name = "events/" + "n".repeat(1000) + ".jsonl"; // 1013 bytes: a valid name, its summary's would not be
    assertThat(("errors/" + name + ".summary.json").getBytes(UTF_8).length).isGreaterThan(1024);

    function().accept(upload(name, (VALID + "\nnot json\n").getBytes(UTF_8)));

    String summaryName = UploadFunction.summaryObjectName(name);
    assertThat(summaryName).isEqualTo("errors/by-name-hash/" + ReportNames.sha256Hex(name) + ".summary.json");
    assertThat(errorObjects()).containsExactlyInAnyOrder(summaryName,
        "errors/by-name-hash/" + ReportNames.sha256Hex(name) + ".jsonl");
    JsonNode summary = json(summaryName);
    assertThat(summary.get("object").asText()).isEqualTo(name);
    assertThat(summary.get("status").asText()).isEqualTo("succeeded_with_rejections");
    assertThat(summary.get("error_report").asText()).isEqualTo(ReportNames.errorReport(name));
    assertThat(summary.get("published").asLong()).isEqualTo(1);
    assertThat(UploadFunction.needsProcessing(name, n -> storage.get(BlobId.of(bucket, n)) != null)).isFalse();
  }

  @Test
  void namesWithControlCharactersEndOnceWithASummaryUnderTheirNameHash() throws Exception {
    for (String name : List.of("events/bell\u0007.jsonl", "events/tab\tname.jsonl", "events/del\u007f.jsonl",
        "events/c1\u0085.jsonl")) {
      function().accept(upload(name, (VALID + "\n").getBytes(UTF_8)));
      String summaryName = UploadFunction.summaryObjectName(name);
      assertThat(summaryName).as(name).startsWith("errors/by-name-hash/").matches("[\\x21-\\x7e]+");
      JsonNode summary = json(summaryName);
      assertThat(summary.get("object").asText()).isEqualTo(name);
      assertThat(summary.get("status").asText()).isEqualTo("succeeded");
    }
    assertThat(UploadFunction.summaryObjectName("events/plain name é.jsonl"))
        .isEqualTo("errors/events/plain name é.jsonl.summary.json");
  }

  @Test
  void theErrorReportListsTheFirstRowsInFullAndCountsEveryRejectionByReason() throws Exception {
    StringBuilder rows = new StringBuilder();
    for (int i = 0; i < 100_000; i++) {
      rows.append("{\"event_type\":\"teleport-").append(i).append("\",\"user_id\":\"u\",")
          .append("\"event_time\":\"2026-11-20T10:00:00Z\",\"products\":[{\"product_id\":\"p\"}]}\n");
    }
    rows.append("not json at all\n");
    byte[] gz = gzip(rows.toString());
    String name = "events/bomb.jsonl.gz";

    function().accept(upload(name, gz));

    JsonNode summary = json(UploadFunction.summaryObjectName(name));
    assertThat(summary.get("rejected").asLong()).isEqualTo(100_001);
    assertThat(summary.get("error_report_max_rows").asLong()).isEqualTo(UploadConfig.DEFAULT_ERROR_REPORT_MAX_ROWS);
    assertThat(summary.get("rejected_listed").asLong()).isEqualTo(1000);
    assertThat(summary.get("rejected_not_listed").asLong()).isEqualTo(99_001);
    assertThat(summary.get("rejected_by_reason")).isEqualTo(Json.MAPPER.readTree("""
        {"event_type: must be one of [\\"view\\",\\"search\\",\\"add_to_cart\\",\\"remove_from_cart\\",\\"purchase\\"]":100000,
         "$: is not valid JSON":1}"""));
    byte[] report = storage.readAllBytes(BlobId.of(bucket, ReportNames.errorReport(name)));
    String text = new String(report, UTF_8);
    assertThat(text.lines()).hasSize(1000);
    assertThat(text.lines().findFirst().orElseThrow()).contains("\"line\":1,").contains("teleport-0");
    System.out.printf("error report bound: %d rejected rows from a %d-byte gzip upload: report %d bytes, %d lines%n",
        summary.get("rejected").asLong(), gz.length, report.length, text.lines().count());
    // the bound: 1000 rows of at most ERROR_RAW_MAX_CHARS raw characters and 20 errors each
    assertThat(report.length).isLessThan(1_000 * 1_000).isLessThan(gz.length * 1000);
  }

  @Test
  void aRowWithThousandsOfBadFieldsListsTwentyAndCountsTheRest() throws Exception {
    StringBuilder row = new StringBuilder(VALID.substring(0, VALID.length() - 1));
    for (int i = 0; i < 5000; i++) {
      row.append(",\"x").append(i).append("\":1");
    }
    row.append("}");
    String name = "events/wide.jsonl";

    function(UploadConfig.defaults().withErrorReportMaxRows(5), UserIdPseudonymizer.none())
        .accept(upload(name, (row + "\n").getBytes(UTF_8)));

    JsonNode line = json(ReportNames.errorReport(name));
    assertThat(line.get("errors")).hasSize(ErrorReport.MAX_ERRORS_PER_ROW + 1);
    assertThat(line.get("reason").asText()).endsWith("; and 4980 more errors");
    JsonNode byReason = json(UploadFunction.summaryObjectName(name)).get("rejected_by_reason");
    assertThat(byReason.size()).isEqualTo(ErrorReport.MAX_REASONS + 1);
    assertThat(byReason.get(ErrorReport.OTHER_REASONS).asLong()).isEqualTo(5000 - ErrorReport.MAX_REASONS);
  }

  @Test
  void reUploadingTheSameContentPublishesTheSameIdsAndAChangedRowGetsANewOne() throws Exception {
    String bob = VALID.replace("alice", "bob");
    String file = VALID + "\n" + bob + "\n" + VALID + "\n"; // lines 1 and 3 identical: two events
    String name = "events/again.jsonl";

    function().accept(upload(name, file.getBytes(UTF_8)));
    List<String> first = publishedIds();
    clearInvocations(events);
    function().accept(upload(name, file.getBytes(UTF_8))); // a new generation, the same content
    List<String> second = publishedIds();
    clearInvocations(events);
    function().accept(upload(name, file.replace("bob", "carol").getBytes(UTF_8))); // line 2 corrected
    List<String> corrected = publishedIds();

    assertThat(first).hasSize(3).doesNotHaveDuplicates();
    assertThat(second).isEqualTo(first);
    assertThat(corrected.get(0)).isEqualTo(first.get(0));
    assertThat(corrected.get(1)).isNotEqualTo(first.get(1));
    assertThat(corrected.get(2)).isEqualTo(first.get(2));
    // the same row under another name is another row
    clearInvocations(events);
    function().accept(upload("events/other.jsonl", file.getBytes(UTF_8)));
    assertThat(publishedIds()).doesNotContainAnyElementsOf(first);
  }

  @Test
  void withPseudonymizationRowIdsAreStableAndDoNotDigestTheRawUserId() throws Exception {
    UserIdPseudonymizer pseudonymizer = UserIdPseudonymizer.withKey("k".repeat(32).getBytes(UTF_8));
    String name = "events/p.jsonl";
    function(UploadConfig.defaults(), pseudonymizer).accept(upload(name, (VALID + "\n").getBytes(UTF_8)));
    List<String> first = publishedIds();
    clearInvocations(events);
    function(UploadConfig.defaults(), pseudonymizer).accept(upload(name, (VALID + "\n").getBytes(UTF_8)));
    assertThat(publishedIds()).isEqualTo(first);
    String rawDigestId = dev.shopstream.contract.rows.RowParser.rowId(bucket, name, 1,
        dev.shopstream.contract.EventIds.fromParts("", VALID));
    assertThat(first).hasSize(1).doesNotContain(rawDigestId);
    assertThat(first.get(0)).startsWith("r-");
  }

  private static byte[] gzip(String text) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (GZIPOutputStream out = new GZIPOutputStream(bytes)) {
      out.write(text.getBytes(UTF_8));
    }
    return bytes.toByteArray();
  }
}
