package dev.shopstream.emulator.pubsub;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.cloud.pubsub.v1.Publisher;
import com.google.protobuf.ByteString;
import com.google.pubsub.v1.DeadLetterPolicy;
import com.google.pubsub.v1.ProjectName;
import com.google.pubsub.v1.PublishRequest;
import com.google.pubsub.v1.PublisherGrpc;
import com.google.pubsub.v1.PubsubMessage;
import com.google.pubsub.v1.PullRequest;
import com.google.pubsub.v1.ReceivedMessage;
import com.google.pubsub.v1.Subscription;
import com.google.pubsub.v1.Topic;
import com.google.pubsub.v1.TopicName;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded emulator with a data directory, through the official Java client: what a restart restores, what an
 * emulator abandoned without closing (as after {@code kill -9}) leaves behind, and that compaction bounds the files.
 * "Abandoned" is simulated by copying the data directory while the emulator runs, right after the publish was
 * acknowledged, and starting a second emulator on the copy.
 */
@Timeout(120)
class PersistentPubsubEmulatorIT {

  private static final String PROJECT = "my-project";

  @TempDir
  Path temp;

  @Test
  void restartOnTheSameDirectoryRestoresTopicsSubscriptionsAndOnlyTheUnackedMessages() throws Exception {
    Path dir = temp.resolve("pubsub");
    TopicName topic = TopicName.of(PROJECT, "orders");
    TopicName deadLetters = TopicName.of(PROJECT, "orders-dead");
    String subscription = "projects/" + PROJECT + "/subscriptions/pipeline";
    Subscription created;
    List<PubsubMessage> unacked;
    try (PubsubEmulator emulator = PubsubEmulator.start("127.0.0.1", 0, 0, dir);
         PubsubClients clients = new PubsubClients(emulator.grpcTarget())) {
      clients.topics.createTopic(topic);
      clients.topics.createTopic(deadLetters);
      created = clients.subscriptions.createSubscription(Subscription.newBuilder()
          .setName(subscription)
          .setTopic(topic.toString())
          .setAckDeadlineSeconds(45)
          .setDeadLetterPolicy(DeadLetterPolicy.newBuilder().setDeadLetterTopic(deadLetters.toString())
              .setMaxDeliveryAttempts(7))
          .build());
      publishWithClient(clients, topic, 6);
      List<ReceivedMessage> received = byData(clients.pullAtLeast(subscription, 6));
      clients.ack(subscription, List.of(received.get(0).getAckId(), received.get(3).getAckId()));
      unacked = Stream.of(1, 2, 4, 5).map(i -> received.get(i).getMessage())
          .sorted(java.util.Comparator.comparingLong(m -> Long.parseLong(m.getMessageId()))).toList();
      assertThat(emulator.backlog(subscription)).isEqualTo(4);
    }

    try (PubsubEmulator emulator = PubsubEmulator.start("127.0.0.1", 0, 0, dir);
         PubsubClients clients = new PubsubClients(emulator.grpcTarget())) {
      assertThat(names(clients.topics.listTopics(ProjectName.of(PROJECT)).iterateAll(), Topic::getName))
          .containsExactly(topic.toString(), deadLetters.toString());
      assertThat(clients.subscriptions.getSubscription(subscription)).isEqualTo(created);
      assertThat(emulator.backlog(subscription)).isEqualTo(4);

      List<ReceivedMessage> redelivered = clients.pullAtLeast(subscription, 4);
      assertThat(redelivered).extracting(ReceivedMessage::getMessage).containsExactlyElementsOf(unacked);
      assertThat(redelivered).allSatisfy(m -> assertThat(m.getDeliveryAttempt()).isEqualTo(1));
      assertThat(pullImmediately(clients, subscription)).isEmpty();

      String next = publishWithClient(clients, topic, 1).get(0);
      long lastBefore = unacked.stream().mapToLong(m -> Long.parseLong(m.getMessageId())).max().orElseThrow();
      assertThat(Long.parseLong(next)).as("message ids are never reused").isGreaterThan(lastBefore);
    }
  }

