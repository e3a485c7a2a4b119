package dev.shopstream.emulator.pubsub;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32;

/**
 * The journal's data directory: locked for one emulator at a time, holding generation {@code g} as
 * {@code snapshot.g} and {@code journal.g}. Lists the generations, creates journal files, writes snapshots
 * atomically (temp file, force, rename, force the directory) and deletes older generations.
 */
final class JournalFiles implements AutoCloseable {

  private static final Pattern FILE = Pattern.compile("(snapshot|journal)\\.(\\d+)");

  private final Path dir;
  private final FileChannel lockFile;
  private final FileLock dirLock;

  /** The files of a directory by kind and generation; {@code unfinished} are snapshots of an interrupted compaction. */
  record Listing(TreeMap<Long, Path> snapshots, TreeMap<Long, Path> journals, List<Path> unfinished) {}

  private JournalFiles(Path dir, FileChannel lockFile, FileLock dirLock) {
    this.dir = dir;
    this.lockFile = lockFile;
    this.dirLock = dirLock;
  }

  /**
   * Opens (creating it if needed) and locks a data directory.
   *
   * @throws IllegalStateException if another emulator (in this or another process) uses the directory
   */
  static JournalFiles lock(Path dir) throws IOException {
    Files.createDirectories(dir);
    FileChannel lockFile = FileChannel.open(dir.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock dirLock;
    try {
      dirLock = lockFile.tryLock();
    } catch (OverlappingFileLockException e) {
      dirLock = null;
    }
    if (dirLock == null) {
      lockFile.close();
      throw new IllegalStateException("The Pub/Sub data directory " + dir + " is in use by another emulator");
    }
    return new JournalFiles(dir, lockFile, dirLock);
  }

  Path directory() {
    return dir;
  }

  Listing list() throws IOException {
    TreeMap<Long, Path> snapshots = new TreeMap<>();
    TreeMap<Long, Path> journals = new TreeMap<>();
    List<Path> unfinished = new ArrayList<>();
    try (var files = Files.list(dir)) {
      for (Path file : (Iterable<Path>) files::iterator) {
        String name = file.getFileName().toString();
        Matcher m = FILE.matcher(name);
        if (m.matches()) {
          (m.group(1).equals("snapshot") ? snapshots : journals).put(Long.parseLong(m.group(2)), file);
        } else if (name.endsWith(".tmp")) {
          unfinished.add(file);
        }
      }
    }
    return new Listing(snapshots, journals, unfinished);
  }

  /** Creates the journal file of a generation (it must not exist) and makes its name durable. */
  FileChannel createJournal(long gen) throws IOException {
    FileChannel channel = FileChannel.open(dir.resolve("journal." + gen), StandardOpenOption.CREATE_NEW,
        StandardOpenOption.WRITE);
    forceDirectory();
    return channel;
  }

  /** Writes a generation's snapshot atomically; returns its bytes. */
  long writeSnapshot(long gen, Iterable<JournalRecord> records) throws IOException {
    Path target = dir.resolve("snapshot." + gen);
    Path temp = dir.resolve("snapshot." + gen + ".tmp");
    long bytes = 0;
    CRC32 crc = new CRC32();
    int header = JournalFrames.HEADER_BYTES;
    try (FileChannel out = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      ByteBuffer buffer = ByteBuffer.allocate(1 << 16);
      for (JournalRecord record : records) {
        byte[] payload = record.encode();
        crc.reset();
        crc.update(payload);
        if (buffer.remaining() < header + payload.length) {
          drain(out, buffer);
        }
        if (buffer.remaining() < header + payload.length) {
          ByteBuffer large = ByteBuffer.allocate(header + payload.length);
          large.putInt(payload.length).putInt((int) crc.getValue()).put(payload);
          drain(out, large);
        } else {
          buffer.putInt(payload.length).putInt((int) crc.getValue()).put(payload);
        }
        bytes += header + payload.length;
      }
      drain(out, buffer);
      out.force(true);
    }
    Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    forceDirectory();
    return bytes;
  }

  private static void drain(FileChannel out, ByteBuffer buffer) throws IOException {
    buffer.flip();
    while (buffer.hasRemaining()) {
      out.write(buffer);
    }
    buffer.clear();
  }

  void deleteGenerationsBefore(long gen) throws IOException {
    try (var files = Files.list(dir)) {
      for (Path file : (Iterable<Path>) files::iterator) {
        Matcher m = FILE.matcher(file.getFileName().toString());
        if (m.matches() && Long.parseLong(m.group(2)) < gen) {
          Files.deleteIfExists(file);
        }
      }
    }
  }

  /** Makes a created, renamed or deleted file's name durable. */
  void forceDirectory() throws IOException {
    try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
      channel.force(true);
    }
  }

  /** Releases the directory. */
  @Override
  public void close() throws IOException {
    dirLock.release();
    lockFile.close();
  }
}
