package dev.shopstream.functions.upload;

import java.io.IOException;

/** A gzip object decompressed past {@link UploadConfig#maxDecompressedBytes}. */
final class DecompressedTooLargeException extends IOException {
  DecompressedTooLargeException(long limit) {
    super("decompressed content exceeds MAX_DECOMPRESSED_BYTES (" + limit + " bytes): a gzip bomb, or a file to "
        + "split into smaller objects; rows before the limit were processed");
  }
}
