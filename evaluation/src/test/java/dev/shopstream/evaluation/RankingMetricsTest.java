package dev.shopstream.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RankingMetricsTest {
  private static final double LOG2_3 = Math.log(3) / Math.log(2);

  @Test
  void hitNdcgAndReciprocalRankOfOneList() {
    List<String> ranked = List.of("a", "b", "c", "d");
    assertThat(RankingMetrics.hit(ranked, Set.of("c"), 3)).isEqualTo(1);
    assertThat(RankingMetrics.hit(ranked, Set.of("d"), 3)).as("beyond k").isZero();
    assertThat(RankingMetrics.reciprocalRank(ranked, Set.of("c", "d"), 4)).isEqualTo(1.0 / 3);
    assertThat(RankingMetrics.reciprocalRank(ranked, Set.of("x"), 4)).isZero();
    // one relevant item at rank 2: DCG = 1/log2(3), IDCG = 1
    assertThat(RankingMetrics.ndcg(ranked, Set.of("b"), 10)).isCloseTo(1 / LOG2_3, within(1e-12));
    // relevant {a, c, x}: DCG = 1 + 1/log2(4) = 1.5; IDCG (3 relevant, k = 4) = 1 + 1/log2(3) + 1/2
    assertThat(RankingMetrics.ndcg(ranked, Set.of("a", "c", "x"), 4))
        .isCloseTo(1.5 / (1 + 1 / LOG2_3 + 0.5), within(1e-12));
    // k = 1 bounds the ideal too: IDCG = 1
    assertThat(RankingMetrics.ndcg(ranked, Set.of("a", "c"), 1)).isEqualTo(1.0);
    assertThat(RankingMetrics.ndcg(List.of(), Set.of("a"), 10)).isZero();
  }

  @Test
  void averagesOverTrialsAndCountsCoverage() {
    RankingMetrics m = new RankingMetrics(2);
    m.add(List.of("a", "b", "c"), Set.of("a")); // hit at 1: ndcg 1, rr 1
    m.add(List.of("b", "c", "a"), Set.of("c")); // hit at 2: ndcg 1/log2(3), rr 1/2
    m.add(List.of("b", "d", "a"), Set.of("a")); // miss (rank 3 > k)
    m.addRecommended(List.of("a", "b", "c"));
    m.addRecommended(List.of("b", "d", "a"));
    assertThat(m.trials()).isEqualTo(3);
    assertThat(m.hitRate()).isCloseTo(2.0 / 3, within(1e-12));
    assertThat(m.mrr()).isCloseTo(1.5 / 3, within(1e-12));
    assertThat(m.ndcg()).isCloseTo((1 + 1 / LOG2_3) / 3, within(1e-12));
    assertThat(m.distinctRecommended()).as("a, b, d: only the first k of each list").isEqualTo(3);
    assertThat(m.coverage(6)).isEqualTo(0.5);
  }

  @Test
  void ranksAmongSampledCandidates() {
    RankingMetrics m = new RankingMetrics(10);
    m.addRank(1);
    m.addRank(3);
    m.addRank(11);
    assertThat(m.hitRate()).isCloseTo(2.0 / 3, within(1e-12));
    assertThat(m.mrr()).isCloseTo((1 + 1.0 / 3) / 3, within(1e-12));
    assertThat(m.ndcg()).isCloseTo((1 + 0.5) / 3, within(1e-12)); // 1/log2(4) = 0.5
    assertThat(new RankingMetrics(5).hitRate()).as("no trials").isZero();
    assertThatThrownBy(() -> m.addRank(0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new RankingMetrics(0)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void curvesHoldEveryCutOffUpToTheDepthAndEqualTheFiguresAtK() {
    RankingMetrics m = new RankingMetrics(2, 4);
    m.add(List.of("a", "b", "c", "d"), Set.of("a")); // hit at 1
    m.add(List.of("b", "c", "a", "d"), Set.of("a", "d")); // hits at 3 and 4
    m.add(List.of("b", "d"), Set.of("x")); // never
    m.addRecommended(List.of("a", "b", "c", "d"));
    assertThat(m.depth()).isEqualTo(4);
    assertThat(m.hitRateCurve()).containsExactly(1.0 / 3, 1.0 / 3, 2.0 / 3, 2.0 / 3);
    assertThat(m.hitRateCurve()[1]).isEqualTo(m.hitRate());
    double idealAt3 = 1 + 1 / LOG2_3; // two relevant items: ideal ranks 1 and 2
    assertThat(m.ndcgCurve()[0]).isCloseTo(1.0 / 3, within(1e-12));
    assertThat(m.ndcgCurve()[2]).isCloseTo((1 + 0.5 / idealAt3) / 3, within(1e-12)); // 1/log2(4) = 0.5
    assertThat(m.ndcgCurve()[3]).isCloseTo((1 + (0.5 + 1 / (Math.log(5) / Math.log(2))) / idealAt3) / 3,
        within(1e-12));
    assertThat(m.ndcgCurve()[1]).isEqualTo(m.ndcg());
    assertThat(m.distinctRecommended()).as("coverage counts the first k only").isEqualTo(2);

    RankingMetrics ranks = new RankingMetrics(2, 3);
    ranks.addRank(2);
    ranks.addRank(3);
    assertThat(ranks.hitRateCurve()).containsExactly(0, 0.5, 1.0);
    assertThat(ranks.ndcgCurve()[2]).isCloseTo((1 / LOG2_3 + 0.5) / 2, within(1e-12));
    assertThat(ranks.hitRateCurve()[1]).isEqualTo(ranks.hitRate());
    assertThatThrownBy(() -> new RankingMetrics(3, 2)).isInstanceOf(IllegalArgumentException.class);
  }
}
