package dev.shopstream.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ModelConfigBuilderTest {
  @Test
  void theBuilderStartsFromTheDefaultsAndToBuilderFromTheConfig() {
    assertThat(ModelConfig.builder().build()).isEqualTo(ModelConfig.defaults());
    ModelConfig knn = ModelConfig.itemKnnBaseline();
    assertThat(knn.toBuilder().build()).isEqualTo(knn);
    assertThat(knn.similarity()).isEqualTo(Similarity.COSINE);
    assertThat(knn.halfLife()).isEqualTo(Duration.ZERO);
    assertThat(knn.userHorizon()).isEqualTo(Duration.ofHours(24));
    assertThat(knn.viewWeight() + knn.addToCartWeight() + knn.purchaseWeight()).isEqualTo(3);
    assertThat(knn.nextSteps()).isZero();
  }

  @Test
  void eachSetterSetsItsOwnParameterOnly() {
    ModelConfig d = ModelConfig.defaults();
    ModelConfig c = d.toBuilder().weights(0.5, 2, 4).halfLife(Duration.ofDays(1)).userHorizon(Duration.ofDays(7))
        .maxItemsPerUser(11).maxNeighborsPerItem(12).topK(13).similarity(Similarity.LIFT)
        .pairWeight(ModelConfig.PairWeight.PRODUCT).trendWeight(0.25).nextSteps(3).nextWeight(1.5)
        .recencyOrder(0.5).sessionGap(Duration.ofHours(2)).popularityWeight(0.1).popularityWindow(Duration.ofDays(90))
        .itemNextWeight(0.75).factorWeight(0.5).cartRecencyOrder(1.25).sessionRecencyOrder(1.5)
        .build();
    assertThat(c).isEqualTo(new ModelConfig(0.5, 2, 4, Duration.ofDays(1), Duration.ofDays(7), 11, 12, 13,
        Similarity.LIFT, ModelConfig.PairWeight.PRODUCT, 0.25, 3, 1.5, 0.5, Duration.ofHours(2), 0.1,
        Duration.ofDays(90), 0.75, 0.5, 1.25, 1.5));
    assertThat(d.toBuilder().viewWeight(2).build()).isEqualTo(new ModelConfig(2, d.addToCartWeight(),
        d.purchaseWeight(), d.halfLife(), d.userHorizon(), d.maxItemsPerUser(), d.maxNeighborsPerItem(), d.topK(),
        d.similarity(), d.pairWeightMode(), d.trendWeight(), d.nextSteps(), d.nextWeight(), d.recencyOrder(),
        d.sessionGap(), d.popularityWeight(), d.popularityWindow(), d.itemNextWeight(), d.factorWeight(),
        d.cartRecencyOrder(), d.sessionRecencyOrder()));
    assertThat(d.toBuilder().trendWeight(0).build().trendWeight()).isZero();
    assertThat(d.trendWeight()).as("the original is unchanged").isEqualTo(ModelConfig.DEFAULT_TREND_WEIGHT);
  }

  @Test
  void buildChecksTheParametersAsTheConstructorDoes() {
    assertThatThrownBy(() -> ModelConfig.builder().topK(0).build()).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ModelConfig.builder().addToCartWeight(-1).build())
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ModelConfig.builder().trendWeight(Double.NaN).build())
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ModelConfig.builder().halfLife(null).build()).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> ModelConfig.builder().popularityWindow(Duration.ofMillis(500)).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("popularityWindow");
  }
}
