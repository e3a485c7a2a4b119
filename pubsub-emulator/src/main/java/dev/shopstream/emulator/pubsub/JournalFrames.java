package dev.shopstream.emulator.pubsub;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import java.util.zip.CRC32;

/**
 * The journal's frame format: each record is framed as {@code [int length][int CRC32 of the payload][payload]}.
 * Writes frames, and reads a file's frames up to its end or its first frame that does not check out, telling a
 * torn tail (an interrupted write) from corruption.
 */
final class JournalFrames {

  static final int HEADER_BYTES = 8;
  /** Larger than any record: a message is at most a 10 MB publish request. */
  static final int MAX_PAYLOAD_BYTES = 3 * Limits.MAX_REQUEST_BYTES;

  private JournalFrames() {}

  /** One record as a frame. */
  static byte[] frame(JournalRecord record) {
    byte[] payload = record.encode();
    CRC32 crc = new CRC32();
    crc.update(payload);
    byte[] frame = new byte[HEADER_BYTES + payload.length];
    ByteBuffer.wrap(frame).putInt(payload.length).putInt((int) crc.getValue()).put(payload);
    return frame;
  }

  /**
   * What reading one file found: the bytes and records up to its end or its first bad frame; {@code problem} is
   * null when the file was read to its end, and {@code torn} says the bad frame is an interrupted write.
   */
  record Segment(long validBytes, long records, String problem, boolean torn) {}

  /**
   * Reads one file up to its end or its first bad frame, handing each intact record to {@code apply}. A bad frame
   * counts as torn only if {@code mayBeTorn} (the file is the last journal) and it is what an interrupted write
   * leaves: an incomplete header or frame, a bad checksum on the very last frame, or zeros to the end.
   */
  static Segment read(Path file, Consumer<JournalRecord> apply, boolean mayBeTorn) throws IOException {
    long size = Files.size(file);
    long offset = 0;
    long records = 0;
    CRC32 crc = new CRC32();
    try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16))) {
      while (offset < size) {
        long remaining = size - offset;
        if (remaining < HEADER_BYTES) {
          return bad(offset, records, "incomplete frame header", mayBeTorn);
        }
        int length = in.readInt();
        int checksum = in.readInt();
        if (length <= 0 || length > MAX_PAYLOAD_BYTES) {
          boolean zeros = length == 0 && checksum == 0 && restIsZeros(in, remaining - HEADER_BYTES);
          return bad(offset, records, "invalid frame length " + length, mayBeTorn && zeros);
        }
        if (length > remaining - HEADER_BYTES) {
          return bad(offset, records, "frame extends past the end of the file", mayBeTorn);
        }
        byte[] payload = new byte[length];
        in.readFully(payload);
        crc.reset();
        crc.update(payload);
        if ((int) crc.getValue() != checksum) {
          boolean last = offset + HEADER_BYTES + length == size;
          return bad(offset, records, "CRC mismatch", mayBeTorn && last);
        }
        JournalRecord record;
        try {
          record = JournalRecord.decode(payload);
        } catch (IOException e) {
          return bad(offset, records, "undecodable record: " + e.getMessage(), false);
        }
        apply.accept(record);
        records++;
        offset += HEADER_BYTES + length;
      }
    }
    return new Segment(offset, records, null, false);
  }

  private static Segment bad(long offset, long records, String problem, boolean torn) {
    return new Segment(offset, records, problem, torn);
  }

  private static boolean restIsZeros(InputStream in, long count) throws IOException {
    for (long i = 0; i < count; i++) {
      int b = in.read();
      if (b != 0) {
        return b < 0;
      }
    }
    return true;
  }
}
