package dev.shopstream.bench;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Phaser;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * HTTP load on loopback, two ways:
 *
 * <ul>
 *   <li>{@link #fixedRate}: open loop. Request {@code i} is due at {@code start + i / rate}, whether or not earlier
 *       ones have answered, and its latency is measured from when it was <em>due</em>, not from when a worker got to
 *       send it: a server that falls behind shows its queueing in the percentiles (no coordinated omission).
 *   <li>{@link #closedLoop}: {@code concurrency} workers, each sending its next request as soon as the last one
 *       answered: the maximum throughput the server sustains at that concurrency.
 * </ul>
 *
 * <p>Every request's answer is read whole; a status outside 2xx, or an I/O error, counts as failed (by status, with
 * {@code -1} for I/O errors). Latencies are recorded in microseconds in an HdrHistogram (3 significant digits).
 * Bounded: every run stops after its duration plus {@code drainTimeout} at the latest.
 */
public final class LoadGenerator implements AutoCloseable {
  /** Makes the {@code seq}-th request of a run (0-based); called from many threads. */
  @FunctionalInterface
  public interface Requests {
    HttpRequest next(long seq);
  }

  /** A run's figures. {@code latencyMicros} holds one value per completed request. */
  public record Result(String label, long requests, long ok, long failed, Map<Integer, Long> statuses,
      Histogram latencyMicros, double seconds, long unfinished) {

    /** Several runs as one: counts, time and latencies added up (runs sliced and interleaved with another's). */
    public static Result sum(String label, List<Result> parts) {
      Histogram latency = new Histogram(HIGHEST_MICROS, 3);
      Map<Integer, Long> statuses = new TreeMap<>();
      long requests = 0;
      long ok = 0;
      long failed = 0;
      long unfinished = 0;
      double seconds = 0;
      for (Result r : parts) {
        latency.add(r.latencyMicros());
        r.statuses().forEach((status, n) -> statuses.merge(status, n, Long::sum));
        requests += r.requests();
        ok += r.ok();
        failed += r.failed();
        unfinished += r.unfinished();
        seconds += r.seconds();
      }
      return new Result(label, requests, ok, failed, statuses, latency, seconds, unfinished);
    }

    public double throughput() {
      return seconds <= 0 ? 0 : (ok + failed) / seconds;
    }

    /** The {@code percentile} latency in milliseconds. */
    public double millis(double percentile) {
      return latencyMicros.getValueAtPercentile(percentile) / 1000.0;
    }

    public double maxMillis() {
      return latencyMicros.getMaxValue() / 1000.0;
    }
  }

  private static final long HIGHEST_MICROS = TimeUnit.SECONDS.toMicros(120);

  private final HttpClient client;
  private final int maxInFlight;
  private final Duration drainTimeout;

  /**
   * @param maxInFlight worker threads of an open-loop run: at most this many requests are outstanding; further
   *     due requests wait for a worker (and that wait counts in their latency)
   */
  public LoadGenerator(int maxInFlight, Duration drainTimeout) {
    this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5)).build();
    this.maxInFlight = maxInFlight;
    this.drainTimeout = drainTimeout;
  }

  public LoadGenerator() {
    this(64, Duration.ofSeconds(30));
  }

  /** Sends {@code count} requests one after another and discards the figures: JIT and connection warm-up. */
  public void warmUp(Requests requests, int count) {
    for (int i = 0; i < count; i++) {
      send(requests.next(i), new Recorder(HIGHEST_MICROS, 3), System.nanoTime(), new ConcurrentHashMap<>());
    }
  }

  /**
   * Sends {@code count} requests with {@code concurrency} workers back to back and discards the figures: JIT
   * warm-up of every path a closed-loop run takes (the server's, and this generator's own).
   */
  public void warmUp(Requests requests, int count, int concurrency) {
    AtomicLong seq = new AtomicLong();
    CountDownLatch done = new CountDownLatch(concurrency);
    ExecutorService workers = Executors.newFixedThreadPool(concurrency, daemon("warm-up"));
    try {
      for (int w = 0; w < concurrency; w++) {
        workers.execute(() -> {
          try {
            for (long i = seq.getAndIncrement(); i < count; i = seq.getAndIncrement()) {
              send(requests.next(i), new Recorder(HIGHEST_MICROS, 3), System.nanoTime(), new ConcurrentHashMap<>());
            }
          } finally {
            done.countDown();
          }
        });
      }
      awaitDrain(done);
    } finally {
      workers.shutdownNow();
    }
  }

  /** Open loop: {@code rate} requests per second for {@code duration}. */
  public Result fixedRate(String label, Requests requests, int rate, Duration duration) {
    return fixedRate(label, requests, rate, duration, () -> false);
  }

  /**
   * Open loop: {@code rate} requests per second for {@code duration}, or until {@code stop} is true (checked before
   * each request); then waits for the outstanding answers.
   */
  public Result fixedRate(String label, Requests requests, int rate, Duration duration, BooleanSupplier stop) {
    if (rate < 1) {
      throw new IllegalArgumentException("rate must be >= 1, was " + rate);
    }
    long total = Math.max(1, duration.toNanos() * rate / 1_000_000_000L);
    long periodNanos = 1_000_000_000L / rate;
    Recorder recorder = new Recorder(HIGHEST_MICROS, 3);
    Map<Integer, LongAdder> statuses = new ConcurrentHashMap<>();
    Phaser outstanding = new Phaser(1);
    AtomicLong lastEnd = new AtomicLong();
    ExecutorService workers = Executors.newFixedThreadPool(maxInFlight, daemon("load-" + label));
    long start = System.nanoTime();
    long sent = 0;
    long unfinished = 0;
    try {
      for (; sent < total && !stop.getAsBoolean(); sent++) {
        long due = start + sent * periodNanos;
        long wait = due - System.nanoTime();
        if (wait > 0) {
          LockSupport.parkNanos(wait);
        }
        HttpRequest request = requests.next(sent);
        outstanding.register();
        workers.execute(() -> {
          try {
            send(request, recorder, due, statuses);
            lastEnd.accumulateAndGet(System.nanoTime(), Math::max);
          } finally {
            outstanding.arriveAndDeregister();
          }
        });
      }
      int phase = outstanding.arrive();
      try {
        outstanding.awaitAdvanceInterruptibly(phase, drainTimeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        unfinished = outstanding.getUnarrivedParties();
        System.err.println("load generator: gave up waiting for " + unfinished + " requests");
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    } finally {
      workers.shutdownNow();
    }
    return result(label, sent, recorder, statuses, unfinished, lastEnd.get() - start);
  }

  /** Closed loop: {@code concurrency} workers sending back to back for {@code duration}. */
  public Result closedLoop(String label, Requests requests, int concurrency, Duration duration) {
    Recorder recorder = new Recorder(HIGHEST_MICROS, 3);
    Map<Integer, LongAdder> statuses = new ConcurrentHashMap<>();
    AtomicLong seq = new AtomicLong();
    AtomicLong lastEnd = new AtomicLong();
    CountDownLatch done = new CountDownLatch(concurrency);
    ExecutorService workers = Executors.newFixedThreadPool(concurrency, daemon("loop-" + label));
    long start = System.nanoTime();
    long deadline = start + duration.toNanos();
    try {
      for (int w = 0; w < concurrency; w++) {
        workers.execute(() -> {
          try {
            while (System.nanoTime() < deadline) {
              send(requests.next(seq.getAndIncrement()), recorder, System.nanoTime(), statuses);
              lastEnd.accumulateAndGet(System.nanoTime(), Math::max);
            }
          } finally {
            done.countDown();
          }
        });
      }
      awaitDrain(done);
    } finally {
      workers.shutdownNow();
    }
    return result(label, seq.get(), recorder, statuses, 0, lastEnd.get() - start);
  }

  private void awaitDrain(CountDownLatch done) {
    try {
      if (!done.await(drainTimeout.toMillis() + 120_000, TimeUnit.MILLISECONDS)) {
        System.err.println("load generator: gave up waiting for " + done.getCount() + " requests");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void send(HttpRequest request, Recorder recorder, long dueNanos, Map<Integer, LongAdder> statuses) {
    int status;
    try {
      HttpResponse<byte[]> response = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
      status = response.statusCode();
    } catch (IOException e) {
      status = -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    long micros = Math.min(HIGHEST_MICROS, Math.max(0, (System.nanoTime() - dueNanos) / 1000));
    recorder.recordValue(micros);
    statuses.computeIfAbsent(status, s -> new LongAdder()).increment();
  }

  private static Result result(String label, long requests, Recorder recorder, Map<Integer, LongAdder> statuses,
      long unfinished, long elapsedNanos) {
    Map<Integer, Long> counts = new TreeMap<>();
    statuses.forEach((s, n) -> counts.put(s, n.sum()));
    long ok = counts.entrySet().stream().filter(e -> e.getKey() >= 200 && e.getKey() < 300)
        .mapToLong(Map.Entry::getValue).sum();
    long all = counts.values().stream().mapToLong(Long::longValue).sum();
    return new Result(label, requests, ok, all - ok, counts, recorder.getIntervalHistogram(),
        elapsedNanos / 1e9, unfinished);
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    AtomicLong n = new AtomicLong();
    return r -> {
      Thread t = new Thread(r, name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  @Override
  public void close() {
    // java.net.http.HttpClient has no close() before JDK 21; its threads are daemons and end with the JVM.
  }
}
