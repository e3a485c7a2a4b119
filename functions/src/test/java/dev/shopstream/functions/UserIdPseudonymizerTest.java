package dev.shopstream.functions;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.api.core.ApiFutures;
import com.google.cloud.pubsub.v1.PublisherInterface;
import com.google.cloud.storage.BlobInfo;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.contrib.nio.testing.LocalStorageHelper;
import com.google.pubsub.v1.PubsubMessage;
import dev.shopstream.contract.EventCodec;
import dev.shopstream.contract.EventIds;
import dev.shopstream.contract.Json;
import dev.shopstream.functions.http.AccessPolicy;
import dev.shopstream.functions.ingest.IngestConfig;
import dev.shopstream.functions.ingest.IngestFunction;
import dev.shopstream.functions.upload.BackfillLauncher;
import dev.shopstream.functions.upload.UploadConfig;
import dev.shopstream.functions.upload.UploadFunction;
import io.cloudevents.CloudEvent;
import io.cloudevents.core.builder.CloudEventBuilder;
import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/** Keyed pseudonymization of user ids, identical in the ingest and upload functions. */
class UserIdPseudonymizerTest {
  private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-20T12:00:00Z"), ZoneOffset.UTC);
  private static final String KEY = "k".repeat(UserIdPseudonymizer.MIN_KEY_BYTES);
  private static final UserIdPseudonymizer P = UserIdPseudonymizer.withKey(KEY.getBytes(UTF_8));
  private static final String EVENT = "{\"event_type\":\"view\",\"user_id\":\"%s\","
      + "\"event_time\":\"2026-11-20T10:00:00Z\",\"products\":[{\"product_id\":\"p-1\"}]}";

