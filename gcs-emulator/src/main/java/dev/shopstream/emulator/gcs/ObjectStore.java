package dev.shopstream.emulator.gcs;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shopstream.contract.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Comparator;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * Buckets and objects on disk, with an in-memory index of the objects' metadata.
 *
 * <pre>
 * root/.staging/                          uploads in progress (emptied at start)
 * root/{bucket}/bucket.json
 * root/{bucket}/objects/{key}.json        the object's metadata (its JSON API resource)
 * root/{bucket}/objects/{key}.{gen}.data  its bytes
 * </pre>
 *
 * The key is the SHA-256 of the object name, so that no name can reach outside its bucket's folder or run into file
 * name limits. A write moves the staged data into place under its new generation, then replaces the metadata file,
 * then deletes the previous generation's data: whatever the moment of a crash, the metadata names complete data.
 * Data files no metadata names are deleted at start.
 */
final class ObjectStore {
  private static final Logger LOG = Logger.getLogger(ObjectStore.class.getName());
  private static final String BUCKET_FILE = "bucket.json";
  private static final String OBJECTS_DIR = "objects";
  private static final int MAX_NAME_BYTES = 1024;

  /** An object's metadata and its bytes, opened while that generation was the current one. */
  record ObjectContent(StoredObject object, FileChannel data) implements AutoCloseable {
    @Override
    public void close() throws IOException {
      data.close();
    }
  }

  private static final class BucketState {
    final StoredBucket bucket;
    final Path objectsDir;
    final NavigableMap<String, StoredObject> objects = new TreeMap<>();
    boolean deleted;

    BucketState(StoredBucket bucket, Path objectsDir) {
      this.bucket = bucket;
      this.objectsDir = objectsDir;
    }
  }

  private final Path root;
  private final Path staging;
  private final long maxObjectSize;
  private final Consumer<StoredObject> onFinalize;
  private final Map<String, BucketState> buckets = new ConcurrentHashMap<>();
  private final AtomicLong lastGeneration = new AtomicLong();

  /** {@code onFinalize} is told of every object written, after the write; it must not block. */
  ObjectStore(Path root, long maxObjectSize, Consumer<StoredObject> onFinalize) throws IOException {
    this.root = root;
    this.staging = root.resolve(".staging");
    this.maxObjectSize = maxObjectSize;
    this.onFinalize = onFinalize;
    Files.createDirectories(root);
    deleteRecursively(staging);
    Files.createDirectories(staging);
    try (DirectoryStream<Path> dirs =
        Files.newDirectoryStream(root, dir -> Files.isRegularFile(dir.resolve(BUCKET_FILE)))) {
      for (Path dir : dirs) {
        load(dir);
      }
    }
  }

  // ---- buckets

  StoredBucket createBucket(String name) throws IOException {
    StoredBucket.validateName(name);
    synchronized (buckets) {
      if (buckets.containsKey(name)) {
        throw GcsException.conflict(
            "Your previous request to create the named bucket succeeded and you already own it.");
      }
      StoredBucket bucket = new StoredBucket(name, now());
      Path dir = root.resolve(name);
      Files.createDirectories(dir.resolve(OBJECTS_DIR));
      writeJsonAtomically(dir.resolve(BUCKET_FILE), bucket.toJson());
      buckets.put(name, new BucketState(bucket, dir.resolve(OBJECTS_DIR)));
      return bucket;
    }
  }

  StoredBucket bucket(String name) {
    return state(name).bucket;
  }

  List<StoredBucket> buckets(String prefix) {
    return buckets.values().stream()
        .map(state -> state.bucket)
        .filter(bucket -> bucket.name().startsWith(prefix))
        .sorted(Comparator.comparing(StoredBucket::name))
        .toList();
  }

  void deleteBucket(String name) throws IOException {
    synchronized (buckets) {
      BucketState state = state(name);
      synchronized (state) {
        if (!state.objects.isEmpty()) {
          throw GcsException.conflict("The bucket you tried to delete is not empty.");
        }
        state.deleted = true;
      }
      buckets.remove(name);
      deleteRecursively(root.resolve(name));
    }
  }

  // ---- objects

  StagedUpload stage() throws IOException {
    return new StagedUpload(staging, maxObjectSize);
  }

  long maxObjectSize() {
    return maxObjectSize;
  }

  /** Fails early when the preconditions of an upload about to start do not hold (they are checked again at commit). */
  void checkUpload(String bucket, String name, Preconditions preconditions) {
    validateObjectName(name);
    BucketState state = state(bucket);
    synchronized (state) {
      preconditions.check(current(state, name));
    }
  }

  /** Makes the staged bytes the new generation of the object; the staged file is consumed either way. */
  StoredObject commit(String bucket, String name, ObjectAttributes attributes, StagedUpload upload,
      Preconditions preconditions) throws IOException {
    try {
      validateObjectName(name);
      attributes.verify(upload);
      BucketState state = state(bucket);
      synchronized (state) {
        StoredObject previous = current(state, name);
        preconditions.check(previous);
        Instant now = now();
        StoredObject object = new StoredObject(bucket, name, nextGeneration(now), 1, attributes.contentType(),
            upload.size(), upload.md5Base64(), upload.crc32cBase64(), now, now, attributes.metadata());
        Files.move(upload.file(), dataFile(state, object), StandardCopyOption.ATOMIC_MOVE);
        writeJsonAtomically(metadataFile(state, name), object.toJson());
        state.objects.put(name, object);
        if (previous != null) {
          deleteQuietly(dataFile(state, previous));
        }
        onFinalize.accept(object); // under the lock: the generations of an object are told in order
        return object;
      }
    } finally {
      upload.discard();
    }
  }

