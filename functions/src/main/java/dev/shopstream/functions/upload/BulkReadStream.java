package dev.shopstream.functions.upload;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/** A filter whose every read, single bytes included, goes through {@link #read(byte[], int, int)}. */
abstract class BulkReadStream extends FilterInputStream {
  BulkReadStream(InputStream in) {
    super(in);
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xff;
  }
}
