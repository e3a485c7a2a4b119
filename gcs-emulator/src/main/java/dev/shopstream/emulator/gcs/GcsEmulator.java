package dev.shopstream.emulator.gcs;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import dev.shopstream.contract.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.channels.Channels;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * An embedded Google Cloud Storage emulator: the subset of the JSON API that the {@code google-cloud-storage} Java
 * client (HTTP transport) and curl use, with the objects kept on disk under a root folder so that they survive a
 * restart, and Eventarc-style {@code google.cloud.storage.object.v1.finalized} CloudEvents posted to the targets
 * registered with {@link #notifyOnFinalize}.
 *
 * <p>Point the client at it with {@code StorageOptions.newBuilder().setHost(emulator.url())
 * .setProjectId("local-project").setCredentials(NoCredentials.getInstance()).build().getService()}.
 */
public final class GcsEmulator implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(GcsEmulator.class.getName());
  private static final Preconditions NO_PRECONDITIONS = new Preconditions(null, null, null, null);

  /**
   * Where and how to run. Port 0 picks a free port. Objects larger than {@code maxObjectSize} are refused (413).
   * A finalize event is attempted at most {@code deliveryMaxAttempts} times, waiting {@code deliveryInitialBackoff}
   * after the first failure, doubling up to {@code deliveryMaxBackoff}.
   */
  public record Settings(String host, int port, Path root, long maxObjectSize, int httpThreads,
      int deliveryMaxAttempts, Duration deliveryInitialBackoff, Duration deliveryMaxBackoff) {

    public static final long DEFAULT_MAX_OBJECT_SIZE = 5L * 1024 * 1024 * 1024;

    public Settings {
      if (maxObjectSize < 0 || httpThreads < 1) {
        throw new IllegalArgumentException("Invalid settings: maxObjectSize " + maxObjectSize + ", httpThreads "
            + httpThreads);
      }
    }

    /** 5 GiB objects at most, 8 HTTP threads, 5 delivery attempts with a backoff from 1 s doubling up to 60 s. */
    public static Settings of(String host, int port, Path root) {
      return new Settings(host, port, root, DEFAULT_MAX_OBJECT_SIZE, 8, 5, Duration.ofSeconds(1),
          Duration.ofSeconds(60));
    }

    public Settings withMaxObjectSize(long bytes) {
      return new Settings(host, port, root, bytes, httpThreads, deliveryMaxAttempts, deliveryInitialBackoff,
          deliveryMaxBackoff);
    }

    public Settings withDeliveryRetries(int maxAttempts, Duration initialBackoff, Duration maxBackoff) {
      return new Settings(host, port, root, maxObjectSize, httpThreads, maxAttempts, initialBackoff, maxBackoff);
    }
  }

  /** Finalize events so far: delivered, given up after the last attempt, and attempts made in all. */
  public record DeliveryStats(long delivered, long failed, long attempts) {}

  private final HttpServer server;
  private final ExecutorService httpExecutor;
  private final ObjectStore store;
  private final ResumableUploads uploads;
  private final FinalizeNotifier notifier;
  private final String url;
  private final AtomicBoolean closed = new AtomicBoolean();

  private GcsEmulator(Settings settings, HttpServer server) throws IOException {
    this.server = server;
    this.url = "http://" + hostForUrl(settings.host()) + ":" + server.getAddress().getPort();
    this.notifier = new FinalizeNotifier(new FinalizeNotifier.RetryPolicy(settings.deliveryMaxAttempts(),
        settings.deliveryInitialBackoff(), settings.deliveryMaxBackoff()), url);
    this.store = new ObjectStore(settings.root(), settings.maxObjectSize(), notifier::finalized);
    this.uploads = new ResumableUploads(store);
    this.httpExecutor = Executors.newFixedThreadPool(settings.httpThreads(), daemonThreads("gcs-emulator-http"));
    server.createContext("/", new JsonApiHandler(store, uploads, url));
    server.setExecutor(httpExecutor);
    server.start();
    LOG.info(() -> "GCS emulator listening on " + url + ", objects under " + settings.root().toAbsolutePath());
  }

  /** Starts an emulator with default settings; port 0 picks a free port. */
  public static GcsEmulator start(String host, int port, Path root) throws IOException {
    return start(Settings.of(host, port, root));
  }

  public static GcsEmulator start(Settings settings) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(settings.host(), settings.port()), 0);
    try {
      return new GcsEmulator(settings, server);
    } catch (IOException | RuntimeException e) {
      server.stop(0);
      throw e;
    }
  }

  /** The base URL to give the client as its host, e.g. {@code http://127.0.0.1:4443}. */
  public String url() {
    return url;
  }

  /** Creates the bucket unless it exists (a convenience for tests and local setups on a persistent root). */
  public void createBucket(String name) {
    try {
      store.createBucket(name);
    } catch (GcsException e) {
      if (e.code() != 409) {
        throw new IllegalArgumentException(e.getMessage(), e);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * From now on, posts a {@code google.cloud.storage.object.v1.finalized} CloudEvent to {@code target} for every
   * object written to {@code bucket}, as Eventarc does for a Cloud Function (2nd gen). Several targets may be
   * registered; each gets its own copy.
   */
  public void notifyOnFinalize(String bucket, URI target) {
    notifier.subscribe(bucket, target);
  }

  /**
   * Queues a finalize event again, to every target registered for {@code bucket}, for each object of the bucket
   * whose name {@code objectName} accepts (its current generation, the same CloudEvent and retries as at upload).
   * Pending deliveries live only in memory: a crash or a stop drops them, so at start, after
   * {@link #notifyOnFinalize}, this re-delivers what the receiver had not finished (the receiver's own rule says
   * which objects those are, e.g. the ones without its summary; a repeated event must be harmless to it). Returns
   * how many objects were notified: 0 when no target is registered for the bucket. Logs the count at INFO.
   *
   * @throws IllegalArgumentException when the bucket does not exist
   */
  public int renotify(String bucket, Predicate<String> objectName) {
    List<StoredObject> objects;
    try {
      objects = store.objects(bucket);
    } catch (GcsException e) {
      throw new IllegalArgumentException(e.getMessage() + ": " + bucket, e);
    }
    int notified = 0;
    int events = 0;
    for (StoredObject object : objects) {
      if (objectName.test(object.name())) {
        int queued = notifier.finalized(object);
        events += queued;
        notified += queued > 0 ? 1 : 0;
      }
    }
    ObjectNode fields = Json.MAPPER.createObjectNode().put("bucket", bucket).put("objects_in_bucket", objects.size())
        .put("objects_renotified", notified).put("events_queued", events);
    LOG.log(Level.INFO, "Renotified " + notified + " of " + objects.size() + " object(s) of bucket " + bucket,
        fields);
    return notified;
  }

  /** Whether {@code bucket} holds an object named {@code objectName} (false when the bucket does not exist). */
  public boolean exists(String bucket, String objectName) {
    try {
      store.get(bucket, objectName, null, NO_PRECONDITIONS);
      return true;
    } catch (GcsException e) {
      if (e.code() != 404) {
        throw new IllegalArgumentException(e.getMessage(), e);
      }
      return false;
    }
  }

  /**
   * The current objects of a bucket whose names start with {@code prefix}: name, size and update time, newest
   * first (for the console's uploads).
   *
   * @throws IllegalArgumentException when the bucket does not exist
   */
  public List<ObjectSummary> list(String bucket, String prefix) {
    try {
      return store.objects(bucket).stream().filter(o -> o.name().startsWith(prefix))
          .sorted(java.util.Comparator.comparing(StoredObject::updated).reversed())
          .map(o -> new ObjectSummary(o.name(), o.size(), o.updated())).toList();
    } catch (GcsException e) {
      throw new IllegalArgumentException(e.getMessage() + ": " + bucket, e);
    }
  }

  /** An object as {@link #list} answers it. */
  public record ObjectSummary(String name, long size, java.time.Instant updated) {}

  /** The bytes of the current generation of an object; empty when it (or its bucket) does not exist. */
  public Optional<byte[]> read(String bucket, String objectName) {
    try (ObjectStore.ObjectContent content = store.open(bucket, objectName, null, NO_PRECONDITIONS);
        InputStream in = Channels.newInputStream(content.data())) {
      return Optional.of(in.readAllBytes());
    } catch (GcsException e) {
      if (e.code() != 404) {
        throw new IllegalArgumentException(e.getMessage(), e);
      }
      return Optional.empty();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + bucket + "/" + objectName, e);
    }
  }

  /** Waits until every finalize event so far was delivered or given up; false if the timeout came first. */
  public boolean awaitIdle(Duration timeout) throws InterruptedException {
    return notifier.awaitIdle(timeout);
  }

  public DeliveryStats deliveryStats() {
    return notifier.stats();
  }

  /** Stops serving and every thread of the emulator; events not delivered yet are dropped (logged). */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    server.stop(0);
    httpExecutor.shutdownNow();
    try {
      httpExecutor.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    notifier.close();
    uploads.close();
    LOG.info(() -> "GCS emulator at " + url + " stopped");
  }

  static ThreadFactory daemonThreads(String prefix) {
    AtomicInteger count = new AtomicInteger();
    return runnable -> {
      Thread thread = new Thread(runnable, prefix + "-" + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }

  private static String hostForUrl(String host) {
    return host.contains(":") ? "[" + host + "]" : host;
  }

  /**
   * Runs the emulator until the process is stopped ({@link GcsEmulatorCommand}); logs are JSON lines on stderr.
   *
   * <pre>java ... dev.shopstream.emulator.gcs.GcsEmulator [--host 127.0.0.1] [--port 4443] [--data-dir gcs-data]</pre>
   *
   * {@code --help} prints the usage and exits 0; an unknown option or a bad value exits 2, naming it.
   */
  public static void main(String[] args) {
    int code = GcsEmulatorCommand.commandLine().execute(args);
    if (code != 0) {
      System.exit(code);
    }
  }
}
