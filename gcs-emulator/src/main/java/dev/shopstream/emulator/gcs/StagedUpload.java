package dev.shopstream.emulator.gcs;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.zip.CRC32C;

/**
 * The bytes of an upload in progress, streamed to a temporary file while their MD5 and CRC32C are computed, so that
 * no object is ever held in memory. Appends may come in several requests (resumable uploads).
 */
final class StagedUpload {
  private static final int BUFFER_SIZE = 64 * 1024;

  private final Path file;
  private final long maxSize;
  private final MessageDigest md5;
  private final CRC32C crc32c = new CRC32C();
  private long size;

  StagedUpload(Path stagingDir, long maxSize) throws IOException {
    this.file = Files.createTempFile(stagingDir, "upload-", ".part");
    this.maxSize = maxSize;
    try {
      this.md5 = MessageDigest.getInstance("MD5");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has MD5", e);
    }
  }

  /** Appends the whole stream. */
  void append(InputStream in) throws IOException {
    append(in, Long.MAX_VALUE);
  }

  /** Appends at most {@code limit} bytes of the stream; fails once the object would exceed the maximum size. */
  void append(InputStream in, long limit) throws IOException {
    byte[] buffer = new byte[BUFFER_SIZE];
    try (OutputStream out = Files.newOutputStream(file, StandardOpenOption.APPEND)) {
      long remaining = limit;
      int n;
      while (remaining > 0 && (n = in.read(buffer, 0, (int) Math.min(buffer.length, remaining))) > 0) {
        if (size + n > maxSize) {
          throw GcsException.tooLarge(maxSize);
        }
        out.write(buffer, 0, n);
        md5.update(buffer, 0, n);
        crc32c.update(buffer, 0, n);
        size += n;
        remaining -= n;
      }
    }
  }

  Path file() {
    return file;
  }

  long size() {
    return size;
  }

  String md5Base64() {
    try {
      return Base64.getEncoder().encodeToString(((MessageDigest) md5.clone()).digest());
    } catch (CloneNotSupportedException e) {
      throw new IllegalStateException("the JDK's MD5 is cloneable", e);
    }
  }

  String crc32cBase64() {
    return Base64.getEncoder().encodeToString(ByteBuffer.allocate(4).putInt((int) crc32c.getValue()).array());
  }

  void discard() throws IOException {
    Files.deleteIfExists(file);
  }
}