  @Test
  void everyPublishAcknowledgedBeforeTheEmulatorIsAbandonedIsThere() throws Exception {
    Path dir = temp.resolve("pubsub");
    Path copy = temp.resolve("copy");
    TopicName topic = TopicName.of(PROJECT, "events");
    String subscription = "projects/" + PROJECT + "/subscriptions/events-pipeline";
    Set<String> acknowledged = new HashSet<>();
    try (PubsubEmulator emulator = PubsubEmulator.start("127.0.0.1", 0, 0, dir);
         PubsubClients clients = new PubsubClients(emulator.grpcTarget())) {
      clients.topics.createTopic(topic);
      clients.subscriptions.createSubscription(subscription, topic, com.google.pubsub.v1.PushConfig
          .getDefaultInstance(), 60);
      acknowledged.addAll(publishWithClient(clients, topic, 50));
      acknowledged.addAll(publishWithRest(emulator.restUrl(), topic, 10));
      copyWhileRunning(dir, copy); // the emulator is not closed before its files are taken
    }

    try (PubsubEmulator restarted = PubsubEmulator.start("127.0.0.1", 0, 0, copy);
         PubsubClients clients = new PubsubClients(restarted.grpcTarget())) {
      assertThat(clients.pullAtLeast(subscription, 60)).extracting(m -> m.getMessage().getMessageId())
          .containsExactlyInAnyOrderElementsOf(acknowledged);
    }
  }

  @Test
  void concurrentPublishersAllGetDurableAcknowledgements() throws Exception {
    Path dir = temp.resolve("pubsub");
    Path copy = temp.resolve("copy");
    TopicName topic = TopicName.of(PROJECT, "ingest");
    String subscription = "projects/" + PROJECT + "/subscriptions/ingest-pipeline";
    int threads = 8;
    int perThread = 150;
    Set<String> acknowledged = new HashSet<>();
    try (PubsubEmulator emulator = PubsubEmulator.start("127.0.0.1", 0, 0, dir);
         PubsubClients clients = new PubsubClients(emulator.grpcTarget())) {
      clients.topics.createTopic(topic);
      clients.subscriptions.createSubscription(subscription, topic, com.google.pubsub.v1.PushConfig
          .getDefaultInstance(), 60);
      PublisherGrpc.PublisherBlockingStub stub = PublisherGrpc.newBlockingStub(clients.channel);
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      List<Future<List<String>>> results = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        results.add(pool.submit((Callable<List<String>>) () -> {
          List<String> ids = new ArrayList<>();
          for (int i = 0; i < perThread; i++) {
            ids.addAll(stub.publish(PublishRequest.newBuilder().setTopic(topic.toString())
                .addMessages(message("t" + thread + "-" + i)).build()).getMessageIdsList());
          }
          return ids;
        }));
      }
      for (Future<List<String>> result : results) {
        acknowledged.addAll(result.get(60, TimeUnit.SECONDS));
      }
      pool.shutdown();
      copyWhileRunning(dir, copy);
    }

