package dev.shopstream.emulator.pubsub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.api.gax.rpc.AlreadyExistsException;
import com.google.api.gax.rpc.InvalidArgumentException;
import com.google.api.gax.rpc.NotFoundException;
import com.google.cloud.pubsub.v1.Publisher;
import com.google.cloud.pubsub.v1.Subscriber;
import com.google.protobuf.ByteString;
import com.google.pubsub.v1.ProjectName;
import com.google.pubsub.v1.PubsubMessage;
import com.google.pubsub.v1.PullRequest;
import com.google.pubsub.v1.PushConfig;
import com.google.pubsub.v1.ReceivedMessage;
import com.google.pubsub.v1.Subscription;
import com.google.pubsub.v1.SubscriptionName;
import com.google.pubsub.v1.Topic;
import com.google.pubsub.v1.TopicName;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What the project relies on from Pub/Sub, asserted through the official Java client (gRPC) and plain REST calls.
 * Runs against the embedded emulator and, where it is installed, against Google's emulator, so both must agree.
 * Only behaviour both share belongs here; tests of the embedded emulator's own knobs live in its subclass.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
abstract class PubsubConformanceTest {

  static final String PROJECT = "local-project";
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final ObjectMapper JSON = new ObjectMapper();

  PubsubClients clients;

  /** {@code host:port} of the gRPC endpoint under test. */
  abstract String grpcTarget();

  /** Root URL of the REST endpoint under test. */
  abstract String restUrl();

  @BeforeEach
  void connect() throws IOException {
    clients = new PubsubClients(grpcTarget());
  }

  @AfterEach
  void disconnect() {
    if (clients != null) { // null when connect() was skipped (GoogleEmulatorConformanceIT without Google's emulator)
      clients.close();
    }
  }

  // ------------------------------------------------------------------------------------------- topics

  @Test
  void topicsAreCreatedReadListedAndDeleted() {
    TopicName name = TopicName.of(PROJECT, unique("topic"));

    assertThat(clients.topics.createTopic(name).getName()).isEqualTo(name.toString());
    assertThat(clients.topics.getTopic(name).getName()).isEqualTo(name.toString());
    assertThat(topicNames()).contains(name.toString());
    assertThatThrownBy(() -> clients.topics.createTopic(name)).isInstanceOf(AlreadyExistsException.class);

    clients.topics.deleteTopic(name);

    assertThatThrownBy(() -> clients.topics.getTopic(name)).isInstanceOf(NotFoundException.class);
    assertThatThrownBy(() -> clients.topics.deleteTopic(name)).isInstanceOf(NotFoundException.class);
    assertThat(topicNames()).doesNotContain(name.toString());
  }

