package dev.shopstream.functions.upload;

import java.io.IOException;
import java.io.InputStream;

/** Stops decompression at {@code limit} bytes, so a small object cannot expand without bound. */
final class DecompressedLimit extends BulkReadStream {
  private final long limit;
  private long count;

  DecompressedLimit(InputStream in, long limit) {
    super(in);
    this.limit = limit;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    int n = super.read(b, off, (int) Math.min(len, limit - count + 1));
    if (n > 0) {
      count += n;
      if (count > limit) {
        throw new DecompressedTooLargeException(limit);
      }
    }
    return n;
  }
}
