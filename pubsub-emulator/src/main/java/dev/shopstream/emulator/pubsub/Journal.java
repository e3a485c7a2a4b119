package dev.shopstream.emulator.pubsub;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shopstream.contract.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The emulator's durable state on disk: an append-only journal of {@link JournalRecord}s after a snapshot, in one
 * data directory. Its one job is to get records to disk in order and back; what they mean is the broker's. The
 * frame format is {@link JournalFrames}'s, the directory and its files are {@link JournalFiles}'s.
 *
 * <p>Files: generation {@code g} is {@code snapshot.g} (the live state when the generation began) followed by
 * {@code journal.g} (every change since). Restore reads the newest snapshot and every journal of its generation or
 * later, in order. Each record is framed as {@code [int length][int CRC32 of the payload][payload]}; reading stops at
 * the first frame that does not check out: at the end of the last journal that is a torn tail of a crash (logged at
 * INFO), anywhere else corruption (logged as a WARNING with file and offset, and the damaged files are kept aside
 * as {@code *.damaged}). Either way the records before it are restored and starting never fails on them.
 *
 * <p>Durability by group commit: {@link #append} (called under the broker's lock, so the journal's order is the
 * broker's) only queues a frame; {@link #sync} (called outside it) returns once everything appended before it is
 * written and forced ({@link FileChannel#force}). The first caller that finds no write in progress becomes the
 * writer and writes and forces everything queued so far; callers arriving meanwhile wait for it and the next writer
 * takes all of theirs at once, so concurrent publishers share one force and a lone one pays exactly one. There is
 * no batching delay. Records nobody waits for (acks) are written by the next sync or by a flusher within
 * {@value #FLUSH_INTERVAL_MILLIS} ms.
 *
 * <p>Compaction: the broker reports bytes that became dead (acked or deleted); once the files hold more than the
 * threshold and over half of it is dead, {@link #compact} switches appends to a new generation at once (the
 * broker's pause is capturing references to its live state) and a background thread writes the new snapshot
 * (temp file, force, rename, force the directory), then deletes the older generation. Disk use thus stays within
 * about twice the live state or the threshold, whichever is larger.
 */
final class Journal implements AutoCloseable {

  private static final Logger LOG = Logger.getLogger(Journal.class.getName());

  static final long DEFAULT_COMPACTION_THRESHOLD_BYTES = 64L * 1024 * 1024;
  static final int HEADER_BYTES = JournalFrames.HEADER_BYTES;
  static final long FLUSH_INTERVAL_MILLIS = 100;
  private static final long CLOSE_TIMEOUT_SECONDS = 30;

  private final JournalFiles files;
  private final long compactionThresholdBytes;

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition written = lock.newCondition();
  /** Frames ({@code byte[]}) and generation switches ({@link Rotation}) not yet written, in order. */
  private List<Object> queue = new ArrayList<>(); // guarded by lock
  /** Logical positions: bytes appended (a rotation counts 1) and how far of that is forced to disk. */
  private long appended; // guarded by lock
  private long durable; // guarded by lock
  private boolean writing; // guarded by lock
  private IOException failure; // guarded by lock
  private long generation; // guarded by lock
  private long totalBytes; // guarded by lock: bytes in the current snapshot and journal
  private long deadBytes; // guarded by lock: of those, bytes no longer needed
  private boolean compacting; // guarded by lock
  /** The journal file being written; only the current writer touches it, handed over under the lock. */
  private FileChannel current;

  private final List<Path> obsolete = new ArrayList<>();
  private final List<Path> damaged = new ArrayList<>();
  private ScheduledExecutorService flusher;
  private ExecutorService compactor;

  /** What {@link #replay} read. {@code problem} is null when every file was read to its end. */
  record Restored(long generation, int files, long records, long bytes, String problem) {}

  /** A switch of the journal file to a new generation. */
  private record Rotation(long generation) {}

  private Journal(JournalFiles files, long compactionThresholdBytes) {
    this.files = files;
    this.compactionThresholdBytes = compactionThresholdBytes;
  }

  /**
   * Opens (creating it if needed) and locks a data directory; call {@link #replay} then {@link #begin}.
   *
   * @throws IllegalStateException if another emulator (in this or another process) uses the directory
   */
  static Journal open(Path dir, long compactionThresholdBytes) throws IOException {
    return new Journal(JournalFiles.lock(dir), compactionThresholdBytes);
  }

  Path directory() {
    return files.directory();
  }

  // ------------------------------------------------------------------------------------------ restore

  /** Reads the newest snapshot and the journals after it, handing each intact record to {@code apply}. */
  Restored replay(Consumer<JournalRecord> apply) throws IOException {
    JournalFiles.Listing listing = files.list();
    TreeMap<Long, Path> snapshots = listing.snapshots();
    TreeMap<Long, Path> journals = listing.journals();
    obsolete.addAll(listing.unfinished()); // snapshots whose compaction did not finish
    long base = snapshots.isEmpty() ? 0 : snapshots.lastKey();
    generation = Math.max(base, journals.isEmpty() ? 0 : journals.lastKey());
    List<Path> chain = new ArrayList<>();
    if (!snapshots.isEmpty()) {
      chain.add(snapshots.lastEntry().getValue());
    }
    chain.addAll(journals.tailMap(base, true).values());
    snapshots.values().stream().filter(p -> !chain.contains(p)).forEach(obsolete::add);
    journals.values().stream().filter(p -> !chain.contains(p)).forEach(obsolete::add);

    long records = 0;
    long bytes = 0;
    String problem = null;
    for (int i = 0; i < chain.size(); i++) {
      Path file = chain.get(i);
      boolean mayBeTorn = i == chain.size() - 1 && file.getFileName().toString().startsWith("journal.");
      JournalFrames.Segment segment = JournalFrames.read(file, apply, mayBeTorn);
      records += segment.records();
      bytes += segment.validBytes();
      if (segment.problem() == null) {
        obsolete.add(file);
        continue;
      }
      problem = segment.problem();
      long offset = segment.validBytes();
      if (segment.torn()) {
        obsolete.add(file);
        LOG.log(Level.INFO, "Pub/Sub journal: ignored a torn tail (an interrupted write)",
            fields().put("file", file.toString()).put("offset", offset)
                .put("ignoredBytes", Files.size(file) - offset).put("reason", problem));
      } else {
        damaged.addAll(chain.subList(i, chain.size()));
        LOG.log(Level.WARNING, "Pub/Sub journal is corrupt: restored the records before the offset, kept the"
            + " damaged files aside as *.damaged",
            fields().put("file", file.toString()).put("offset", offset).put("reason", problem)
                .put("ignoredFiles", chain.size() - i));
      }
      break;
    }
    return new Restored(generation, chain.size(), records, bytes, problem);
  }

  /**
   * Starts a new generation from {@code snapshot} (the restored state as the broker holds it now), then removes
   * the files it replaces. Call once, after {@link #replay}.
   */
  void begin(Iterable<JournalRecord> snapshot) throws IOException {
    long next = generation + 1;
    long bytes = files.writeSnapshot(next, snapshot);
    current = files.createJournal(next);
    for (Path file : damaged) {
      Files.move(file, file.resolveSibling(file.getFileName() + ".damaged"), StandardCopyOption.REPLACE_EXISTING);
      obsolete.remove(file);
    }
    for (Path file : obsolete) {
      Files.deleteIfExists(file);
    }
    obsolete.clear();
    lock.lock();
    try {
      generation = next;
      totalBytes = bytes;
    } finally {
      lock.unlock();
    }
    flusher = Executors.newSingleThreadScheduledExecutor(daemon("pubsub-journal-flusher"));
    flusher.scheduleWithFixedDelay(this::flushQuietly, FLUSH_INTERVAL_MILLIS, FLUSH_INTERVAL_MILLIS,
        TimeUnit.MILLISECONDS);
    compactor = Executors.newSingleThreadExecutor(daemon("pubsub-journal-compactor"));
  }

  // ------------------------------------------------------------------------------------------- append

  /**
   * Queues a record after everything appended before; call under the lock that orders the changes. Not durable
   * until a {@link #sync} at or after {@link #position()} returns.
   *
   * @return the bytes the record takes in the file, for the broker's dead-weight accounting
   */
  int append(JournalRecord record) {
    byte[] frame = JournalFrames.frame(record);
    lock.lock();
    try {
      queue.add(frame);
      appended += frame.length;
      totalBytes += frame.length;
    } finally {
      lock.unlock();
    }
    return frame.length;
  }

  /** The position after the last appended record. */
  long position() {
    lock.lock();
    try {
      return appended;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Returns once every record before {@code position} is on disk, writing and forcing them itself unless another
   * thread's write already covers them.
   *
   * @throws IOException if the journal could not be written (then, and from then on: the journal is failed)
   */
  void sync(long position) throws IOException {
    lock.lock();
    try {
      while (durable < position) {
        if (failure != null) {
          throw new IOException("The Pub/Sub journal failed earlier", failure);
        }
        if (writing) {
          written.awaitUninterruptibly();
          continue;
        }
        writing = true;
        List<Object> batch = queue;
        queue = new ArrayList<>();
        long end = appended;
        IOException error = null;
        lock.unlock();
        try {
          write(batch);
        } catch (IOException | RuntimeException e) {
          error = e instanceof IOException io ? io : new IOException(e);
        } finally {
          lock.lock();
        }
        writing = false;
        if (error == null) {
          durable = end;
        } else {
          failure = error;
          LOG.log(Level.SEVERE, "Pub/Sub journal write failed: publishes fail from now on", error);
        }
        written.signalAll();
      }
    } finally {
      lock.unlock();
    }
  }

  /** Writes a batch to the journal file(s) and forces it; called by one writer at a time. */
  private void write(List<Object> batch) throws IOException {
    List<ByteBuffer> buffers = new ArrayList<>();
    for (Object item : batch) {
      if (item instanceof byte[] frame) {
        buffers.add(ByteBuffer.wrap(frame));
      } else {
        writeFully(buffers);
        current.force(false);
        current.close();
        current = files.createJournal(((Rotation) item).generation());
      }
    }
    writeFully(buffers);
    current.force(false);
  }

  private void writeFully(List<ByteBuffer> buffers) throws IOException {
    ByteBuffer[] array = buffers.toArray(ByteBuffer[]::new);
    int first = 0;
    while (first < array.length) {
      current.write(array, first, array.length - first);
      while (first < array.length && !array[first].hasRemaining()) {
        first++;
      }
    }
    buffers.clear();
  }

  private void flushQuietly() {
    long target;
    lock.lock();
    try {
      if (appended == durable || writing || failure != null) {
        return;
      }
      target = appended;
    } finally {
      lock.unlock();
    }
    try {
      sync(target);
    } catch (IOException e) {
      // logged by the writer; publishes report it
    }
  }

  // --------------------------------------------------------------------------------------- compaction

  /** Counts bytes of the files that restore no longer needs (acked messages, deleted resources, ack records). */
  void markDead(long bytes) {
    lock.lock();
    try {
      deadBytes += bytes;
    } finally {
      lock.unlock();
    }
  }

  /** True when the files hold more than the threshold and over half of them is dead, and no compaction runs. */
  boolean compactionDue() {
    lock.lock();
    try {
      return !compacting && failure == null && totalBytes > compactionThresholdBytes && deadBytes * 2 > totalBytes;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Starts a new generation now and writes its snapshot in the background. Call under the broker's lock with a
   * supplier of the live state as of now (captured, not computed later): records appended from now on go to the
   * new generation's journal.
   */
  void compact(Supplier<Iterable<JournalRecord>> liveState) {
    long next;
    long boundary;
    long deadBefore;
    long totalBefore;
    lock.lock();
    try {
      compacting = true;
      next = ++generation;
      queue.add(new Rotation(next));
      boundary = ++appended;
      deadBefore = deadBytes;
      totalBefore = totalBytes;
      deadBytes = 0;
      totalBytes = 0;
    } finally {
      lock.unlock();
    }
    compactor.execute(() -> {
      long started = System.nanoTime();
      long bytes = 0;
      try {
        sync(boundary); // the previous journal is complete and forced, the new one exists
        bytes = files.writeSnapshot(next, liveState.get());
        files.deleteGenerationsBefore(next);
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        LOG.log(Level.INFO, "Pub/Sub journal compacted", fields().put("generation", next)
            .put("bytesBefore", totalBefore).put("deadBytesBefore", deadBefore).put("snapshotBytes", bytes)
            .put("millis", millis));
      } catch (IOException | RuntimeException e) {
        // the previous snapshot and journals stay: restore still reads them, in order, with the new journal
        LOG.log(Level.WARNING, "Pub/Sub journal compaction failed; the previous files are kept", e);
      } finally {
        lock.lock();
        try {
          totalBytes += bytes;
          compacting = false;
        } finally {
          lock.unlock();
        }
      }
    });
  }

  /** Bytes in the current generation's files (snapshot and journal) as the compaction threshold counts them. */
  long totalBytes() {
    lock.lock();
    try {
      return totalBytes;
    } finally {
      lock.unlock();
    }
  }

  /** Writes and forces everything appended, waits for a running compaction, releases the directory. */
  @Override
  public void close() {
    if (flusher != null) {
      flusher.shutdownNow();
      compactor.shutdown();
      try {
        compactor.awaitTermination(CLOSE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      try {
        sync(position());
      } catch (IOException e) {
        LOG.log(Level.WARNING, "Pub/Sub journal: the last records could not be written at close", e);
      }
    }
    try {
      if (current != null) {
        current.close();
      }
      files.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static ObjectNode fields() {
    return Json.MAPPER.createObjectNode();
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    return runnable -> {
      Thread thread = new Thread(runnable, name);
      thread.setDaemon(true);
      return thread;
    };
  }
}
