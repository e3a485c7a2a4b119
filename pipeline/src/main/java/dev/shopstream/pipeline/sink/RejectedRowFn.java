package dev.shopstream.pipeline.sink;

import dev.shopstream.contract.DeadLetter;
import java.util.Objects;
import java.util.logging.Logger;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The one "rejected row" step of every warehouse store: a row the store rejected for good becomes a
 * {@link DeadLetter} (through {@code toDeadLetter}), counted as {@code <store>.<table>/rows_rejected} unless the
 * store counted it already, and then either output ({@link #toDeadLetters}: the caller writes it with the other dead
 * letters) or, at the end of the line (a dead letter the store rejected), logged whole ({@link #logged}): never
 * retried forever, never dropped silently.
 *
 * @param <T> the store's form of a rejected row
 */
public final class RejectedRowFn<T> extends DoFn<T, DeadLetter> {
  private static final Logger LOG = Logger.getLogger(RejectedRowFn.class.getName());

  private final String store;
  private final String table;
  private final SerializableFunction<T, DeadLetter> toDeadLetter;
  private final @Nullable Counter rejected;
  private final boolean endOfLine;

  private RejectedRowFn(String store, String table, SerializableFunction<T, DeadLetter> toDeadLetter, boolean count,
      boolean endOfLine) {
    this.store = Objects.requireNonNull(store, "store");
    this.table = Objects.requireNonNull(table, "table");
    this.toDeadLetter = Objects.requireNonNull(toDeadLetter, "toDeadLetter");
    this.rejected = count ? Metrics.counter(store + "." + table, "rows_rejected") : null;
    this.endOfLine = endOfLine;
  }

  /** Rejected rows of {@code table} in {@code store} (the counter's namespace) as counted dead letters. */
  public static <T> RejectedRowFn<T> toDeadLetters(String store, String table,
      SerializableFunction<T, DeadLetter> toDeadLetter) {
    return new RejectedRowFn<>(store, table, toDeadLetter, true, false);
  }

  /**
   * The end of the line: rejected dead letters of {@code table} logged whole (nothing is output), and counted when
   * {@code count} (false where the store's writer counted them already).
   */
  public static <T> RejectedRowFn<T> logged(String store, String table, SerializableFunction<T, DeadLetter> toDeadLetter,
      boolean count) {
    return new RejectedRowFn<>(store, table, toDeadLetter, count, true);
  }

  @ProcessElement
  public void process(@Element T row, OutputReceiver<DeadLetter> out) {
    if (rejected != null) {
      rejected.inc();
    }
    DeadLetter deadLetter = toDeadLetter.apply(row);
    if (endOfLine) {
      LOG.severe(() -> store + " rejected a row of " + table + " (" + deadLetter.error() + "): "
          + deadLetter.payload());
    } else {
      out.output(deadLetter);
    }
  }
}
