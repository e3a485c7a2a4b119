package dev.shopstream.functions.recommend;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shopstream.functions.recommend.RecommendationStore.CatalogEntry;
import dev.shopstream.functions.recommend.RecommendationStore.TrendScore;
import dev.shopstream.functions.recommend.RecommendationStore.Trends;
import dev.shopstream.model.ModelConfig;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The snapshot's trending list per category is exactly the full list filtered by {@link Selection#within}. */
class SnapshotTest {
  @Test
  void trendingOfACategoryIsTheFullRankingFilteredToItAndBelow() {
    List<String> categories = List.of("home/kitchen/mugs", "home/kitchen", "home", "homeware", "grocery/tea",
        "/odd/leading", "odd//double", "trailing/", "home/kitchen/mugs");
    List<CatalogEntry> catalog = new ArrayList<>();
    List<TrendScore> trends = new ArrayList<>();
    for (int i = 0; i < categories.size(); i++) {
      catalog.add(new CatalogEntry("p" + i, "P" + i, categories.get(i), true));
      trends.add(new TrendScore("p" + i, 100 - i, 1));
    }
    trends.add(new TrendScore("not-in-catalog", 50.5, 1));
    Snapshot snapshot = Snapshot.build(ModelConfig.defaults(), List.of(),
        new Trends(Instant.EPOCH, Instant.EPOCH, trends), catalog, Instant.EPOCH);

    List<String> filters = List.of("home", "home/kitchen", "home/kitchen/mugs", "hom", "home/", "homeware",
        "grocery", "/odd", "/odd/leading", "odd", "odd/", "odd//double", "trailing", "trailing/", "nothing", "/");
    for (String filter : filters) {
      List<TrendScore> expected = snapshot.trending().stream()
          .filter(t -> Selection.within(snapshot.category(t.productId()), filter)).toList();
      assertThat(snapshot.trending(filter)).as(filter).isEqualTo(expected);
    }
    assertThat(snapshot.trending("home")).extracting(TrendScore::productId).containsExactly("p0", "p1", "p2", "p8");
    assertThat(snapshot.trending(null)).hasSize(10);
  }
}
