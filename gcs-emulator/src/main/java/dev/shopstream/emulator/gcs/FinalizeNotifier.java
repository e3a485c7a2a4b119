package dev.shopstream.emulator.gcs;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

/**
 * Delivers {@code google.cloud.storage.object.v1.finalized} CloudEvents the way Eventarc delivers them to a Cloud
 * Function (2nd gen): an HTTP POST in binary content mode whose body is the object resource. Asynchronous, in order
 * per object and target, retried with exponential backoff on a non-2xx answer or a connection failure, and given up
 * (logged at WARNING with the event id) after a bounded number of attempts. All work runs on the notifier's own
 * daemon threads, which {@link #close()} stops.
 */
final class FinalizeNotifier implements AutoCloseable {
  private static final String EVENT_TYPE = "google.cloud.storage.object.v1.finalized";
  private static final Logger LOG = Logger.getLogger(FinalizeNotifier.class.getName());
  private static final int CONNECT_TIMEOUT_MILLIS = 5_000;
  /**
   * How long a delivery waits for the function's answer before it counts as failed and is retried: Eventarc waits for
   * the function's timeout, the upload function's is 540 s (terraform's {@code var.functions.upload}). With 60 s, a
   * 100,000-event upload on a loaded machine (64 s) was delivered again while the first invocation still ran, and the
   * whole file was published twice.
   */
  private static final int READ_TIMEOUT_MILLIS = 540_000;

  /** How deliveries are retried: {@code initialBackoff} doubles after each failed attempt, up to {@code maxBackoff}. */
  record RetryPolicy(int maxAttempts, Duration initialBackoff, Duration maxBackoff) {
    RetryPolicy {
      if (maxAttempts < 1 || initialBackoff.isNegative() || maxBackoff.compareTo(initialBackoff) < 0) {
        throw new IllegalArgumentException(
            "Invalid retry policy: " + maxAttempts + ", " + initialBackoff + ", " + maxBackoff);
      }
    }

    Duration backoffAfter(int attempts) {
      Duration backoff = initialBackoff.multipliedBy(1L << Math.min(attempts - 1, 30));
      return backoff.compareTo(maxBackoff) > 0 ? maxBackoff : backoff;
    }
  }

  private record Subscription(String bucket, URI target) {}

  /** One event to one target. {@code attempts} is touched by one thread at a time, in turn. */
  private static final class Delivery {
    final URI target;
    final String orderingKey;
    final Map<String, String> headers;
    final byte[] body;
    int attempts;

    Delivery(URI target, StoredObject object, byte[] body) {
      this.target = target;
      this.orderingKey = target + " " + object.bucket() + "/" + object.name();
      this.headers = cloudEventHeaders(object);
      this.body = body;
    }

    String id() {
      return headers.get("ce-id");
    }
  }

  private final RetryPolicy retryPolicy;
  private final String emulatorUrl;
  private final List<Subscription> subscriptions = new CopyOnWriteArrayList<>();
  private final ScheduledExecutorService scheduler;
  /** Per ordering key, the deliveries not finished yet; the head is the one under way. Guarded by {@code this}. */
  private final Map<String, Queue<Delivery>> queues = new HashMap<>();
  /** Deliveries not finished yet. Guarded by {@code this}. */
  private int pending;
  private final AtomicLong delivered = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final AtomicLong attempts = new AtomicLong();

  /** The events' data links to the emulator at {@code emulatorUrl}. */
  FinalizeNotifier(RetryPolicy retryPolicy, String emulatorUrl) {
    this.retryPolicy = retryPolicy;
    this.emulatorUrl = emulatorUrl;
    this.scheduler = Executors.newScheduledThreadPool(2, GcsEmulator.daemonThreads("gcs-emulator-events"));
  }

  void subscribe(String bucket, URI target) {
    subscriptions.add(new Subscription(bucket, target));
  }

  /**
   * Queues one event per subscription to the object's bucket; the data is the object resource. Returns how many
   * were queued (0 when no target is registered for the bucket).
   */
  int finalized(StoredObject object) {
    int queued = 0;
    for (Subscription subscription : subscriptions) {
      if (subscription.bucket().equals(object.bucket())) {
        byte[] data = object.toResource(emulatorUrl).toString().getBytes(StandardCharsets.UTF_8);
        enqueue(new Delivery(subscription.target(), object, data));
        queued++;
      }
    }
    return queued;
  }

