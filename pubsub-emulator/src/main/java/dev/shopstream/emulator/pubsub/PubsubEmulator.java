package dev.shopstream.emulator.pubsub;

import com.sun.net.httpserver.HttpServer;
import io.grpc.Server;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;

/**
 * An embedded Google Cloud Pub/Sub emulator with a gRPC endpoint (for the official client libraries,
 * e.g. {@code PUBSUB_EMULATOR_HOST}) and a REST endpoint (for Beam's {@code PubsubIO} with
 * {@code --pubsubRootUrl}), both served by one broker.
 *
 * <p>Implemented: topics (create, get, list, list subscriptions, delete), subscriptions (create, get, list,
 * delete; ack deadline 10..600 s, dead-letter policy), publish, pull, acknowledge, modifyAckDeadline and, over gRPC,
 * streaming pull. Not implemented: updates, snapshots and seek, schemas, push, filters, exactly-once delivery,
 * ordered delivery per ordering key (messages are delivered in publish order, ordering keys are kept), retention
 * limits in time.
 *
 * <p>In memory by default. With a data directory ({@link #start(String, int, int, Path)},
 * {@link Builder#dataDirectory}) it persists topics, subscriptions and unacked messages in an append-only journal
 * ({@link Journal}) and restores them at start: a publish is answered only once its messages are on disk, so an
 * acknowledged message survives a {@code kill -9}. Not persisted: leases (after a restart every unacked message is
 * deliverable at once) and delivery attempt counters (they start again from zero).
 *
 * <pre>{@code
 * try (PubsubEmulator pubsub = PubsubEmulator.start("127.0.0.1", 0, 0)) {
 *   String grpc = pubsub.grpcTarget();   // e.g. 127.0.0.1:40123, plaintext, no credentials
 *   String rest = pubsub.restUrl();      // e.g. http://127.0.0.1:40124
 * }
 * }</pre>
 */
public final class PubsubEmulator implements AutoCloseable {

  private static final Logger LOG = Logger.getLogger(PubsubEmulator.class.getName());
  private static final long STOP_TIMEOUT_SECONDS = 5;

  private final Broker broker;
  private final Journal journal; // null in memory
  private final ExecutorService executor;
  private final Server grpcServer;
  private final HttpServer restServer;
  private final String grpcTarget;
  private final String restUrl;
  private final AtomicBoolean closed = new AtomicBoolean();

  private PubsubEmulator(Broker broker, Journal journal, ExecutorService executor, Server grpcServer,
      HttpServer restServer, String host) {
    this.broker = broker;
    this.journal = journal;
    this.executor = executor;
    this.grpcServer = grpcServer;
    this.restServer = restServer;
    String hostInUrl = host.contains(":") ? "[" + host + "]" : host;
    this.grpcTarget = hostInUrl + ":" + grpcServer.getPort();
    this.restUrl = "http://" + hostInUrl + ":" + restServer.getAddress().getPort();
  }

  /** Starts an in-memory emulator with the default limits; a port of 0 picks a free one. */
  public static PubsubEmulator start(String host, int grpcPort, int restPort) {
    return builder().host(host).grpcPort(grpcPort).restPort(restPort).start();
  }

