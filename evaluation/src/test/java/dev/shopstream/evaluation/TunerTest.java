package dev.shopstream.evaluation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shopstream.model.ModelConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The tuner's rules against noise: a change must clear one standard error; the trend weight takes the 1-SE rule. */
class TunerTest {
  private static Tuner.Trial trial(double trendWeight, double hitRate, int trials) {
    return new Tuner.Trial(ModelConfig.defaults().toBuilder().trendWeight(trendWeight).build(), hitRate, 0.1, trials);
  }

  @Test
  void aValueReplacesTheCurrentOneOnlyWhenItIsBetterByMoreThanOneStandardError() {
    Tuner.Trial current = trial(4, 0.5, 900); // standard error sqrt(0.25 / 900) = 0.0167
    assertThat(current.standardError()).isCloseTo(1.0 / 60, org.assertj.core.data.Offset.offset(1e-12));
    assertThat(trial(2, 0.515, 900).clearlyBeats(current)).isFalse();
    assertThat(trial(2, 0.52, 900).clearlyBeats(current)).isTrue();
    assertThat(trial(2, 0.501, 1_000_000).clearlyBeats(trial(4, 0.5, 1_000_000))).isTrue();
  }

  @Test
  void theTrendWeightIsTheSmallestWithinOneStandardErrorOfTheBest() {
    // Online Retail's validation figures, 842 trials: 4 is best (0.4976 ± 0.0172), 2 is within, 1 is not
    List<Tuner.Trial> trials = List.of(trial(0, 0.3207, 842), trial(1, 0.4418, 842), trial(2, 0.4834, 842),
        trial(4, 0.4976, 842), trial(8, 0.4900, 842));
    assertThat(Tuner.smallestTrendWeightWithinOneStandardError(trials).config().trendWeight()).isEqualTo(2);
    // with a hundred times the trials the error is ten times smaller: only the best qualifies
    List<Tuner.Trial> many = trials.stream().map(t -> new Tuner.Trial(t.config(), t.hitRate(), t.ndcg(), 84_200))
        .toList();
    assertThat(Tuner.smallestTrendWeightWithinOneStandardError(many).config().trendWeight()).isEqualTo(4);
    // when the blend does not help at all, weight 0 (co-occurrence only) is kept
    assertThat(Tuner.smallestTrendWeightWithinOneStandardError(List.of(trial(0, 0.6, 500), trial(2, 0.55, 500)))
        .config().trendWeight()).isZero();
  }
}
