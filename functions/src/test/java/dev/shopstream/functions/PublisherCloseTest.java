package dev.shopstream.functions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.google.api.core.ApiFuture;
import com.google.protobuf.ByteString;
import com.google.pubsub.v1.PubsubMessage;
import com.google.pubsub.v1.TopicName;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * Closing a publisher is bounded even when Pub/Sub never answers: the local stack's Ctrl-C ran this close in a JVM
 * shutdown hook, and {@code Publisher.shutdown()} waits for every outstanding message without bound, so the JVM
 * never exited while a publish was pending on a stopped or full emulator.
 */
class PublisherCloseTest {
  @Test
  void closeReturnsWithinItsTimeoutWhilePublishesAreUnanswered() throws Exception {
    List<Socket> held = new CopyOnWriteArrayList<>();
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      Thread acceptor = new Thread(() -> {
        try {
          while (true) {
            held.add(silent.accept()); // accepted, never answered: a Pub/Sub that hangs
          }
        } catch (Exception e) {
          // the server socket closed
        }
      });
      acceptor.setDaemon(true);
      acceptor.start();

      PubsubPublishers.ClosablePublisher publisher = PubsubPublishers.create(
          TopicName.of("my-project", "events"), "127.0.0.1:" + silent.getLocalPort());
      ApiFuture<String> pending = publisher.publish(
          PubsubMessage.newBuilder().setData(ByteString.copyFromUtf8("{}")).build());
      publisher.publishAllOutstanding();

      assertTimeoutPreemptively(PubsubPublishers.SHUTDOWN_TIMEOUT.plus(Duration.ofSeconds(20)), publisher::close);
      assertThat(pending.isDone() && !pending.isCancelled() && succeeded(pending)).as("never acknowledged").isFalse();
    } finally {
      for (Socket s : held) {
        s.close();
      }
    }
  }

  private static boolean succeeded(ApiFuture<String> future) {
    try {
      future.get();
      return true;
    } catch (Exception e) {
      return false;
    }
  }
}
