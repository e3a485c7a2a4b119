package dev.shopstream.functions.upload;

import java.io.IOException;
import java.io.InputStream;

/** Counts the bytes read from the object and marks its failures as {@link SourceException}s. */
final class CountingStream extends BulkReadStream {
  private final Run run;

  CountingStream(InputStream in, Run run) {
    super(in);
    this.run = run;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    try {
      int n = super.read(b, off, len);
      if (n > 0) {
        run.bytes += n;
      }
      return n;
    } catch (IOException | RuntimeException e) {
      throw e instanceof SourceException s ? s : new SourceException(e);
    }
  }
}
