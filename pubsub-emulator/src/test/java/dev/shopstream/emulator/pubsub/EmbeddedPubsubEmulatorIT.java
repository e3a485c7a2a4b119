package dev.shopstream.emulator.pubsub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.api.gax.rpc.ApiException;
import com.google.api.gax.rpc.StatusCode;
import com.google.cloud.pubsub.v1.Subscriber;
import com.google.protobuf.ByteString;
import com.google.pubsub.v1.DeadLetterPolicy;
import com.google.pubsub.v1.PublishRequest;
import com.google.pubsub.v1.PublisherGrpc;
import com.google.pubsub.v1.PubsubMessage;
import com.google.pubsub.v1.PullRequest;
import com.google.pubsub.v1.PushConfig;
import com.google.pubsub.v1.ReceivedMessage;
import com.google.pubsub.v1.SubscriberGrpc;
import com.google.pubsub.v1.Subscription;
import com.google.pubsub.v1.SubscriptionName;
import com.google.pubsub.v1.TopicName;
import dev.shopstream.contract.cli.CommandLines;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The conformance tests against the embedded emulator, plus what only the embedded emulator offers. */
class EmbeddedPubsubEmulatorIT extends PubsubConformanceTest {

  private static final ManualClock CLOCK = new ManualClock();
  private static PubsubEmulator emulator;

  @BeforeAll
  static void startEmulator() {
    emulator = PubsubEmulator.builder().clock(CLOCK).start();
  }

  @AfterAll
  static void stopEmulator() {
    emulator.close();
  }

  @Override
  String grpcTarget() {
    return emulator.grpcTarget();
  }

  @Override
  String restUrl() {
    return emulator.restUrl();
  }

  @Test
  void unackedMessageIsRedeliveredAfterItsAckDeadlineWithTheNextDeliveryAttempt() {
    TopicName topic = newTopic();
    String subscription = newSubscriptionWithDeadLetters(topic);
    String id = publish(topic, "slow consumer");
    ReceivedMessage first = single(clients.pullAtLeast(subscription, 1));
    assertThat(first.getDeliveryAttempt()).isEqualTo(1);
    assertThat(pullImmediately(subscription)).isEmpty();

    CLOCK.advance(Duration.ofSeconds(11));
    ReceivedMessage second = single(clients.pullAtLeast(subscription, 1));

    assertThat(second.getMessage().getMessageId()).isEqualTo(id);
    assertThat(second.getDeliveryAttempt()).isEqualTo(2);
    assertThat(second.getAckId()).isNotEqualTo(first.getAckId());
    clients.ack(subscription, List.of(first.getAckId())); // stale: the message was delivered again since
    assertThat(emulator.backlog(subscription)).isEqualTo(1);
    clients.ack(subscription, List.of(second.getAckId()));
    assertThat(emulator.backlog(subscription)).isZero();
  }

  @Test
  void pullWithoutReturnImmediatelyWaitsBrieflyThenReturnsNothing() {
    String subscription = newSubscription(newTopic(), 10);

    assertThat(clients.pull(subscription, 10)).isEmpty();
  }

  @Test
  void extendedAckDeadlineDelaysRedelivery() {
    TopicName topic = newTopic();
    String subscription = newSubscription(topic, 10);
    publish(topic, "needs time");
    ReceivedMessage first = single(clients.pullAtLeast(subscription, 1));

    clients.modifyAckDeadline(subscription, List.of(first.getAckId()), 60);
    CLOCK.advance(Duration.ofSeconds(30));
    assertThat(pullImmediately(subscription)).isEmpty();
    CLOCK.advance(Duration.ofSeconds(31));

    assertThat(single(clients.pullAtLeast(subscription, 1)).getMessage().getMessageId())
        .isEqualTo(first.getMessage().getMessageId());
  }