  /**
   * The object name as an HTTP header value: printable ASCII as is, every other byte of its UTF-8 (controls, space,
   * non-ASCII) and {@code %} percent-encoded. A raw control character makes the header invalid (the client or the
   * receiving server refuses the request), so the object would never be delivered; the event's data carries the
   * name unencoded, which is what the upload function reads.
   */
  static String headerSafe(String name) {
    StringBuilder out = new StringBuilder(name.length());
    for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xff;
      if (c > 0x20 && c < 0x7f && c != '%') {
        out.append((char) c);
      } else {
        out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
            .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
      }
    }
    return out.toString();
  }

  GcsEmulator.DeliveryStats stats() {
    return new GcsEmulator.DeliveryStats(delivered.get(), failed.get(), attempts.get());
  }

  synchronized boolean awaitIdle(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (pending > 0) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      TimeUnit.NANOSECONDS.timedWait(this, left);
    }
    return true;
  }

  @Override
  public void close() {
    scheduler.shutdownNow();
    try {
      scheduler.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    synchronized (this) {
      if (pending > 0) {
        LOG.warning(() -> "Closed with " + pending + " finalize event(s) not delivered");
      }
    }
  }

  private static Map<String, String> cloudEventHeaders(StoredObject object) {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("ce-specversion", "1.0");
    headers.put("ce-id", UUID.randomUUID().toString());
    headers.put("ce-source", "//storage.googleapis.com/projects/_/buckets/" + object.bucket());
    headers.put("ce-type", EVENT_TYPE);
    headers.put("ce-subject", "objects/" + headerSafe(object.name()));
    headers.put("ce-time", StoredObject.rfc3339(object.updated()));
    headers.put("Content-Type", "application/json");
    return headers;
  }

  private synchronized void enqueue(Delivery delivery) {
    pending++;
    Queue<Delivery> queue = queues.computeIfAbsent(delivery.orderingKey, key -> new ArrayDeque<>());
    queue.add(delivery);
    if (queue.size() == 1) {
      schedule(delivery, Duration.ZERO);
    }
  }

  private synchronized void finish(Delivery delivery) {
    Queue<Delivery> queue = queues.get(delivery.orderingKey);
    queue.remove();
    if (queue.isEmpty()) {
      queues.remove(delivery.orderingKey);
    } else {
      schedule(queue.element(), Duration.ZERO);
    }
    pending--;
    if (pending == 0) {
      notifyAll();
    }
  }

  private void schedule(Delivery delivery, Duration delay) {
    try {
      scheduler.schedule(() -> attempt(delivery), delay.toNanos(), TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      LOG.fine(() -> "Closed: event " + delivery.id() + " not delivered");
    }
  }

  private void attempt(Delivery delivery) {
    delivery.attempts++;
    attempts.incrementAndGet();
    String outcome;
    try {
      int status = post(delivery);
      if (status / 100 == 2) {
        delivered.incrementAndGet();
        finish(delivery);
        return;
      }
      outcome = "HTTP " + status;
    } catch (IOException e) {
      outcome = e.toString();
    }
    String lastOutcome = outcome;
    if (delivery.attempts >= retryPolicy.maxAttempts()) {
      LOG.warning(() -> "Giving up on event " + delivery.id() + " to " + delivery.target + " after "
          + delivery.attempts + " attempts; last outcome: " + lastOutcome);
      failed.incrementAndGet();
      finish(delivery);
    } else {
      Duration backoff = retryPolicy.backoffAfter(delivery.attempts);
      LOG.fine(() -> "Event " + delivery.id() + " attempt " + delivery.attempts + " failed (" + lastOutcome
          + "); retrying in " + backoff);
      schedule(delivery, backoff);
    }
  }

  private static int post(Delivery delivery) throws IOException {
    HttpURLConnection connection = (HttpURLConnection) delivery.target.toURL().openConnection();
    try {
      connection.setConnectTimeout(CONNECT_TIMEOUT_MILLIS);
      connection.setReadTimeout(READ_TIMEOUT_MILLIS);
      connection.setRequestMethod("POST");
      connection.setDoOutput(true);
      connection.setFixedLengthStreamingMode(delivery.body.length);
      delivery.headers.forEach(connection::setRequestProperty);
      try (OutputStream out = connection.getOutputStream()) {
        out.write(delivery.body);
      }
      int status = connection.getResponseCode();
      try (InputStream response = status < 400 ? connection.getInputStream() : connection.getErrorStream()) {
        if (response != null) {
          response.transferTo(OutputStream.nullOutputStream());
        }
      }
      return status;
    } finally {
      connection.disconnect();
    }
  }
}
