package dev.shopstream.emulator.gcs;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

final class Streams {
  private static final int BUFFER_SIZE = 64 * 1024;

  private Streams() {}

  /** Copies at most {@code limit} bytes, fewer if the input ends first; answers how many. */
  static long copy(InputStream in, OutputStream out, long limit) throws IOException {
    byte[] buffer = new byte[BUFFER_SIZE];
    long copied = 0;
    int n;
    while (copied < limit && (n = in.read(buffer, 0, (int) Math.min(buffer.length, limit - copied))) >= 0) {
      out.write(buffer, 0, n);
      copied += n;
    }
    return copied;
  }
}