  @Test
  void eachLeaseRunsOutAtItsOwnLatestDeadlineAndIsCountedAsARedelivery() {
    TopicName topic = newTopic();
    String subscription = newSubscription(topic, 10);
    publishMany(topic, "lease", 3);
    List<ReceivedMessage> leased = clients.pullAtLeast(subscription, 3);
    Map<String, String> ackIds = new HashMap<>();
    leased.forEach(m -> ackIds.put(m.getMessage().getData().toStringUtf8(), m.getAckId()));
    Map<String, Long> before = emulator.stats();

    clients.modifyAckDeadline(subscription, List.of(ackIds.get("lease-0")), 60); // extended
    clients.modifyAckDeadline(subscription, List.of(ackIds.get("lease-2")), 2); // shortened
    clients.modifyAckDeadline(subscription, List.of(ackIds.get("lease-2")), 3); // and moved again
    CLOCK.advance(Duration.ofMillis(2500));
    assertThat(pullImmediately(subscription)).isEmpty();
    CLOCK.advance(Duration.ofSeconds(1));
    List<ReceivedMessage> again = clients.pullAtLeast(subscription, 1);
    assertThat(data(again)).containsExactly("lease-2");
    clients.ack(subscription, ackIds(again));
    CLOCK.advance(Duration.ofSeconds(7)); // 10.5 s: lease-1's subscription deadline has passed, lease-0's not
    again = clients.pullAtLeast(subscription, 1);
    assertThat(data(again)).containsExactly("lease-1");
    clients.ack(subscription, ackIds(again));
    CLOCK.advance(Duration.ofSeconds(49));
    assertThat(pullImmediately(subscription)).as("lease-0 is extended to 60 s").isEmpty();
    assertThat(emulator.backlog(subscription)).isEqualTo(1);
    CLOCK.advance(Duration.ofSeconds(1));
    assertThat(data(clients.pullAtLeast(subscription, 1))).containsExactly("lease-0");

    Map<String, Long> after = emulator.stats();
    assertThat(after.get("expired") - before.get("expired")).isEqualTo(3);
    assertThat(after.get("redelivered") - before.get("redelivered")).isEqualTo(3);
    assertThat(after.get("delivered") - before.get("delivered")).isEqualTo(3);
    assertThat(after.get("extended") - before.get("extended")).isEqualTo(3);
  }

  private static List<String> data(List<ReceivedMessage> messages) {
    return messages.stream().map(m -> m.getMessage().getData().toStringUtf8()).toList();
  }

  @Test
  void messageMovesToTheDeadLetterTopicAfterMaxDeliveryAttempts() {
    TopicName topic = newTopic();
    String subscription = newSubscriptionWithDeadLetters(topic);
    String deadLetters = clients.subscriptions.getSubscription(subscription).getDeadLetterPolicy()
        .getDeadLetterTopic();
    String deadLetterSubscription = newSubscription(TopicName.parse(deadLetters), 60);
    publish(topic, "poison");

    for (int attempt = 1; attempt <= 5; attempt++) {
      ReceivedMessage received = single(clients.pullAtLeast(subscription, 1));
      assertThat(received.getDeliveryAttempt()).isEqualTo(attempt);
      clients.modifyAckDeadline(subscription, List.of(received.getAckId()), 0);
    }

    ReceivedMessage deadLetter = single(clients.pullAtLeast(deadLetterSubscription, 1));
    assertThat(deadLetter.getMessage().getData().toStringUtf8()).isEqualTo("poison");
    assertThat(deadLetter.getMessage().getAttributesMap())
        .containsEntry("CloudPubSubDeadLetterSourceDeliveryCount", "5");
    assertThat(emulator.backlog(subscription)).isZero();
    assertThat(emulator.stats().get("deadLettered")).isPositive();
  }