  @Test
  void aPseudonymIsTheHmacSha256OfTheUserIdAValidUserIdAndStable() throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(KEY.getBytes(UTF_8), "HmacSHA256"));
    String expected = "u-" + HexFormat.of().formatHex(mac.doFinal("alice".getBytes(UTF_8)));

    assertThat(P.pseudonym("alice")).isEqualTo(expected).hasSize(66).isEqualTo(P.pseudonym("alice"));
    assertThat(P.pseudonym("bob")).isNotEqualTo(expected);
    assertThat(UserIdPseudonymizer.withKey("x".repeat(32).getBytes(UTF_8)).pseudonym("alice"))
        .isNotEqualTo(expected);
    assertThat(UserIdPseudonymizer.none().pseudonym("alice")).isEqualTo("alice");
    // the longest user id the contract allows still gives a pseudonym the contract allows
    assertThat(new EventCodec(CLOCK).decode(EVENT.formatted(P.pseudonym("x".repeat(128)))
        .replaceFirst("\\{", "{\"event_id\":\"e-1\",")).errors()).isEmpty();
  }

  @Test
  void theKeyComesFromTheSettingAndMustBeLongEnough() {
    assertThat(UserIdPseudonymizer.from(new Settings(Map.<String, String>of()::get)).enabled()).isFalse();
    assertThat(UserIdPseudonymizer.from(new Settings(Map.of("USER_ID_HMAC_KEY", KEY)::get)).pseudonym("alice"))
        .isEqualTo(P.pseudonym("alice"));
    assertThatThrownBy(() -> UserIdPseudonymizer.from(new Settings(Map.of("USER_ID_HMAC_KEY", "too-short")::get)))
        .isInstanceOf(Settings.InvalidSettingException.class)
        .hasMessageContaining("at least 32 bytes").hasMessageNotContaining("too-short");
    assertThat(P.toString()).doesNotContain(KEY);
  }

  private static CloudEvent finalized(String name, long size) {
    return CloudEventBuilder.v1().withId("e")
        .withSource(URI.create("//storage.googleapis.com/projects/_/buckets/uploads"))
        .withType(UploadFunction.FINALIZED).withData("application/json", Json.MAPPER.createObjectNode()
            .put("bucket", "uploads").put("name", name).put("generation", "1").put("size", Long.toString(size))
            .toString().getBytes(UTF_8)).build();
  }

  private static List<PubsubMessage> capture(PublisherInterface publisher) {
    List<PubsubMessage> messages = new ArrayList<>();
    when(publisher.publish(any())).thenAnswer(call -> {
      messages.add(call.getArgument(0));
      return ApiFutures.immediateFuture("m");
    });
    return messages;
  }

  /** An ingest function with {@link #P}, its published messages collected in {@code published}. */
  private static IngestFunction pseudonymizingIngest(List<PubsubMessage> published) {
    PublisherInterface publisher = mock(PublisherInterface.class);
    when(publisher.publish(any())).thenAnswer(call -> {
      published.add(call.getArgument(0));
      return ApiFutures.immediateFuture("m");
    });
    return new IngestFunction(publisher, new IngestConfig(10, 1 << 20, IngestConfig.DEFAULT_PUBLISH_TIMEOUT,
        AccessPolicy.open()), CLOCK, P);
  }

  private static JsonNode data(PubsubMessage m) throws Exception {
    return Json.MAPPER.readTree(m.getData().toStringUtf8());
  }

  @Test
  void ingestAndUploadPublishTheSamePseudonymAndNeverTheRawId() throws Exception {
    List<PubsubMessage> ingested = new ArrayList<>();
    IngestFunction ingest = pseudonymizingIngest(ingested);
    String body = EVENT.formatted("alice");
    FakeExchange first = FakeExchange.request("POST", "/").body("application/json", body).serve(ingest);
    FakeExchange retry = FakeExchange.request("POST", "/").body("application/json", body).serve(ingest);
    assertThat(first.status()).isEqualTo(202);

    Storage storage = LocalStorageHelper.getOptions().getService();
    storage.create(BlobInfo.newBuilder("uploads", "events/a.csv").build(),
        "event_type,user_id,event_time,product_id\nview,alice,2026-11-20T10:00:00Z,p-1\n".getBytes(UTF_8));
    PublisherInterface uploadPublisher = mock(PublisherInterface.class);
    List<PubsubMessage> uploaded = capture(uploadPublisher);
    new UploadFunction(storage, uploadPublisher, mock(PublisherInterface.class), BackfillLauncher.notConfigured(),
        UploadConfig.defaults(), CLOCK, P).accept(finalized("events/a.csv", 60));

    String pseudonym = P.pseudonym("alice");
    assertThat(data(ingested.get(0)).get("user_id").asText()).isEqualTo(pseudonym);
    assertThat(data(uploaded.get(0)).get("user_id").asText()).isEqualTo(pseudonym);
    for (PubsubMessage m : List.of(ingested.get(0), ingested.get(1), uploaded.get(0))) {
      assertThat(m.getData().toStringUtf8()).doesNotContain("alice");
    }
    // a retry keeps its derived id, and that id is derived from the pseudonymized event: the unkeyed digest over
    // the raw payload (which anyone could recompute for a guessed user id) is not used
    String id = first.json().at("/event_ids/0").asText();
    assertThat(retry.json().at("/event_ids/0").asText()).isEqualTo(id);
    assertThat(id).isNotEqualTo(EventIds.derive(Json.MAPPER.readTree(body)));
    assertThat(ingested.get(0).getAttributesOrThrow("event_id")).isEqualTo(id);
  }

  @Test
  void validationStillSeesTheRawUserId() throws Exception {
    List<PubsubMessage> published = new ArrayList<>();
    IngestFunction ingest = pseudonymizingIngest(published);

    FakeExchange tooLong = FakeExchange.request("POST", "/")
        .body("application/json", EVENT.formatted("x".repeat(129))).serve(ingest);
    FakeExchange empty = FakeExchange.request("POST", "/").body("application/json", EVENT.formatted("")).serve(ingest);

    assertThat(tooLong.status()).isEqualTo(400);
    assertThat(tooLong.json().at("/rejected/0/errors/0/field").asText()).isEqualTo("user_id");
    assertThat(empty.status()).isEqualTo(400);
    assertThat(published).isEmpty();
  }

  @Test
  void aLargeObjectIsNotHandedToTheBatchPathWhichWouldNotPseudonymize() throws Exception {
    Storage storage = LocalStorageHelper.getOptions().getService();
    storage.create(BlobInfo.newBuilder("uploads", "events/big.jsonl").build(), EVENT.formatted("alice").getBytes(UTF_8));
    List<BackfillLauncher.Request> launches = new ArrayList<>();
    UploadConfig smallThreshold = new UploadConfig(10, UploadConfig.DEFAULT_MAX_LINE_BYTES, 1024, UploadConfig.DEFAULT_PROGRESS_EVERY, 100,
        UploadConfig.DEFAULT_PUBLISH_TIMEOUT);
    new UploadFunction(storage, mock(PublisherInterface.class), mock(PublisherInterface.class), request -> {
      launches.add(request);
      return new BackfillLauncher.Launch("job", "id", false);
    }, smallThreshold, CLOCK, P).accept(finalized("events/big.jsonl", 1000));

    assertThat(launches).isEmpty();
    JsonNode summary = Json.MAPPER.readTree(storage.readAllBytes("uploads", "errors/events/big.jsonl.summary.json"));
    assertThat(summary.get("status").asText()).isEqualTo("failed");
    assertThat(summary.get("reason").asText()).contains("pseudonymized").contains("split");
  }
}