  StoredObject get(String bucket, String name, Long generation, Preconditions preconditions) {
    BucketState state = state(bucket);
    synchronized (state) {
      return existing(state, bucket, name, generation, preconditions);
    }
  }

  ObjectContent open(String bucket, String name, Long generation, Preconditions preconditions) throws IOException {
    BucketState state = state(bucket);
    synchronized (state) {
      StoredObject object = existing(state, bucket, name, generation, preconditions);
      return new ObjectContent(object, FileChannel.open(dataFile(state, object)));
    }
  }

  void delete(String bucket, String name, Long generation, Preconditions preconditions) throws IOException {
    BucketState state = state(bucket);
    synchronized (state) {
      StoredObject object = existing(state, bucket, name, generation, preconditions);
      Files.delete(metadataFile(state, name));
      state.objects.remove(name);
      deleteQuietly(dataFile(state, object));
    }
  }

  ObjectListing.Page list(String bucket, ObjectListing.Request request) {
    BucketState state = state(bucket);
    synchronized (state) {
      return ObjectListing.page(state.objects, request);
    }
  }

  /** The current generation of every object of the bucket, by name: a snapshot. */
  List<StoredObject> objects(String bucket) {
    BucketState state = state(bucket);
    synchronized (state) {
      return List.copyOf(state.objects.values());
    }
  }

  // ---- internals

  private BucketState state(String bucket) {
    BucketState state = buckets.get(bucket);
    if (state == null) {
      throw GcsException.notFound("The specified bucket does not exist.");
    }
    return state;
  }

  private static StoredObject current(BucketState state, String name) {
    if (state.deleted) {
      throw GcsException.notFound("The specified bucket does not exist.");
    }
    return state.objects.get(name);
  }

  private static StoredObject existing(BucketState state, String bucket, String name, Long generation,
      Preconditions preconditions) {
    StoredObject object = current(state, name);
    if (object == null || (generation != null && generation != object.generation())) {
      throw GcsException.notFound("No such object: " + bucket + "/" + name);
    }
    preconditions.check(object);
    return object;
  }

  private static void validateObjectName(String name) {
    if (name.isEmpty() || name.equals(".") || name.equals("..") || name.indexOf('\r') >= 0
        || name.indexOf('\n') >= 0 || name.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
      throw GcsException.badRequest("Invalid object name: '" + name + "'");
    }
  }

  private long nextGeneration(Instant now) {
    long micros = ChronoUnit.MICROS.between(Instant.EPOCH, now);
    return lastGeneration.updateAndGet(last -> Math.max(last + 1, micros));
  }

  private Instant now() {
    return Instant.now().truncatedTo(ChronoUnit.MILLIS);
  }

  private static Path metadataFile(BucketState state, String name) {
    return state.objectsDir.resolve(key(name) + ".json");
  }

  private static Path dataFile(BucketState state, StoredObject object) {
    return state.objectsDir.resolve(key(object.name()) + "." + object.generation() + ".data");
  }

  private static String key(String name) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(name.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  private void load(Path dir) throws IOException {
    StoredBucket bucket = StoredBucket.fromJson(readJson(dir.resolve(BUCKET_FILE)));
    BucketState state = new BucketState(bucket, dir.resolve(OBJECTS_DIR));
    Files.createDirectories(state.objectsDir);
    Set<Path> referenced = new HashSet<>();
    try (DirectoryStream<Path> sidecars = Files.newDirectoryStream(state.objectsDir, "*.json")) {
      for (Path sidecar : sidecars) {
        StoredObject object = StoredObject.fromJson(readJson(sidecar));
        Path data = dataFile(state, object);
        if (Files.isRegularFile(data)) {
          state.objects.put(object.name(), object);
          referenced.add(data);
          lastGeneration.accumulateAndGet(object.generation(), Math::max);
        } else {
          LOG.warning(() -> "Dropping " + bucket.name() + "/" + object.name() + ": its data " + data + " is missing");
          Files.delete(sidecar);
        }
      }
    }
    try (DirectoryStream<Path> dataFiles = Files.newDirectoryStream(state.objectsDir, "*.data")) {
      for (Path data : dataFiles) {
        if (!referenced.contains(data)) {
          deleteQuietly(data);
        }
      }
    }
    buckets.put(bucket.name(), state);
    LOG.fine(() -> "Loaded bucket " + bucket.name() + " with " + state.objects.size() + " objects from " + dir);
  }

  private static JsonNode readJson(Path file) throws IOException {
    return Json.MAPPER.readTree(file.toFile()); // trusted JSON: metadata it wrote
  }

  private void writeJsonAtomically(Path target, JsonNode json) throws IOException {
    Path temp = Files.createTempFile(staging, "meta-", ".json");
    Files.write(temp, Json.MAPPER.writeValueAsBytes(json));
    Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  /** A data file still open for a download cannot be deleted on some systems: it is then deleted at the next start. */
  private static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      LOG.log(Level.FINE, e, () -> "Could not delete " + file + " now; it will be deleted at the next start");
    }
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }
}
