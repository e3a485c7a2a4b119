package dev.shopstream.bench.soak;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shopstream.bench.soak.MemoryCheck.Sample;
import dev.shopstream.bench.soak.MemoryCheck.Verdict;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongUnaryOperator;
import org.junit.jupiter.api.Test;

class MemoryCheckTest {
  private static final long MIB = 1 << 20;
  private static final long WARM_UP = 60;

  /** A sample every 10 s from 0 to 170 s (a 3-minute run), heap, RSS and backlog as functions of the time. */
  private static List<Sample> run(LongUnaryOperator heapMib, LongUnaryOperator rssMib, LongUnaryOperator backlog) {
    List<Sample> samples = new ArrayList<>();
    for (long t = 0; t < 180; t += 10) {
      samples.add(new Sample(t, heapMib.applyAsLong(t) * MIB, rssMib.applyAsLong(t) * MIB, backlog.applyAsLong(t)));
    }
    return samples;
  }

  @Test
  void aFlatHeapPassesEvenWhenRssGrowsBeyondTheBoundRssIsOnlyReported() {
    // the shape of the 2026-12-04 runs: heap after GC from about 60 to 70 MiB, RSS growing by 150-220 MiB
    Verdict v = MemoryCheck.judge(run(t -> 59 + (t - 60) / 10, t -> 200 + 3 * t, t -> 0), WARM_UP);

    assertThat(v.judged()).isEqualTo(12); // 60..170 s
    assertThat(v.heapFirstHalf()).isEqualTo(62 * MIB); // 60..110 s: 59..64 MiB, the upper median
    assertThat(v.heapSecondHalf()).isEqualTo(68 * MIB); // 120..170 s
    assertThat(v.rssFirstHalf()).isEqualTo(470 * MIB);
    assertThat(v.rssSecondHalf()).isEqualTo(650 * MIB).isGreaterThan(MemoryCheck.bound(v.rssFirstHalf()));
    assertThat(v.heapFlat()).as(v.reason()).isTrue();
    assertThat(v.reason()).contains("68 MiB <= 109 MiB").doesNotContain("fell behind");
  }

  @Test
  void aHeapThatKeepsGrowingIsNotFlat() {
    Verdict v = MemoryCheck.judge(run(t -> t, t -> 500, t -> 0), WARM_UP);

    assertThat(v.heapFirstHalf()).isEqualTo(90 * MIB);
    assertThat(v.heapSecondHalf()).isEqualTo(150 * MIB);
    assertThat(v.heapFlat()).isFalse();
    assertThat(v.reason()).contains("150 MiB > 144 MiB");
  }

  @Test
  void theBoundIsAQuarterAboveTheFirstHalfPlus32MiBInclusive() {
    assertThat(MemoryCheck.bound(64 * MIB)).isEqualTo(112 * MIB);
    assertThat(MemoryCheck.judge(run(t -> t < 120 ? 64 : 112, t -> 500, t -> 0), WARM_UP).heapFlat()).isTrue();
    assertThat(MemoryCheck.judge(run(t -> t < 120 ? 64 : 113, t -> 500, t -> 0), WARM_UP).heapFlat()).isFalse();
  }

  @Test
  void samplesOfTheWarmUpAreLeftOut() {
    // start-up: a small heap until the pipeline and the functions are loaded, then flat at 100 MiB
    List<Sample> samples = run(t -> t < WARM_UP ? 10 : 100, t -> 500, t -> 0);

    assertThat(MemoryCheck.judge(samples, WARM_UP).heapFlat()).isTrue();
    assertThat(MemoryCheck.judge(samples, 0).heapFlat()).as("the same samples judged from 0 s").isFalse();
  }

  @Test
  void tooFewSamplesAfterTheWarmUpAreNotFlat() {
    Verdict v = MemoryCheck.judge(run(t -> 60, t -> 500, t -> 0), 150); // 150, 160, 170 s

    assertThat(v.judged()).isEqualTo(3);
    assertThat(v.heapFlat()).isFalse();
    assertThat(v.reason()).contains("run longer");
    assertThat(MemoryCheck.judge(run(t -> 60, t -> 500, t -> 0), 140).heapFlat()).isTrue(); // 4 samples
  }

  @Test
  void aGrowingBacklogIsReportedAsThePipelineFallingBehind() {
    Verdict v = MemoryCheck.judge(run(t -> 70, t -> 500, t -> t * 5), WARM_UP);

    assertThat(v.backlogFirstHalf()).isEqualTo(450);
    assertThat(v.backlogSecondHalf()).isEqualTo(750);
    assertThat(v.heapFlat()).isTrue();
    assertThat(v.reason()).contains("fell behind (backlog median 450 -> 750 events)");
  }
}
