package dev.shopstream.bench.soak;

import java.util.ArrayList;
import java.util.List;

/**
 * The soak's memory verdict, from the samples taken while the load runs (not the one after the drain, a different
 * phase): the samples of the warm-up are left out, the rest are split into halves, and the heap after a full GC
 * must stay flat: the median of the second half at most {@value #GROWTH_FACTOR} times the median of the first half
 * plus {@value #SLACK_MIB} MiB. At least {@value #MIN_SAMPLES_PER_HALF} samples per half are needed; with fewer the
 * run cannot show anything and the verdict is not flat.
 *
 * <p>The heap after a full GC is what the process retains: pipeline state, emulator backlogs, function caches. RSS
 * is reported beside it but does not decide: it is mostly memory the JVM has committed, not what it retains (after
 * a full GC G1 may keep several times the live heap committed, never less than {@code -Xms}, and it grows the heap
 * toward {@code -Xmx} under allocation pressure), JIT code, thread stacks, and DuckDB's native buffer pool (no
 * {@code memory_limit} is set: DuckDB's default is 80% of the machine's memory), which caches the embedded warehouse
 * that grows with every event written. The
 * backlog (accepted, not yet written or dead-lettered) is reported too: a pipeline that falls behind queues events
 * in memory, which is load beyond its throughput, not a leak.
 */
final class MemoryCheck {
  static final double GROWTH_FACTOR = 1.25;
  static final long SLACK_MIB = 32;
  static final int MIN_SAMPLES_PER_HALF = 2;

  private MemoryCheck() {}

  /**
   * One sample: seconds since the load started, heap used after a full GC, RSS (-1 where unknown), and the events
   * accepted but not yet written or dead-lettered at that moment.
   */
  record Sample(long elapsedSeconds, long heapAfterGcBytes, long rssBytes, long backlog) {}

  /**
   * The figures and the verdict; medians are -1 when their half is empty.
   *
   * @param judged samples after the warm-up (each half has {@code judged / 2}; an odd middle one is in neither)
   */
  record Verdict(int judged, long heapFirstHalf, long heapSecondHalf, long rssFirstHalf, long rssSecondHalf,
      long backlogFirstHalf, long backlogSecondHalf, boolean heapFlat, String reason) {}

  /** The verdict over the load's samples, in time order; those before {@code warmUpSeconds} are left out. */
  static Verdict judge(List<Sample> load, long warmUpSeconds) {
    List<Sample> after = load.stream().filter(s -> s.elapsedSeconds() >= warmUpSeconds).toList();
    int half = after.size() / 2;
    List<Sample> first = after.subList(0, half);
    List<Sample> second = after.subList(after.size() - half, after.size());
    long heapFirst = median(first, Sample::heapAfterGcBytes);
    long heapSecond = median(second, Sample::heapAfterGcBytes);
    long rssFirst = median(first, Sample::rssBytes);
    long rssSecond = median(second, Sample::rssBytes);
    long backlogFirst = median(first, Sample::backlog);
    long backlogSecond = median(second, Sample::backlog);
    if (half < MIN_SAMPLES_PER_HALF) {
      return new Verdict(after.size(), heapFirst, heapSecond, rssFirst, rssSecond, backlogFirst, backlogSecond,
          false, after.size() + " sample(s) after the " + warmUpSeconds + " s warm-up, " + 2 * MIN_SAMPLES_PER_HALF
              + " needed: run longer or sample more often");
    }
    long bound = bound(heapFirst);
    boolean flat = heapSecond <= bound;
    String reason = String.format(java.util.Locale.ROOT, "heap after GC, median of the second half %d MiB %s %d MiB"
        + " (first half %d MiB x %.2f + %d MiB)", heapSecond >> 20, flat ? "<=" : ">", bound >> 20, heapFirst >> 20,
        GROWTH_FACTOR, SLACK_MIB);
    if (backlogSecond > backlogFirst) {
      reason += "; the pipeline fell behind (backlog median " + backlogFirst + " -> " + backlogSecond
          + " events): lower --rate for a steady state";
    }
    return new Verdict(after.size(), heapFirst, heapSecond, rssFirst, rssSecond, backlogFirst, backlogSecond, flat,
        reason);
  }

  /** The most the second half's median may be. */
  static long bound(long firstHalfMedian) {
    return (long) (firstHalfMedian * GROWTH_FACTOR) + (SLACK_MIB << 20);
  }

  private static long median(List<Sample> samples, java.util.function.ToLongFunction<Sample> column) {
    List<Long> values = new ArrayList<>();
    samples.forEach(s -> values.add(column.applyAsLong(s)));
    values.sort(null);
    return values.isEmpty() ? -1 : values.get(values.size() / 2);
  }
}