  @Test
  void topicIdsMayUseEveryAllowedCharacter() {
    String name = "projects/" + PROJECT + "/topics/T" + unique("a~b+c%d.e_f");

    assertThat(clients.topics.createTopic(name).getName()).isEqualTo(name);
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "projects/local-project/topics/ab",
      "projects/local-project/topics/1topic",
      "projects/local-project/topics/goog-topic",
      "projects/local-project/topics/top!c",
      "projects/local-project/queues/topic-1",
      "local-project/topics/topic-1"})
  void malformedTopicNamesAreInvalidArguments(String name) {
    assertThatThrownBy(() -> clients.topics.createTopic(name)).isInstanceOf(InvalidArgumentException.class);
  }

  // ------------------------------------------------------------------------------------ subscriptions

  @Test
  void subscriptionsAreCreatedReadListedAndDeleted() {
    TopicName topic = newTopic();
    SubscriptionName name = SubscriptionName.of(PROJECT, unique("sub"));

    Subscription created = clients.subscriptions.createSubscription(name, topic, PushConfig.getDefaultInstance(), 30);

    assertThat(created.getName()).isEqualTo(name.toString());
    assertThat(created.getTopic()).isEqualTo(topic.toString());
    assertThat(created.getAckDeadlineSeconds()).isEqualTo(30);
    assertThat(clients.subscriptions.getSubscription(name)).isEqualTo(created);
    assertThat(clients.subscriptions.listSubscriptions(ProjectName.of(PROJECT)).iterateAll())
        .extracting(Subscription::getName)
        .contains(name.toString());
    assertThat(clients.topics.listTopicSubscriptions(topic).iterateAll()).containsExactly(name.toString());
    assertThatThrownBy(() -> clients.subscriptions.createSubscription(name, topic, PushConfig.getDefaultInstance(), 30))
        .isInstanceOf(AlreadyExistsException.class);

    clients.subscriptions.deleteSubscription(name);

    assertThatThrownBy(() -> clients.subscriptions.getSubscription(name)).isInstanceOf(NotFoundException.class);
    assertThatThrownBy(() -> clients.subscriptions.deleteSubscription(name)).isInstanceOf(NotFoundException.class);
    assertThat(clients.topics.listTopicSubscriptions(topic).iterateAll()).isEmpty();
  }

  @Test
  void subscriptionAckDeadlineDefaultsTo10SecondsAndIsBounded() {
    TopicName topic = newTopic();

    Subscription defaulted = clients.subscriptions.createSubscription(
        SubscriptionName.of(PROJECT, unique("sub")), topic, PushConfig.getDefaultInstance(), 0);

    assertThat(defaulted.getAckDeadlineSeconds()).isEqualTo(10);
    assertThatThrownBy(() -> clients.subscriptions.createSubscription(
        SubscriptionName.of(PROJECT, unique("sub")), topic, PushConfig.getDefaultInstance(), 601))
        .isInstanceOf(InvalidArgumentException.class);
  }

  @Test
  void subscriptionErrors() {
    TopicName topic = newTopic();

    assertThatThrownBy(() -> clients.subscriptions.createSubscription(SubscriptionName.of(PROJECT, unique("sub")),
        TopicName.of(PROJECT, unique("missing")), PushConfig.getDefaultInstance(), 10))
        .isInstanceOf(NotFoundException.class);
    assertThatThrownBy(() -> clients.subscriptions.createSubscription(
        "projects/" + PROJECT + "/subscriptions/goog-sub", topic.toString(), PushConfig.getDefaultInstance(), 10))
        .isInstanceOf(InvalidArgumentException.class);
    assertThatThrownBy(() -> clients.subscriptions.createSubscription(
        SubscriptionName.of(PROJECT, unique("sub")).toString(), "not-a-topic", PushConfig.getDefaultInstance(), 10))
        .isInstanceOf(InvalidArgumentException.class);
  }

  @Test
  void deletingATopicDetachesItsSubscriptions() {
    TopicName topic = newTopic();
    String subscription = newSubscription(topic, 10);

    clients.topics.deleteTopic(topic);

    assertThat(clients.subscriptions.getSubscription(subscription).getTopic()).isEqualTo("_deleted-topic_");
  }

  // ----------------------------------------------------------------------------------------- messages

  @Test
  void publishedMessagesArePulledWithTheirAttributesByEverySubscription() throws Exception {
    TopicName topic = newTopic();
    List<String> subscriptions = List.of(newSubscription(topic, 60), newSubscription(topic, 60));
    Map<String, PubsubMessage> sent = new HashMap<>();
    Publisher publisher = clients.publisher(topic);
    try {
      for (int i = 0; i < 3; i++) {
        PubsubMessage message = PubsubMessage.newBuilder()
            .setData(ByteString.copyFromUtf8("event-" + i))
            .putAttributes("event_id", "e" + i)
            .putAttributes("source", "conformance")
            .setOrderingKey(i == 0 ? "user-1" : "")
            .build();
        sent.put(publisher.publish(message).get(30, TimeUnit.SECONDS), message);
      }
    } finally {
      publisher.shutdown();
      publisher.awaitTermination(30, TimeUnit.SECONDS);
    }
    assertThat(sent).hasSize(3).doesNotContainKey("");

    for (String subscription : subscriptions) {
      List<ReceivedMessage> received = clients.pullAtLeast(subscription, 3);

      assertThat(received).extracting(r -> r.getMessage().getMessageId()).containsExactlyInAnyOrderElementsOf(
          sent.keySet());
      for (ReceivedMessage r : received) {
        PubsubMessage expected = sent.get(r.getMessage().getMessageId());
        assertThat(r.getMessage().getData()).isEqualTo(expected.getData());
        assertThat(r.getMessage().getAttributesMap()).isEqualTo(expected.getAttributesMap());
        assertThat(r.getMessage().getOrderingKey()).isEqualTo(expected.getOrderingKey());
        assertThat(r.getMessage().getPublishTime().getSeconds()).isPositive();
        assertThat(r.getAckId()).isNotEmpty();
        assertThat(r.getDeliveryAttempt()).isZero(); // only reported with a dead-letter policy
      }
      clients.ack(subscription, ackIds(received));
      assertThat(pullImmediately(subscription)).isEmpty();
    }
  }

  @Test
  void messagesGoOnlyToSubscriptionsThatExistAtPublishTime() {
    TopicName topic = newTopic();
    String early = newSubscription(topic, 60);
    String first = publish(topic, "first");
    String late = newSubscription(topic, 60);
    String second = publish(topic, "second");

    assertThat(clients.pullAtLeast(early, 2)).extracting(r -> r.getMessage().getMessageId())
        .containsExactlyInAnyOrder(first, second);
    List<ReceivedMessage> lateMessages = clients.pullAtLeast(late, 1);
    assertThat(lateMessages).extracting(r -> r.getMessage().getMessageId()).containsExactly(second);
    clients.ack(late, ackIds(lateMessages));
    assertThat(pullImmediately(late)).isEmpty();
  }

  @Test
  void nackedMessageIsRedeliveredAtOnce() {
    TopicName topic = newTopic();
    String subscription = newSubscription(topic, 60);
    String id = publish(topic, "nack me");
    ReceivedMessage first = single(clients.pullAtLeast(subscription, 1));

    clients.modifyAckDeadline(subscription, List.of(first.getAckId()), 0);
    ReceivedMessage again = single(clients.pullAtLeast(subscription, 1));

    assertThat(first.getMessage().getMessageId()).isEqualTo(id);
    assertThat(again.getMessage().getMessageId()).isEqualTo(id);
    assertThat(again.getMessage().getData()).isEqualTo(first.getMessage().getData());
    clients.ack(subscription, List.of(again.getAckId()));
    assertThat(pullImmediately(subscription)).isEmpty();
  }

  @Test
  void streamingSubscriberReceivesEveryMessageExactlyOnce() throws Exception {
    TopicName topic = newTopic();
    String subscription = newSubscription(topic, 10);
    Map<String, AtomicInteger> deliveries = new ConcurrentHashMap<>();
    Subscriber subscriber = clients.subscriber(subscription, (message, consumer) -> {
      deliveries.computeIfAbsent(message.getMessageId(), id -> new AtomicInteger()).incrementAndGet();
      consumer.ack();
    });
    List<String> ids = new ArrayList<>();
    subscriber.startAsync().awaitRunning();
    try {
      ids.addAll(publishMany(topic, "before", 60));
      waitUntil(() -> deliveries.keySet().containsAll(ids));
      ids.addAll(publishMany(topic, "after", 60));
      waitUntil(() -> deliveries.keySet().containsAll(ids));
    } finally {
      subscriber.stopAsync().awaitTerminated(30, TimeUnit.SECONDS);
    }

    assertThat(deliveries).containsOnlyKeys(ids);
    assertThat(deliveries.values()).allSatisfy(count -> assertThat(count).hasValue(1));
  }

  @Test
  void publishErrors() {
    TopicName topic = newTopic();
    PubsubMessage ok = message("ok");

    assertThatThrownBy(() -> clients.topics.publish(TopicName.of(PROJECT, unique("missing")), List.of(ok)))
        .isInstanceOf(NotFoundException.class);
    assertThatThrownBy(() -> clients.topics.publish(topic, List.of(PubsubMessage.getDefaultInstance())))
        .isInstanceOf(InvalidArgumentException.class);
    assertThatThrownBy(() -> clients.topics.publish(topic, List.of()))
        .isInstanceOf(InvalidArgumentException.class);
  }

  @Test
  void subscriberErrors() {
    String subscription = newSubscription(newTopic(), 10);

    assertThatThrownBy(() -> clients.pull(SubscriptionName.of(PROJECT, unique("missing")).toString(), 1))
        .isInstanceOf(NotFoundException.class);
    assertThatThrownBy(() -> clients.pull(subscription, 0)).isInstanceOf(InvalidArgumentException.class);
    assertThatThrownBy(() -> clients.ack(subscription, List.of())).isInstanceOf(InvalidArgumentException.class);
    assertThatThrownBy(() -> clients.ack(subscription, List.of("not an ack id")))
        .isInstanceOf(InvalidArgumentException.class);
    assertThatThrownBy(() -> clients.modifyAckDeadline(subscription, List.of("not an ack id"), -1))
        .isInstanceOf(InvalidArgumentException.class);
  }

  // --------------------------------------------------------------------------------------------- REST

  @Test
  void restErrorsUseGoogleJsonErrorShape() throws Exception {
    String topic = "projects/" + PROJECT + "/topics/" + unique("rest");

    assertError(rest("GET", topic, null), 404, "NOT_FOUND");
    assertThat(rest("PUT", topic, "{}").statusCode()).isEqualTo(200);
    assertError(rest("PUT", topic, "{}"), 409, "ALREADY_EXISTS");
    assertError(rest("PUT", "projects/" + PROJECT + "/topics/goog-topic", "{}"), 400, "INVALID_ARGUMENT");
    assertError(rest("PUT", "projects/" + PROJECT + "/subscriptions/" + unique("sub"),
        "{\"topic\":\"projects/" + PROJECT + "/topics/" + unique("missing") + "\"}"), 404, "NOT_FOUND");
    assertError(rest("POST", "projects/" + PROJECT + "/subscriptions/" + unique("missing") + ":pull",
        "{\"maxMessages\":1,\"returnImmediately\":true}"), 404, "NOT_FOUND");
    assertError(rest("POST", topic + ":publish", "{\"messages\":[]}"), 400, "INVALID_ARGUMENT");
  }

  @Test
  void restPublishAndPullCarryBase64Data() throws Exception {
    String topic = "projects/" + PROJECT + "/topics/" + unique("rest");
    String subscription = "projects/" + PROJECT + "/subscriptions/" + unique("rest");
    byte[] data = {(byte) 0xfb, (byte) 0xff, (byte) 0xbf, 0x01}; // differs between base64 alphabets
    assertThat(rest("PUT", topic, "{}").statusCode()).isEqualTo(200);
    JsonNode created = json(rest("PUT", subscription, "{\"topic\":\"" + topic + "\",\"ackDeadlineSeconds\":60}"));
    assertThat(created.path("ackDeadlineSeconds").asInt()).isEqualTo(60);
    assertThat(json(rest("GET", subscription, null)).path("topic").asText()).isEqualTo(topic);

    // Beam's client sends URL-safe base64 without padding; the service accepts either alphabet
    JsonNode published = json(rest("POST", topic + ":publish", "{\"messages\":[{\"data\":\""
        + Base64.getUrlEncoder().withoutPadding().encodeToString(data) + "\",\"attributes\":{\"k\":\"v\"}}]}"));
    JsonNode pulled = json(rest("POST", subscription + ":pull", "{\"maxMessages\":10}"));

    JsonNode received = pulled.path("receivedMessages").get(0);
    JsonNode message = received.path("message");
    assertThat(Base64.getDecoder().decode(message.path("data").asText())).isEqualTo(data);
    assertThat(message.path("attributes").path("k").asText()).isEqualTo("v");
    assertThat(message.path("messageId").asText()).isEqualTo(published.path("messageIds").get(0).asText());
    assertThat(Instant.parse(message.path("publishTime").asText())).isAfter(Instant.EPOCH);
    assertThat(rest("POST", subscription + ":acknowledge",
        "{\"ackIds\":[\"" + received.path("ackId").asText() + "\"]}").statusCode()).isEqualTo(200);
    assertThat(json(rest("POST", subscription + ":pull", "{\"maxMessages\":10,\"returnImmediately\":true}"))
        .path("receivedMessages")).isEmpty();
  }

  @Test
  void restListsArePaged() throws Exception {
    String project = "projects/" + unique("paging");
    for (String id : List.of("topic-a", "topic-b", "topic-c")) {
      assertThat(rest("PUT", project + "/topics/" + id, "{}").statusCode()).isEqualTo(200);
    }

    JsonNode first = json(rest("GET", project + "/topics?pageSize=2", null));
    JsonNode second = json(rest("GET", project + "/topics?pageSize=2&pageToken="
        + first.path("nextPageToken").asText(), null));

    assertThat(first.path("topics")).extracting(t -> t.path("name").asText())
        .containsExactly(project + "/topics/topic-a", project + "/topics/topic-b");
    assertThat(second.path("topics")).extracting(t -> t.path("name").asText())
        .containsExactly(project + "/topics/topic-c");
    assertThat(second.path("nextPageToken").asText()).isEmpty();
  }

  // ------------------------------------------------------------------------------------------ helpers

  static String unique(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  TopicName newTopic() {
    TopicName topic = TopicName.of(PROJECT, unique("topic"));
    clients.topics.createTopic(topic);
    return topic;
  }

  String newSubscription(TopicName topic, int ackDeadlineSeconds) {
    SubscriptionName name = SubscriptionName.of(PROJECT, unique("sub"));
    clients.subscriptions.createSubscription(name, topic, PushConfig.getDefaultInstance(), ackDeadlineSeconds);
    return name.toString();
  }

  static PubsubMessage message(String data) {
    return PubsubMessage.newBuilder().setData(ByteString.copyFromUtf8(data)).build();
  }

  String publish(TopicName topic, String data) {
    return clients.topics.publish(topic, List.of(message(data))).getMessageIds(0);
  }

  List<String> publishMany(TopicName topic, String prefix, int count) {
    List<PubsubMessage> messages = IntStream.range(0, count).mapToObj(i -> message(prefix + "-" + i)).toList();
    return clients.topics.publish(topic, messages).getMessageIdsList();
  }

  @SuppressWarnings("deprecation") // return_immediately: the only way to ask "is there anything?" without waiting
  List<ReceivedMessage> pullImmediately(String subscription) {
    return clients.subscriber.pullCallable().call(PullRequest.newBuilder()
            .setSubscription(subscription)
            .setMaxMessages(100)
            .setReturnImmediately(true)
            .build())
        .getReceivedMessagesList();
  }

  static List<String> ackIds(List<ReceivedMessage> received) {
    return received.stream().map(ReceivedMessage::getAckId).toList();
  }

  static ReceivedMessage single(List<ReceivedMessage> received) {
    assertThat(received).hasSize(1);
    return received.get(0);
  }

  /** Polls until the condition holds; the test's timeout bounds the wait. */
  static void waitUntil(BooleanSupplier condition) throws InterruptedException {
    while (!condition.getAsBoolean()) {
      Thread.sleep(20);
    }
  }

  private List<String> topicNames() {
    List<String> names = new ArrayList<>();
    clients.topics.listTopics(ProjectName.of(PROJECT)).iterateAll().forEach(t -> names.add(t.getName()));
    return names;
  }

  HttpResponse<String> rest(String method, String path, String body) throws IOException, InterruptedException {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(restUrl() + "/v1/" + path))
        .header("Content-Type", "application/json");
    request.method(method, body == null
        ? HttpRequest.BodyPublishers.noBody()
        : HttpRequest.BodyPublishers.ofString(body));
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  static JsonNode json(HttpResponse<String> response) throws IOException {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return JSON.readTree(response.body());
  }

  static void assertError(HttpResponse<String> response, int code, String status) throws IOException {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(code);
    JsonNode error = JSON.readTree(response.body()).path("error");
    assertThat(error.path("code").asInt()).isEqualTo(code);
    assertThat(error.path("status").asText()).isEqualTo(status);
    assertThat(error.path("message").asText()).isNotEmpty();
  }
}
