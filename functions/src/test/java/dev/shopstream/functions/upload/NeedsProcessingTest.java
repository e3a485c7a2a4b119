package dev.shopstream.functions.upload;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import com.google.api.core.ApiFutures;
import com.google.cloud.pubsub.v1.PublisherInterface;
import com.google.cloud.storage.BlobId;
import com.google.cloud.storage.BlobInfo;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.contrib.nio.testing.LocalStorageHelper;
import dev.shopstream.contract.Json;
import io.cloudevents.core.builder.CloudEventBuilder;
import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/** Which existing objects the upload function still has to be given (the bucket emulator's rule at start). */
class NeedsProcessingTest {
  private static final Predicate<String> NOTHING_EXISTS = name -> false;

  @Test
  void summaryNameIsUnderErrorsWithTheObjectsFullName() {
    assertThat(UploadFunction.summaryObjectName("events/2026/a.jsonl"))
        .isEqualTo("errors/events/2026/a.jsonl.summary.json");
  }

  @Test
  void routedObjectsWithoutSummaryNeedProcessing() {
    assertThat(UploadFunction.needsProcessing("events/a.jsonl", NOTHING_EXISTS)).isTrue();
    assertThat(UploadFunction.needsProcessing("events/2026/11/b.csv.gz", NOTHING_EXISTS)).isTrue();
    assertThat(UploadFunction.needsProcessing("catalog/products.csv", NOTHING_EXISTS)).isTrue();
    // an unsupported type is still answered (a "failed" summary), so it is still due
    assertThat(UploadFunction.needsProcessing("events/notes.txt", NOTHING_EXISTS)).isTrue();
  }

  @Test
  void objectsWithSummaryDoNot() {
    Set<String> existing = Set.of("events/a.jsonl", "errors/events/a.jsonl.summary.json", "catalog/p.csv",
        "errors/catalog/p.csv.summary.json");
    assertThat(UploadFunction.needsProcessing("events/a.jsonl", existing::contains)).isFalse();
    assertThat(UploadFunction.needsProcessing("catalog/p.csv", existing::contains)).isFalse();
    // only its own summary counts, not its error report or another object's summary
    assertThat(UploadFunction.needsProcessing("events/b.jsonl",
        Set.of("errors/events/b.jsonl.jsonl", "errors/events/a.jsonl.summary.json")::contains)).isTrue();
  }

  @Test
  void theFunctionsOwnOutputsAndUnroutedObjectsNever() {
    for (String name : new String[] {"errors/events/a.jsonl.summary.json", "errors/events/a.jsonl.jsonl",
        "errors/events/x.jsonl", "other/a.jsonl", "a.jsonl", "Events/a.jsonl", "events/", "events/2026/",
        "eventsx/a.jsonl"}) {
      assertThat(UploadFunction.needsProcessing(name, NOTHING_EXISTS)).as(name).isFalse();
    }
  }

  @Test
  void readingTheSummaryAlsoCountsAPublishFailedOneAsUnfinished() {
    Map<String, byte[]> objects = Map.of(
        "errors/events/ok.jsonl.summary.json", "{\"status\":\"succeeded_with_rejections\"}".getBytes(UTF_8),
        "errors/events/failed.jsonl.summary.json", "{\"status\":\"failed\"}".getBytes(UTF_8),
        "errors/events/retry.jsonl.summary.json", "{\"status\":\"publish_failed\"}".getBytes(UTF_8),
        "errors/events/cut.jsonl.summary.json", "{\"status\":".getBytes(UTF_8));
    Function<String, Optional<byte[]>> read = name -> Optional.ofNullable(objects.get(name));

    assertThat(UploadFunction.isUnfinished("events/ok.jsonl", read)).isFalse();
    assertThat(UploadFunction.isUnfinished("events/failed.jsonl", read)).isFalse(); // would fail the same way
    assertThat(UploadFunction.isUnfinished("events/retry.jsonl", read)).isTrue();
    assertThat(UploadFunction.isUnfinished("events/cut.jsonl", read)).isTrue();
    assertThat(UploadFunction.isUnfinished("events/new.jsonl", read)).isTrue();
    assertThat(UploadFunction.isUnfinished("errors/events/retry.jsonl.summary.json", read)).isFalse();
    assertThat(UploadFunction.isUnfinished("other/new.jsonl", read)).isFalse();
  }

  @Test
  void anObjectTheFunctionFinishedNoLongerNeedsProcessing() throws Exception {
    Storage storage = LocalStorageHelper.getOptions().getService();
    PublisherInterface publisher = mock(PublisherInterface.class);
    when(publisher.publish(any())).thenReturn(ApiFutures.immediateFuture("m-1"));
    UploadFunction function = new UploadFunction(storage, publisher, publisher, BackfillLauncher.notConfigured(),
        UploadConfig.defaults(), Clock.fixed(Instant.parse("2026-11-20T12:00:00Z"), ZoneOffset.UTC));
    String name = "events/done.jsonl";
    byte[] content = ("{\"event_id\":\"e-1\",\"event_type\":\"view\",\"user_id\":\"u-1\","
        + "\"event_time\":\"2026-11-20T10:00:00Z\",\"products\":[{\"product_id\":\"p-1\"}]}\n").getBytes(UTF_8);
    storage.create(BlobInfo.newBuilder("uploads", name).build(), content);
    Predicate<String> exists = other -> storage.get(BlobId.of("uploads", other)) != null;
    assertThat(UploadFunction.needsProcessing(name, exists)).isTrue();

    String data = Json.MAPPER.createObjectNode().put("bucket", "uploads").put("name", name)
        .put("generation", "1").put("size", Long.toString(content.length)).toString();
    function.accept(CloudEventBuilder.v1().withId("evt-1").withType(UploadFunction.FINALIZED)
        .withSource(URI.create("//storage.googleapis.com/projects/_/buckets/uploads"))
        .withData("application/json", data.getBytes(UTF_8)).build());

    assertThat(UploadFunction.needsProcessing(name, exists)).isFalse();
  }
}