    assertThat(acknowledged).hasSize(threads * perThread);
    try (PubsubEmulator restarted = PubsubEmulator.start("127.0.0.1", 0, 0, copy);
         PubsubClients clients = new PubsubClients(restarted.grpcTarget())) {
      assertThat(restarted.backlog(subscription)).isEqualTo(threads * perThread);
      assertThat(clients.pullAtLeast(subscription, threads * perThread))
          .extracting(m -> m.getMessage().getMessageId())
          .containsExactlyInAnyOrderElementsOf(acknowledged);
    }
  }

  @Test
  void compactionKeepsExactlyTheUnackedMessagesAndBoundsTheFiles() throws Exception {
    Path dir = temp.resolve("pubsub");
    long threshold = 256 * 1024;
    TopicName topic = TopicName.of(PROJECT, "busy");
    String subscription = "projects/" + PROJECT + "/subscriptions/busy-pipeline";
    Set<String> unacked = new HashSet<>();
    long largestDirectory = 0;
    try (PubsubEmulator emulator = PubsubEmulator.builder().dataDirectory(dir).compactionThreshold(threshold)
        .start(); PubsubClients clients = new PubsubClients(emulator.grpcTarget())) {
      clients.topics.createTopic(topic);
      clients.subscriptions.createSubscription(subscription, topic, com.google.pubsub.v1.PushConfig
          .getDefaultInstance(), 600);
      PublisherGrpc.PublisherBlockingStub stub = PublisherGrpc.newBlockingStub(clients.channel);
      String padding = "x".repeat(2000);
      for (int round = 0; round < 60; round++) { // about 6 MB published, 24 x the threshold
        PublishRequest.Builder request = PublishRequest.newBuilder().setTopic(topic.toString());
        for (int i = 0; i < 50; i++) {
          request.addMessages(message(round + "-" + i + padding));
        }
        stub.publish(request.build());
        List<ReceivedMessage> received = clients.pullAtLeast(subscription, 50);
        List<String> toAck = new ArrayList<>();
        for (int i = 0; i < received.size(); i++) {
          if (i == 7) {
            unacked.add(received.get(i).getMessage().getMessageId()); // one in 50 stays unacked
          } else {
            toAck.add(received.get(i).getAckId());
          }
        }
        clients.ack(subscription, toAck);
        largestDirectory = Math.max(largestDirectory, directoryBytes(dir));
      }
      assertThat(emulator.backlog(subscription)).isEqualTo(unacked.size());
    } // closed, so the last acks are written too (unforced acks may be lost in a crash: a redelivery)

    // live state: 60 messages of about 2 KB; without compaction the directory would hold about 6 MB
    assertThat(largestDirectory).isLessThan(4 * threshold);
    assertThat(generations(dir)).as("compactions ran").allSatisfy(g -> assertThat(g).isGreaterThan(3));
    try (PubsubEmulator restarted = PubsubEmulator.start("127.0.0.1", 0, 0, dir);
         PubsubClients clients = new PubsubClients(restarted.grpcTarget())) {
      assertThat(restarted.backlog(subscription)).isEqualTo(unacked.size());
      assertThat(clients.pullAtLeast(subscription, unacked.size())).extracting(m -> m.getMessage().getMessageId())
          .containsExactlyInAnyOrderElementsOf(unacked);
    }
  }

  // ------------------------------------------------------------------------------------------ helpers

  private static PubsubMessage message(String data) {
    return PubsubMessage.newBuilder().setData(ByteString.copyFromUtf8(data)).build();
  }

  /** Publishes through the client library's {@link Publisher}, with attributes and ordering keys; the ids. */
  private static List<String> publishWithClient(PubsubClients clients, TopicName topic, int count) throws Exception {
    Publisher publisher = clients.publisher(topic);
    try {
      List<com.google.api.core.ApiFuture<String>> futures = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        futures.add(publisher.publish(PubsubMessage.newBuilder()
            .setData(ByteString.copyFromUtf8(String.format("event-%03d", i)))
            .putAttributes("event_id", "e" + i)
            .putAttributes("source", "test")
            .setOrderingKey(i % 2 == 0 ? "user-1" : "")
            .build()));
      }
      List<String> ids = new ArrayList<>();
      for (var future : futures) {
        ids.add(future.get(30, TimeUnit.SECONDS));
      }
      return ids;
    } finally {
      publisher.shutdown();
      publisher.awaitTermination(10, TimeUnit.SECONDS);
    }
  }

  /** Publishes one message per request through the REST front end (as Beam's PubsubIO does); the ids. */
  private static List<String> publishWithRest(String restUrl, TopicName topic, int count) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String data = Base64.getEncoder().encodeToString(("rest-" + i).getBytes(StandardCharsets.UTF_8));
      HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(restUrl + "/v1/" + topic
              + ":publish")).POST(HttpRequest.BodyPublishers.ofString("{\"messages\":[{\"data\":\"" + data + "\"}]}"))
          .header("Content-Type", "application/json").build(), HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).isEqualTo(200);
      ids.add(response.body().replaceAll("(?s).*\"messageIds\"\\s*:\\s*\\[\\s*\"([^\"]+)\".*", "$1"));
    }
    return ids;
  }

  private static List<ReceivedMessage> byData(List<ReceivedMessage> messages) {
    return messages.stream()
        .sorted((a, b) -> a.getMessage().getData().toStringUtf8().compareTo(b.getMessage().getData().toStringUtf8()))
        .toList();
  }

  @SuppressWarnings("deprecation")
  private static List<ReceivedMessage> pullImmediately(PubsubClients clients, String subscription) {
    return clients.subscriber.pullCallable().call(PullRequest.newBuilder().setSubscription(subscription)
        .setMaxMessages(10).setReturnImmediately(true).build()).getReceivedMessagesList();
  }

  private static <T> List<String> names(Iterable<T> items, Function<T, String> name) {
    List<String> names = new ArrayList<>();
    items.forEach(item -> names.add(name.apply(item)));
    return names;
  }

  /** Copies the files as they are now, as a crash would leave them (a file may vanish during a compaction). */
  private static void copyWhileRunning(Path from, Path to) throws IOException {
    Files.createDirectories(to);
    try (Stream<Path> files = Files.list(from)) {
      for (Path file : files.toList()) {
        try {
          Files.copy(file, to.resolve(file.getFileName()));
        } catch (NoSuchFileException e) {
          // deleted by a compaction meanwhile: a crash at this moment would not have it either
        }
      }
    }
  }

  private static long directoryBytes(Path dir) throws IOException {
    long bytes = 0;
    try (Stream<Path> files = Files.list(dir)) {
      for (Path file : files.toList()) {
        try {
          bytes += Files.size(file);
        } catch (NoSuchFileException e) {
          // deleted meanwhile
        }
      }
    }
    return bytes;
  }

  private static List<Long> generations(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).filter(n -> n.matches("(snapshot|journal)\\.\\d+"))
          .map(n -> Long.parseLong(n.substring(n.indexOf('.') + 1))).collect(Collectors.toList());
    }
  }
}
