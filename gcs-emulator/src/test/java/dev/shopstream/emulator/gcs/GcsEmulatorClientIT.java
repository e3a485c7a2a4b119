package dev.shopstream.emulator.gcs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.api.gax.paging.Page;
import com.google.cloud.ReadChannel;
import com.google.cloud.WriteChannel;
import com.google.cloud.storage.Blob;
import com.google.cloud.storage.BlobId;
import com.google.cloud.storage.BlobInfo;
import com.google.cloud.storage.BucketInfo;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.Storage.BlobListOption;
import com.google.cloud.storage.Storage.BlobTargetOption;
import com.google.cloud.storage.StorageException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.StreamSupport;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The official Java client (HTTP/JSON transport) against the emulator. */
@Timeout(60)
class GcsEmulatorClientIT {
  private static final String BUCKET = "client-bucket";

  @TempDir
  static Path root;
  @TempDir
  static Path files;
  private static GcsEmulator emulator;
  private static Storage storage;

  @BeforeAll
  static void start() throws IOException {
    emulator = GcsEmulator.start("127.0.0.1", 0, root);
    storage = Loopback.storage(emulator);
    storage.create(BucketInfo.of(BUCKET));
  }

  @AfterAll
  static void stop() throws Exception {
    storage.close();
    emulator.close();
  }

  @Test
  void bucketsAreCreatedReadListedAndMissingOnesAre404() {
    storage.create(BucketInfo.of("another-bucket"));

    assertThat(storage.get("another-bucket").getName()).isEqualTo("another-bucket");
    assertThat(storage.list().iterateAll()).extracting(b -> b.getName()).contains(BUCKET, "another-bucket");
    assertThat(storage.get("no-such-bucket")).isNull();
    assertThatThrownBy(() -> storage.list("no-such-bucket"))
        .isInstanceOfSatisfying(StorageException.class, e -> assertThat(e.getCode()).isEqualTo(404));
    assertThatThrownBy(() -> storage.create(BucketInfo.of("another-bucket")))
        .isInstanceOfSatisfying(StorageException.class, e -> assertThat(e.getCode()).isEqualTo(409));

    assertThat(storage.delete("another-bucket")).isTrue();
    assertThat(storage.get("another-bucket")).isNull();
  }

  @Test
  void smallUploadKeepsContentTypeMetadataAndHashes() throws Exception {
    byte[] content = "{\"event\":\"view\"}\n".getBytes(StandardCharsets.UTF_8);
    BlobInfo info = BlobInfo.newBuilder(BUCKET, "events/2024/01/small file+1.jsonl")
        .setContentType("application/x-ndjson")
        .setMetadata(Map.of("source", "test"))
        .build();

    Blob created = storage.create(info, content);

    Blob read = storage.get(info.getBlobId());
    assertThat(read.getSize()).isEqualTo(content.length);
    assertThat(read.getContentType()).isEqualTo("application/x-ndjson");
    assertThat(read.getMetadata()).containsEntry("source", "test");
    assertThat(read.getCrc32c()).isEqualTo(crc32c(content));
    assertThat(read.getMd5()).isEqualTo(Base64.getEncoder().encodeToString(
        MessageDigest.getInstance("MD5").digest(content)));
    assertThat(read.getGeneration()).isEqualTo(created.getGeneration());
    assertThat(read.getMetageneration()).isEqualTo(1L);
    assertThat(read.getCreateTimeOffsetDateTime()).isNotNull();
    assertThat(storage.readAllBytes(info.getBlobId())).isEqualTo(content);
  }

  @Test
  void rewritingAnObjectIncreasesItsGeneration() {
    BlobId id = BlobId.of(BUCKET, "rewritten.txt");
    long first = storage.create(BlobInfo.newBuilder(id).build(), bytes("one")).getGeneration();
    long second = storage.create(BlobInfo.newBuilder(id).build(), bytes("two")).getGeneration();

    assertThat(second).isGreaterThan(first);
    assertThat(storage.readAllBytes(id)).isEqualTo(bytes("two"));
  }

  @Test
  void doesNotExistPreconditionFailsWith412TheSecondTime() {
    BlobInfo info = BlobInfo.newBuilder(BUCKET, "once.txt").build();
    storage.create(info, bytes("first"), BlobTargetOption.doesNotExist());

    assertThatThrownBy(() -> storage.create(info, bytes("second"), BlobTargetOption.doesNotExist()))
        .isInstanceOfSatisfying(StorageException.class, e -> assertThat(e.getCode()).isEqualTo(412));
    assertThat(storage.readAllBytes(info.getBlobId())).isEqualTo(bytes("first"));
  }