  @Test
  void publishFailsClearlyWhenASubscriptionBacklogIsFull() throws Exception {
    try (PubsubEmulator small = PubsubEmulator.builder().maxBacklog(2, 1024 * 1024).start();
        PubsubClients smallClients = new PubsubClients(small.grpcTarget())) {
      TopicName topic = TopicName.of(PROJECT, unique("topic"));
      smallClients.topics.createTopic(topic);
      String subscription = SubscriptionName.of(PROJECT, unique("sub")).toString();
      smallClients.subscriptions.createSubscription(subscription, topic.toString(),
          PushConfig.getDefaultInstance(), 10);
      PublisherGrpc.PublisherBlockingStub publisher = PublisherGrpc.newBlockingStub(smallClients.channel);
      PublishRequest one = PublishRequest.newBuilder().setTopic(topic.toString()).addMessages(message("x")).build();
      publisher.publish(one);
      publisher.publish(one);

      StatusRuntimeException full = catchThrowableOfType(StatusRuntimeException.class,
          () -> publisher.publish(one));

      assertThat(full.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
      assertThat(full.getStatus().getDescription()).contains(subscription, "backlog limit");
      assertThat(small.backlog(subscription)).isEqualTo(2);
      smallClients.ack(subscription, ackIds(smallClients.pullAtLeast(subscription, 1)));
      publisher.publish(one);
      assertThat(small.backlog(subscription)).isEqualTo(2);
    }
  }

  /** The real service's limit; Google's emulator does not enforce it. */
  @Test
  void messagesAbove10MegabytesAreRejected() {
    TopicName topic = newTopic();
    PublishRequest tooLarge = PublishRequest.newBuilder()
        .setTopic(topic.toString())
        .addMessages(PubsubMessage.newBuilder().setData(ByteString.copyFrom(new byte[10 * 1024 * 1024 + 1])))
        .build();

    StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class,
        () -> PublisherGrpc.newBlockingStub(clients.channel).publish(tooLarge));

    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
  }

  @Test
  void oldestUnackedPublishTimeIsTheOldestWaitingOrLeasedMessage() {
    TopicName topic = newTopic();
    String subscription = newSubscription(topic, 60);
    assertThat(emulator.oldestUnackedPublishTime(subscription)).isEmpty();
    publish(topic, "first");
    java.time.Instant first = CLOCK.instant().truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
    CLOCK.advance(Duration.ofSeconds(5));
    publish(topic, "second");
    java.time.Instant second = CLOCK.instant().truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
    assertThat(emulator.oldestUnackedPublishTime(subscription)).hasValue(first);

    List<ReceivedMessage> leased = clients.pullAtLeast(subscription, 2); // both leased: still unacked
    assertThat(emulator.oldestUnackedPublishTime(subscription)).hasValue(first);
    ReceivedMessage older = leased.stream().filter(m -> m.getMessage().getData().toStringUtf8().equals("first"))
        .findFirst().orElseThrow();
    clients.ack(subscription, List.of(older.getAckId()));
    assertThat(emulator.oldestUnackedPublishTime(subscription)).hasValue(second);
    clients.ack(subscription, ackIds(leased));
    assertThat(emulator.oldestUnackedPublishTime(subscription)).isEmpty();
  }

  @Test
  void backlogAndStatsShowTheBrokerState() {
    TopicName topic = newTopic();
    String subscription = newSubscription(topic, 60);
    publishMany(topic, "stat", 3);
    List<ReceivedMessage> received = clients.pullAtLeast(subscription, 3);
    long ackedBefore = emulator.stats().get("acked");

    clients.ack(subscription, ackIds(received.subList(0, 2)));

    assertThat(emulator.backlog(subscription)).isEqualTo(1);
    assertThat(emulator.stats())
        .containsKeys("topics", "subscriptions", "streamingPulls", "published", "delivered", "nacked", "expired",
            "backlogMessages", "backlogBytes")
        .containsEntry("acked", ackedBefore + 2);
  }

  @Test
  void streamingPullEndsCleanlyWhenTheSubscriberStops() throws Exception {
    TopicName topic = newTopic();
    String subscription = newSubscription(topic, 10);
    Subscriber subscriber = clients.subscriber(subscription, (message, consumer) -> consumer.ack());
    subscriber.startAsync().awaitRunning();
    waitUntil(() -> emulator.stats().get("streamingPulls") > 0);

    subscriber.stopAsync().awaitTerminated();
    waitUntil(() -> emulator.stats().get("streamingPulls") == 0);

    publish(topic, "after the stream");
    assertThat(clients.pullAtLeast(subscription, 1)).hasSize(1);
  }

