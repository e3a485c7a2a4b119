package dev.shopstream.pipeline.testing;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.io.Read;
import org.apache.beam.sdk.io.UnboundedSource;
import org.apache.beam.sdk.io.gcp.pubsub.PubsubMessage;
import org.apache.beam.sdk.io.gcp.pubsub.PubsubMessageWithAttributesAndMessageIdCoder;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * An unbounded source of the messages of a {@link GeneratedTraffic}, read the way a runner reads Pub/Sub: split
 * into readers (contiguous index ranges), in small bundles, resumed from checkpoints, with a watermark that trails
 * the newest event time read by {@code watermarkLag}. Each reader ends (watermark at the end of time) after its
 * range, so a streaming pipeline over it finishes once everything is processed.
 */
public final class GeneratedMessages extends UnboundedSource<PubsubMessage, GeneratedMessages.Position> {
  private final GeneratedTraffic traffic;
  private final long from;
  private final long to;
  private final Duration watermarkLag;

  /**
   * Messages read by every reader of this JVM since the last {@link #resetRead}: the pipeline bench's progress
   * (embedded runners read in the bench's own process). Readers increment it; nothing else depends on it.
   */
  private static final AtomicLong READ = new AtomicLong();

  private GeneratedMessages(GeneratedTraffic traffic, long from, long to, Duration watermarkLag) {
    this.traffic = traffic;
    this.from = from;
    this.to = to;
    this.watermarkLag = watermarkLag;
  }

  /** The read of all of {@code traffic}'s messages; the watermark trails the newest event time by 10 s. */
  public static PTransform<PBegin, PCollection<PubsubMessage>> of(GeneratedTraffic traffic) {
    return Read.from(new GeneratedMessages(traffic, 0, traffic.n(), Duration.standardSeconds(10)));
  }

  /** Messages read in this JVM since the last {@link #resetRead()}. */
  public static long read() {
    return READ.get();
  }

  /** Sets {@link #read()} back to zero (before a bench run). */
  public static void resetRead() {
    READ.set(0);
  }

  /** The next index a reader reads. */
  public record Position(long next) implements UnboundedSource.CheckpointMark, Serializable {
    @Override
    public void finalizeCheckpoint() {}
  }

  @Override
  public List<GeneratedMessages> split(int desiredNumSplits, PipelineOptions options) {
    int splits = (int) Math.max(1, Math.min(desiredNumSplits, to - from));
    List<GeneratedMessages> parts = new ArrayList<>();
    for (int s = 0; s < splits; s++) {
      parts.add(new GeneratedMessages(traffic, from + (to - from) * s / splits, from + (to - from) * (s + 1) / splits,
          watermarkLag));
    }
    return parts;
  }

  @Override
  public UnboundedReader<PubsubMessage> createReader(PipelineOptions options, Position checkpoint) {
    return new Reader(checkpoint == null ? from : checkpoint.next());
  }

  @Override
  public Coder<Position> getCheckpointMarkCoder() {
    return SerializableCoder.of(Position.class);
  }

  @Override
  public Coder<PubsubMessage> getOutputCoder() {
    return PubsubMessageWithAttributesAndMessageIdCoder.of();
  }

  private final class Reader extends UnboundedReader<PubsubMessage> {
    private long next;
    private PubsubMessage current;
    private Instant currentTimestamp;
    private Instant newest = BoundedWindow.TIMESTAMP_MIN_VALUE;
    private boolean done;

    Reader(long next) {
      this.next = next;
    }

    @Override
    public boolean start() {
      return advance();
    }

    @Override
    public boolean advance() {
      if (next >= to) {
        current = null;
        done = true;
        return false;
      }
      current = traffic.message(next);
      currentTimestamp = traffic.timestamp(next);
      if (currentTimestamp.isAfter(newest)) {
        newest = currentTimestamp;
      }
      next++;
      READ.incrementAndGet();
      return true;
    }

    @Override
    public PubsubMessage getCurrent() {
      if (current == null) {
        throw new NoSuchElementException();
      }
      return current;
    }

    @Override
    public Instant getCurrentTimestamp() {
      if (current == null) {
        throw new NoSuchElementException();
      }
      return currentTimestamp;
    }

    @Override
    public Instant getWatermark() {
      if (done) {
        return BoundedWindow.TIMESTAMP_MAX_VALUE;
      }
      return newest.equals(BoundedWindow.TIMESTAMP_MIN_VALUE) ? newest : newest.minus(watermarkLag);
    }

    @Override
    public Position getCheckpointMark() {
      return new Position(next);
    }

    @Override
    public GeneratedMessages getCurrentSource() {
      return GeneratedMessages.this;
    }

    @Override
    public void close() {}
  }
}
