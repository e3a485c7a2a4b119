package dev.shopstream.local;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.cloud.functions.HttpRequest;
import com.google.cloud.functions.HttpResponse;
import com.google.pubsub.v1.PushConfig;
import com.google.pubsub.v1.ReceivedMessage;
import com.google.pubsub.v1.TopicName;
import dev.shopstream.contract.Json;
import dev.shopstream.emulator.pubsub.PubsubClients;
import dev.shopstream.emulator.pubsub.PubsubEmulator;
import dev.shopstream.functions.PubsubPublishers;
import dev.shopstream.functions.http.AccessPolicy;
import dev.shopstream.functions.ingest.IngestConfig;
import dev.shopstream.functions.ingest.IngestFunction;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The Pub/Sub emulator is stopped and restarted (same port) while the ingest function publishes with the real
 * {@code Publisher} client: while it is down every request is answered 503 listing the unacknowledged ids (never
 * 202), and once it is back the same function instance, with no restart, answers 202 again and the events a
 * client resent after the 503s are delivered.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class IngestDuringEmulatorRestartIT {
  private static final String PROJECT = "local-project";
  private static final TopicName TOPIC = TopicName.of(PROJECT, "events");
  private static final String SUBSCRIPTION = "projects/" + PROJECT + "/subscriptions/events-check";
  private static final Duration PUBLISH_TIMEOUT = Duration.ofSeconds(2);

  private final AtomicInteger ids = new AtomicInteger();

  /** One exchange with the function through Mockito request/response doubles; returns status and JSON body. */
  private static Map.Entry<Integer, JsonNode> post(IngestFunction function, String body) throws Exception {
    HttpRequest request = mock(HttpRequest.class);
    HttpResponse response = mock(HttpResponse.class);
    byte[] bytes = body.getBytes(UTF_8);
    when(request.getMethod()).thenReturn("POST");
    when(request.getPath()).thenReturn("/");
    when(request.getContentType()).thenReturn(Optional.of("application/x-ndjson"));
    when(request.getContentLength()).thenReturn((long) bytes.length);
    when(request.getInputStream()).thenReturn(new ByteArrayInputStream(bytes));
    when(request.getHeaders()).thenReturn(Map.of());
    when(request.getFirstHeader(anyString())).thenReturn(Optional.empty());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    when(response.getOutputStream()).thenReturn(out);
    AtomicInteger status = new AtomicInteger();
    org.mockito.Mockito.doAnswer(call -> {
      status.set(call.getArgument(0));
      return null;
    }).when(response).setStatusCode(org.mockito.ArgumentMatchers.anyInt());
    function.service(request, response);
    return Map.entry(status.get(), Json.MAPPER.readTree(out.toByteArray()));
  }

  private List<String> batch(int n) {
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      lines.add("{\"event_id\":\"restart-" + ids.incrementAndGet() + "\",\"event_type\":\"view\",\"user_id\":\"u\","
          + "\"event_time\":\"" + Instant.now() + "\",\"products\":[{\"product_id\":\"p\"}]}");
    }
    return lines;
  }

  private static List<String> idsOf(List<String> lines) throws Exception {
    List<String> out = new ArrayList<>();
    for (String l : lines) {
      out.add(Json.MAPPER.readTree(l).get("event_id").asText());
    }
    return out;
  }

  private static void createTopicAndSubscription(PubsubClients clients) {
    clients.topics.createTopic(TOPIC);
    clients.subscriptions.createSubscription(SUBSCRIPTION, TOPIC.toString(), PushConfig.getDefaultInstance(), 600);
  }

  private static Set<String> pullIds(PubsubClients clients, Set<String> wanted) {
    Set<String> seen = new HashSet<>();
    while (!seen.containsAll(wanted)) {
      List<ReceivedMessage> got = clients.pull(SUBSCRIPTION, 100);
      got.forEach(m -> seen.add(m.getMessage().getAttributesOrThrow("event_id")));
      if (!got.isEmpty()) {
        clients.ack(SUBSCRIPTION, got.stream().map(ReceivedMessage::getAckId).toList());
      }
    }
    return seen;
  }

  @Test
  void answers503WhileTheEmulatorIsDownAndRecoversByItselfWhenItIsBack() throws Exception {
    PubsubEmulator emulator = PubsubEmulator.start("127.0.0.1", 0, 0);
    String target = emulator.grpcTarget();
    int port = Integer.parseInt(target.substring(target.lastIndexOf(':') + 1));
    IngestConfig config = new IngestConfig(100, 1 << 20, PUBLISH_TIMEOUT, AccessPolicy.open());
    try (PubsubPublishers.ClosablePublisher publisher = PubsubPublishers.create(TOPIC, target)) {
      IngestFunction function = new IngestFunction(publisher, config, Clock.systemUTC());
      try (PubsubClients clients = new PubsubClients(target)) {
        createTopicAndSubscription(clients);
        List<String> before = batch(5);
        Map.Entry<Integer, JsonNode> ok = post(function, String.join("\n", before));
        assertThat(ok.getKey()).as(ok.getValue().toString()).isEqualTo(202);
        assertThat(pullIds(clients, Set.copyOf(idsOf(before)))).containsAll(idsOf(before));
      }

      emulator.close(); // the emulator goes away mid-stream
      List<String> during = batch(5);
      for (int attempt = 0; attempt < 3; attempt++) {
        Map.Entry<Integer, JsonNode> down = post(function, String.join("\n", during));
        assertThat(down.getKey()).as(down.getValue().toString()).isEqualTo(503);
        assertThat(down.getValue().get("error").asText()).isEqualTo("publish_failed");
        assertThat(Json.MAPPER.convertValue(down.getValue().get("unacknowledged_event_ids"), List.class))
            .containsExactlyElementsOf(idsOf(during));
        assertThat(down.getValue().get("acknowledged_event_ids")).isEmpty();
      }

      emulator = PubsubEmulator.start("127.0.0.1", port, 0); // back, on the same port, empty (in memory)
      try (PubsubClients clients = new PubsubClients(target)) {
        createTopicAndSubscription(clients);
        // the client resends after each 503, as the answer tells it to; the function was not restarted
        Map.Entry<Integer, JsonNode> reply;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        int resends = 0;
        do {
          reply = post(function, String.join("\n", during));
          resends++;
          assertThat(reply.getKey()).as(reply.getValue().toString()).isIn(202, 503);
        } while (reply.getKey() != 202 && System.nanoTime() < deadline);
        assertThat(reply.getKey()).as("recovered after %d resends: %s", resends, reply.getValue()).isEqualTo(202);
        assertThat(Json.MAPPER.convertValue(reply.getValue().get("event_ids"), List.class))
            .containsExactlyElementsOf(idsOf(during));
        assertThat(pullIds(clients, Set.copyOf(idsOf(during)))).containsAll(idsOf(during));

        List<String> after = batch(5); // and new traffic flows normally
        assertThat(post(function, String.join("\n", after)).getKey()).isEqualTo(202);
        assertThat(pullIds(clients, Set.copyOf(idsOf(after)))).containsAll(idsOf(after));
      }
    } finally {
      emulator.close();
    }
  }
}