  @Test
  void subscriptionFeaturesTheEmulatorLacksAreRefused() {
    TopicName topic = newTopic();
    Subscription filtered = Subscription.newBuilder()
        .setName(SubscriptionName.of(PROJECT, unique("sub")).toString())
        .setTopic(topic.toString())
        .setFilter("attributes.kind = \"view\"")
        .build();

    assertThat(catchThrowableOfType(ApiException.class,
        () -> clients.subscriptions.createSubscription(filtered)).getStatusCode().getCode())
        .isEqualTo(StatusCode.Code.UNIMPLEMENTED);
  }

  @Test
  void restAnswersUnimplementedForMethodsTheEmulatorLacks() throws Exception {
    assertError(rest("POST", "projects/" + PROJECT + "/snapshots/" + unique("snap"), "{}"), 501, "UNIMPLEMENTED");
  }

  @Test
  void closeEndsPendingPullsAndLeavesNoNonDaemonThreads() throws Exception {
    Set<Thread> before = nonDaemonThreads();
    PubsubEmulator closing = PubsubEmulator.builder().maxPullWait(Duration.ofMinutes(5)).start();
    CompletableFuture<Void> pending;
    try (PubsubClients closingClients = new PubsubClients(closing.grpcTarget())) {
      TopicName topic = TopicName.of(PROJECT, unique("topic"));
      closingClients.topics.createTopic(topic);
      String subscription = SubscriptionName.of(PROJECT, unique("sub")).toString();
      closingClients.subscriptions.createSubscription(subscription, topic.toString(),
          PushConfig.getDefaultInstance(), 10);
      SubscriberGrpc.SubscriberBlockingStub stub = SubscriberGrpc.newBlockingStub(closingClients.channel);
      pending = CompletableFuture.runAsync(() -> stub.pull(
          PullRequest.newBuilder().setSubscription(subscription).setMaxMessages(1).build()));

      closing.close();

      ExecutionException failure = catchThrowableOfType(ExecutionException.class, pending::get);
      assertThat(Status.fromThrowable(failure.getCause()).getCode())
          .isIn(Status.Code.UNAVAILABLE, Status.Code.CANCELLED);
    }
    for (int i = 0; i < 250 && !before.containsAll(nonDaemonThreads()); i++) {
      Thread.sleep(20);
    }
    assertThat(nonDaemonThreads()).isSubsetOf(before);
  }

  @Test
  void startFailsClearlyWhenAPortIsTaken() {
    int takenPort = Integer.parseInt(emulator.restUrl().substring(emulator.restUrl().lastIndexOf(':') + 1));

    assertThatThrownBy(() -> PubsubEmulator.start("127.0.0.1", 0, takenPort))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining("Cannot start the Pub/Sub emulator");
  }

  @Test
  void commandLineFlagsConfigureTheStandaloneEmulator() {
    PubsubEmulatorCommand command = new PubsubEmulatorCommand();
    CommandLines.of(command).parseArgs("--host", "127.0.0.1", "--grpc-port=0", "--rest-port", "0");
    try (PubsubEmulator standalone = command.builder().start()) {
      assertThat(standalone.grpcTarget()).startsWith("127.0.0.1:");
      assertThat(standalone.restUrl()).startsWith("http://127.0.0.1:");
    }
    assertThat(PubsubEmulatorCommand.commandLine().parseArgs("--help").isUsageHelpRequested()).isTrue();
  }

  private String newSubscriptionWithDeadLetters(TopicName topic) {
    TopicName deadLetters = newTopic();
    Subscription subscription = clients.subscriptions.createSubscription(Subscription.newBuilder()
        .setName(SubscriptionName.of(PROJECT, unique("sub")).toString())
        .setTopic(topic.toString())
        .setAckDeadlineSeconds(10)
        .setDeadLetterPolicy(DeadLetterPolicy.newBuilder()
            .setDeadLetterTopic(deadLetters.toString())
            .setMaxDeliveryAttempts(5))
        .build());
    return subscription.getName();
  }

  private static Set<Thread> nonDaemonThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(thread -> !thread.isDaemon() && thread.isAlive())
        .collect(Collectors.toSet());
  }
}
