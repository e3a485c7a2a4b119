package dev.shopstream.emulator.pubsub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import com.google.pubsub.v1.PubsubMessage;
import com.google.pubsub.v1.Subscription;
import com.google.pubsub.v1.Topic;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The journal's file format on its own: what survives a torn tail or corruption, and that a directory is owned. */
class JournalTest {

  @TempDir
  Path temp;

  @Test
  void tornTailAtAnyCutPointRestoresExactlyTheCompleteRecordsBeforeIt() throws IOException {
    Path dir = temp.resolve("original");
    List<JournalRecord> written = sampleRecords(60);
    List<Long> ends = new ArrayList<>(); // file offset after each record
    try (Journal journal = Journal.open(dir, Long.MAX_VALUE)) {
      journal.replay(r -> {});
      journal.begin(List.of());
      long end = 0;
      for (JournalRecord record : written) {
        end += journal.append(record);
        ends.add(end);
      }
      journal.sync(journal.position());
    }
    Path file = onlyJournal(dir);
    long size = Files.size(file);
    assertThat(size).isEqualTo(ends.get(ends.size() - 1));

    // property: for every cut point, the restored records are exactly the records that end at or before it
    TreeSet<Long> cuts = new TreeSet<>(ends);
    cuts.add(0L);
    Random random = new Random(42);
    while (cuts.size() < 400) {
      cuts.add((long) random.nextInt((int) size));
    }
    int copy = 0;
    for (long cut : cuts) {
      Path cutDir = temp.resolve("cut" + copy++);
      copyDirectory(dir, cutDir);
      try (RandomAccessFile raf = new RandomAccessFile(cutDir.resolve(file.getFileName()).toFile(), "rw")) {
        raf.setLength(cut);
      }
      int complete = (int) ends.stream().filter(end -> end <= cut).count();
      List<JournalRecord> restored = restore(cutDir);
      assertThat(encoded(restored)).as("cut at %d of %d", cut, size).isEqualTo(encoded(written.subList(0, complete)));
    }
  }

  @Test
  void aZeroFilledTailIsATornTailToo() throws IOException {
    Path dir = temp.resolve("zeros");
    List<JournalRecord> written = sampleRecords(5);
    writeAll(dir, written);
    try (var out = Files.newOutputStream(onlyJournal(dir), java.nio.file.StandardOpenOption.APPEND)) {
      out.write(new byte[4096]);
    }
    assertThat(encoded(restore(dir))).isEqualTo(encoded(written));
  }

  @Test
  void corruptionInTheMiddleKeepsThePrefixWarnsWithTheOffsetAndSetsTheFileAside() throws IOException {
    Path dir = temp.resolve("corrupt");
    List<JournalRecord> written = sampleRecords(20);
    long[] ends = writeAll(dir, written);
    Path file = onlyJournal(dir);
    long flipped = ends[9] + Journal.HEADER_BYTES + 3; // inside the payload of record 11
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.seek(flipped);
      int b = raf.read();
      raf.seek(flipped);
      raf.write(b ^ 0x40);
    }
    List<LogRecord> logged = new ArrayList<>();
    Handler capture = new Handler() {
      @Override
      public void publish(LogRecord record) {
        logged.add(record);
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    Logger logger = Logger.getLogger(Journal.class.getName());
    logger.addHandler(capture);
    List<JournalRecord> restored;
    try {
      restored = restore(dir);
    } finally {
      logger.removeHandler(capture);
    }

    assertThat(encoded(restored)).isEqualTo(encoded(written.subList(0, 10)));
    LogRecord warning = logged.stream().filter(r -> r.getLevel() == Level.WARNING).findFirst().orElseThrow();
    assertThat(warning.getParameters()[0].toString()).contains("\"offset\":" + ends[9]);
    assertThat(Files.exists(file.resolveSibling(file.getFileName() + ".damaged"))).isTrue();
    assertThat(encoded(restore(dir))).as("the restored prefix is the new state").isEqualTo(encoded(restored));
  }

  @Test
  void aDirectoryServesOneJournalAtATime() throws IOException {
    Path dir = temp.resolve("locked");
    try (Journal journal = Journal.open(dir, Long.MAX_VALUE)) {
      assertThatThrownBy(() -> Journal.open(dir, Long.MAX_VALUE)).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("in use");
    }
    Journal.open(dir, Long.MAX_VALUE).close();
  }

  // ------------------------------------------------------------------------------------------ helpers

  /** Writes the records to a fresh journal; returns the file offset after each. */
  private static long[] writeAll(Path dir, List<JournalRecord> records) throws IOException {
    long[] ends = new long[records.size()];
    try (Journal journal = Journal.open(dir, Long.MAX_VALUE)) {
      journal.replay(r -> {});
      journal.begin(List.of());
      long end = 0;
      for (int i = 0; i < records.size(); i++) {
        end += journal.append(records.get(i));
        ends[i] = end;
      }
      journal.sync(journal.position());
    }
    return ends;
  }

  /** What a journal restores from the directory; then it starts a new generation from it, as the broker does. */
  private static List<JournalRecord> restore(Path dir) throws IOException {
    List<JournalRecord> restored = new ArrayList<>();
    try (Journal journal = Journal.open(dir, Long.MAX_VALUE)) {
      journal.replay(restored::add);
      journal.begin(restored);
    }
    return restored;
  }

  private static Path onlyJournal(Path dir) throws IOException {
    try (var files = Files.list(dir)) {
      List<Path> journals = files.filter(p -> p.getFileName().toString().matches("journal\\.\\d+")).toList();
      assertThat(journals).hasSize(1);
      return journals.get(0);
    }
  }

  private static void copyDirectory(Path from, Path to) throws IOException {
    Files.createDirectories(to);
    try (var files = Files.list(from)) {
      for (Path file : files.toList()) {
        Files.copy(file, to.resolve(file.getFileName()));
      }
    }
  }

  private static List<String> encoded(List<JournalRecord> records) {
    return records.stream().map(r -> Arrays.toString(r.encode())).collect(Collectors.toList());
  }

  static List<JournalRecord> sampleRecords(int publishes) {
    String topic = "projects/my-project/topics/orders";
    List<JournalRecord> records = new ArrayList<>();
    records.add(new JournalRecord.TopicCreated(Topic.newBuilder().setName(topic).build()));
    records.add(new JournalRecord.SubscriptionPut(1, Subscription.newBuilder()
        .setName("projects/my-project/subscriptions/pipeline").setTopic(topic).setAckDeadlineSeconds(30).build()));
    Random random = new Random(7);
    for (int i = 1; i <= publishes; i++) {
      byte[] data = new byte[random.nextInt(300)];
      random.nextBytes(data);
      records.add(new JournalRecord.Published(i, new long[] {1}, PubsubMessage.newBuilder()
          .setMessageId(Integer.toString(i))
          .setPublishTime(Timestamp.newBuilder().setSeconds(1_700_000_000L + i).setNanos(1_000_000))
          .setData(ByteString.copyFrom(data))
          .putAttributes("event_id", "e-" + i)
          .setOrderingKey(i % 3 == 0 ? "user-" + i : "")
          .build()));
      if (i % 7 == 0) {
        records.add(new JournalRecord.Acked(1, new long[] {i - 1, i - 2}));
      }
    }
    return records;
  }
}