  @Test
  void createFromAFileLargerThanTheClientsBufferRoundTrips() throws Exception {
    byte[] content = random(16 * 1024 * 1024 + 3, 1); // the client buffers 15 MiB by default
    Path file = files.resolve("large.bin");
    Files.write(file, content);
    BlobInfo info = BlobInfo.newBuilder(BUCKET, "large/from-file.bin").build();

    Blob blob = storage.createFrom(info, file);

    assertThat(blob.getSize()).isEqualTo(content.length);
    assertThat(blob.getCrc32c()).isEqualTo(crc32c(content));
    assertThat(sha256(storage.readAllBytes(info.getBlobId()))).isEqualTo(sha256(content));
  }

  @Test
  void writerUploadsInSeveralResumableChunksAndReaderReadsBack() throws Exception {
    byte[] content = random(1024 * 1024 + 12_345, 2);
    BlobInfo info = BlobInfo.newBuilder(BUCKET, "large/from-writer.bin").setContentType("application/avro").build();

    try (WriteChannel writer = storage.writer(info)) {
      writer.setChunkSize(256 * 1024);
      for (int offset = 0; offset < content.length; offset += 100_000) {
        writer.write(ByteBuffer.wrap(content, offset, Math.min(100_000, content.length - offset)));
      }
    }

    Blob blob = storage.get(info.getBlobId());
    assertThat(blob.getSize()).isEqualTo(content.length);
    assertThat(blob.getContentType()).isEqualTo("application/avro");
    assertThat(blob.getCrc32c()).isEqualTo(crc32c(content));
    assertThat(sha256(readAll(info.getBlobId(), 0))).isEqualTo(sha256(content));
    byte[] tail = readAll(info.getBlobId(), 1_000_000); // seek: a ranged download
    assertThat(tail).hasSize(content.length - 1_000_000);
    assertThat(sha256(tail)).isEqualTo(sha256(Arrays.copyOfRange(content, 1_000_000, content.length)));
  }

  @Test
  void listsByPrefixWithDelimiterAndInPages() {
    for (String name : List.of("list/a.txt", "list/b.txt", "list/sub/c.txt", "list/sub/d.txt", "list/z/e.txt")) {
      storage.create(BlobInfo.newBuilder(BUCKET, name).build(), bytes(name));
    }

    assertThat(names(storage.list(BUCKET, BlobListOption.prefix("list/"))))
        .containsExactly("list/a.txt", "list/b.txt", "list/sub/c.txt", "list/sub/d.txt", "list/z/e.txt");
    assertThat(names(storage.list(BUCKET, BlobListOption.prefix("list/"), BlobListOption.currentDirectory())))
        .containsExactly("list/a.txt", "list/b.txt", "list/sub/", "list/z/");
    assertThat(StreamSupport.stream(storage.list(BUCKET, BlobListOption.prefix("list/"),
        BlobListOption.currentDirectory()).iterateAll().spliterator(), false)
        .filter(Blob::isDirectory)).hasSize(2);

    Page<Blob> page = storage.list(BUCKET, BlobListOption.prefix("list/"), BlobListOption.pageSize(2));
    List<Integer> pageSizes = new ArrayList<>();
    List<String> all = new ArrayList<>();
    for (Page<Blob> p = page; p != null; p = p.getNextPage()) {
      List<String> names = new ArrayList<>();
      p.getValues().forEach(blob -> names.add(blob.getName()));
      pageSizes.add(names.size());
      all.addAll(names);
    }
    assertThat(pageSizes).containsExactly(2, 2, 1);
    assertThat(all).containsExactly("list/a.txt", "list/b.txt", "list/sub/c.txt", "list/sub/d.txt", "list/z/e.txt");
  }

  @Test
  void deleteRemovesTheObject() {
    BlobId id = BlobId.of(BUCKET, "to-delete.txt");
    storage.create(BlobInfo.newBuilder(id).build(), bytes("bye"));

    assertThat(storage.delete(id)).isTrue();
    assertThat(storage.get(id)).isNull();
    assertThat(storage.delete(id)).isFalse();
    assertThatThrownBy(() -> storage.readAllBytes(id))
        .isInstanceOfSatisfying(StorageException.class, e -> assertThat(e.getCode()).isEqualTo(404));
  }

  private static byte[] readAll(BlobId id, long from) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ReadChannel reader = storage.reader(id)) {
      reader.seek(from);
      reader.setChunkSize(64 * 1024);
      ByteBuffer buffer = ByteBuffer.allocate(32 * 1024);
      while (reader.read(buffer) >= 0) {
        out.write(buffer.array(), 0, buffer.position());
        buffer.clear();
      }
    }
    return out.toByteArray();
  }

  private static List<String> names(Page<Blob> page) {
    List<String> names = new ArrayList<>();
    page.iterateAll().forEach(blob -> names.add(blob.getName()));
    return names;
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] random(int size, long seed) {
    byte[] bytes = new byte[size];
    new Random(seed).nextBytes(bytes);
    return bytes;
  }

  static String crc32c(byte[] content) {
    CRC32C crc = new CRC32C();
    crc.update(content);
    return Base64.getEncoder().encodeToString(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
  }

  private static String sha256(byte[] content) throws Exception {
    return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(content));
  }
}