  /**
   * Starts an emulator with the default limits that persists its state in {@code dataDirectory} (created if
   * missing) and restores what a previous emulator left there; a port of 0 picks a free one.
   */
  public static PubsubEmulator start(String host, int grpcPort, int restPort, Path dataDirectory) {
    return builder().host(host).grpcPort(grpcPort).restPort(restPort).dataDirectory(dataDirectory).start();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The gRPC endpoint as {@code host:port} (plaintext), e.g. for {@code PUBSUB_EMULATOR_HOST}. */
  public String grpcTarget() {
    return grpcTarget;
  }

  /** The REST root URL, e.g. for Beam's {@code --pubsubRootUrl}. */
  public String restUrl() {
    return restUrl;
  }

  /**
   * Unacked messages of a subscription (waiting for delivery or leased).
   *
   * @throws io.grpc.StatusRuntimeException NOT_FOUND or INVALID_ARGUMENT for an unknown or malformed name
   */
  public long backlog(String subscription) {
    return broker.backlog(subscription);
  }

  /**
   * The publish time of the subscription's oldest unacknowledged message (waiting or leased); empty when it holds
   * none. Now minus it is the subscription's oldest unacked message age.
   */
  public java.util.Optional<java.time.Instant> oldestUnackedPublishTime(String subscription) {
    return java.util.Optional.ofNullable(broker.oldestUnackedPublishTime(subscription));
  }

  /**
   * Counters since start ({@code published, delivered, redelivered} (deliveries after the first), {@code acked, nacked,
   * extended} (ack ids whose lease a deadline change extended), {@code expired, deadLettered}) and current sizes
   * ({@code topics, subscriptions, streamingPulls, backlogMessages, backlogBytes}).
   */
  public Map<String, Long> stats() {
    return broker.stats();
  }

  /** Stops both servers: pending pulls and open streams end with UNAVAILABLE. Idempotent. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    broker.close(); // waiting pulls and streams end now, so the servers can stop at once
    grpcServer.shutdownNow();
    restServer.stop(0);
    try {
      // the executor runs the gRPC calls: stop it only once the server accepts no more
      grpcServer.awaitTermination(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
      executor.shutdownNow();
      executor.awaitTermination(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      executor.shutdownNow();
      Thread.currentThread().interrupt();
    }
    if (journal != null) {
      journal.close(); // the broker accepts no more changes: this writes the last acks and releases the directory
    }
    LOG.info(() -> "Pub/Sub emulator stopped (gRPC " + grpcTarget() + ", REST " + restUrl() + ")");
  }

  /** Options of an embedded emulator. */
  public static final class Builder {
    private String host = "127.0.0.1";
    private int grpcPort;
    private int restPort;
    private long maxBacklogMessages = 100_000;
    private long maxBacklogBytes = 512L * 1024 * 1024;
    private Duration maxPullWait = Duration.ofSeconds(1);
    private Clock clock = Clock.systemUTC();
    private Path dataDirectory;
    private long compactionThresholdBytes = Journal.DEFAULT_COMPACTION_THRESHOLD_BYTES;

    private Builder() {}

    /**
     * Persists the state in this directory (created if missing; one emulator at a time) and restores it at start;
     * default none: in memory.
     */
    public Builder dataDirectory(Path directory) {
      this.dataDirectory = directory;
      return this;
    }

    /**
     * With a data directory: the journal is compacted (rewritten as a snapshot of the live state) once its files
     * exceed this many bytes (default 64 MiB) and more than half of them is acked or deleted data.
     */
    public Builder compactionThreshold(long bytes) {
      this.compactionThresholdBytes = bytes;
      return this;
    }

    /** The address both servers bind to; default {@code 127.0.0.1}. */
    public Builder host(String host) {
      this.host = host;
      return this;
    }

    /** Default 0: a free port. */
    public Builder grpcPort(int port) {
      this.grpcPort = port;
      return this;
    }

    /** Default 0: a free port. */
    public Builder restPort(int port) {
      this.restPort = port;
      return this;
    }

    /**
     * Unacked messages (default 100,000) and bytes (default 512 MiB) one subscription may hold; a publish that
     * would exceed them fails with RESOURCE_EXHAUSTED.
     */
    public Builder maxBacklog(long messages, long bytes) {
      this.maxBacklogMessages = messages;
      this.maxBacklogBytes = bytes;
      return this;
    }

    /** How long a pull without {@code returnImmediately} waits for a first message; default 1 s. */
    public Builder maxPullWait(Duration wait) {
      this.maxPullWait = wait;
      return this;
    }

    /**
     * The clock of publish times and ack deadlines; default the system clock. For tests: advancing a controllable
     * clock past a deadline makes the lease expire at once instead of after at least 10 s.
     */
    public Builder clock(Clock clock) {
      this.clock = clock;
      return this;
    }

    /**
     * Starts both servers.
     *
     * @throws UncheckedIOException if a port cannot be bound or the data directory cannot be read or written
     * @throws IllegalStateException if another emulator uses the data directory
     */
    public PubsubEmulator start() {
      Journal journal = null;
      Broker broker;
      try {
        journal = dataDirectory == null ? null : Journal.open(dataDirectory, compactionThresholdBytes);
        broker = new Broker(clock, maxBacklogMessages, maxBacklogBytes, maxPullWait, journal);
      } catch (IOException | RuntimeException e) {
        if (journal != null) {
          journal.close();
        }
        if (e instanceof RuntimeException unchecked) {
          throw unchecked;
        }
        throw new UncheckedIOException("Cannot restore the Pub/Sub emulator's state from " + dataDirectory,
            (IOException) e);
      }
      ExecutorService executor = Executors.newCachedThreadPool(daemonThreads());
      Server grpc = null;
      try {
        grpc = GrpcFrontEnd.start(host, grpcPort, broker, executor);
        HttpServer rest = RestFrontEnd.start(host, restPort, broker, executor);
        PubsubEmulator emulator = new PubsubEmulator(broker, journal, executor, grpc, rest, host);
        LOG.info(() -> "Pub/Sub emulator started: gRPC " + emulator.grpcTarget() + ", REST " + emulator.restUrl()
            + (dataDirectory == null ? " (in memory)" : ", data in " + dataDirectory));
        return emulator;
      } catch (IOException e) {
        if (grpc != null) {
          grpc.shutdownNow();
        }
        executor.shutdownNow();
        broker.close();
        if (journal != null) {
          journal.close();
        }
        throw new UncheckedIOException("Cannot start the Pub/Sub emulator on " + host, e);
      }
    }

    private static ThreadFactory daemonThreads() {
      AtomicInteger count = new AtomicInteger();
      return runnable -> {
        Thread thread = new Thread(runnable, "pubsub-emulator-" + count.incrementAndGet());
        thread.setDaemon(true);
        return thread;
      };
    }
  }

  /**
   * Runs the emulator until the process is stopped ({@link PubsubEmulatorCommand}); logs are JSON lines on stderr.
   *
   * <pre>java ... dev.shopstream.emulator.pubsub.PubsubEmulator [--host 127.0.0.1] [--grpc-port 8085] [--rest-port 8086]
   *     [--data-dir DIR]</pre>
   *
   * {@code --help} prints the usage and exits 0; an unknown option or a bad value exits 2, naming it.
   */
  public static void main(String[] args) {
    int code = PubsubEmulatorCommand.commandLine().execute(args);
    if (code != 0) {
      System.exit(code);
    }
  }
}
