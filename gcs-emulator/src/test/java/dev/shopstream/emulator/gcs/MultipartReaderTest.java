package dev.shopstream.emulator.gcs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

class MultipartReaderTest {
  private static final String BOUNDARY = "__END_OF_PART__abc__";

  @Test
  void readsMetadataAndMediaPartsAcrossManyWindows() throws IOException {
    byte[] media = new byte[300_000];
    new Random(3).nextBytes(media);
    // near-misses of the delimiter inside the content, one of them straddling the reader's 64 KiB window
    byte[] nearMiss = ("\r\n--" + BOUNDARY.substring(0, 10)).getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(nearMiss, 0, media, 1000, nearMiss.length);
    System.arraycopy(nearMiss, 0, media, 64 * 1024 - 5, nearMiss.length);
    byte[] body = concat(
        "preamble\r\n--" + BOUNDARY + "\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n{\"name\":\"x\"}\r\n--"
            + BOUNDARY + "  \r\nContent-Type: image/png\r\ncontent-transfer-encoding: binary\r\n\r\n",
        media, "\r\n--" + BOUNDARY + "--\r\n");

    MultipartReader parts = new MultipartReader(new TrickleInputStream(body),
        MultipartReader.boundary("multipart/related; boundary=\"" + BOUNDARY + "\""));

    assertThat(parts.next()).isTrue();
    assertThat(parts.headers()).containsEntry("content-type", "application/json; charset=UTF-8");
    assertThat(new String(parts.content().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("{\"name\":\"x\"}");
    assertThat(parts.next()).isTrue();
    assertThat(parts.headers()).containsEntry("content-type", "image/png");
    assertThat(parts.content().readAllBytes()).isEqualTo(media);
    assertThat(parts.next()).isFalse();
  }

  @Test
  void aBodyWithoutClosingBoundaryIsRefused() throws IOException {
    MultipartReader parts = new MultipartReader(new ByteArrayInputStream(
        ("--" + BOUNDARY + "\r\n\r\nunfinished").getBytes(StandardCharsets.US_ASCII)), BOUNDARY);

    assertThat(parts.next()).isTrue();
    assertThatThrownBy(() -> parts.content().readAllBytes())
        .isInstanceOfSatisfying(GcsException.class, e -> assertThat(e.code()).isEqualTo(400));
  }

  private static byte[] concat(String head, byte[] middle, String tail) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(head.getBytes(StandardCharsets.US_ASCII));
    out.write(middle);
    out.write(tail.getBytes(StandardCharsets.US_ASCII));
    return out.toByteArray();
  }

  /** Hands out odd-sized reads, as a network does. */
  private static final class TrickleInputStream extends InputStream {
    private final ByteArrayInputStream in;
    private int turn;

    TrickleInputStream(byte[] bytes) {
      this.in = new ByteArrayInputStream(bytes);
    }

    @Override
    public int read() {
      return in.read();
    }

    @Override
    public int read(byte[] b, int off, int len) {
      return in.read(b, off, Math.min(len, 1 + (turn++ * 7919) % 40_000));
    }
  }
}
