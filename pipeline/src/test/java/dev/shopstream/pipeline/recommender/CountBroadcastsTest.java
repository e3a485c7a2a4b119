package dev.shopstream.pipeline.recommender;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shopstream.model.SignalVector;
import dev.shopstream.pipeline.recommender.ItemMessages.ToNeighbors;
import java.util.List;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.TimestampedValue;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;

/** The item counters' count reports are sent once per bundle per item, with the latest count; none is lost. */
class CountBroadcastsTest {
  private static final SignalVector ONE = SignalVector.of(1, 0, 0, 1);

  @Test
  void threeOccurrencesOfAnItemInABundleReportItsLatestCountOncePerList() {
    ItemCounter a = new ItemCounter("a");
    a.addCoOccurrence("b", ONE, 200);
    a.addCoOccurrence("c", ONE, 200);
    CountBroadcasts broadcasts = new CountBroadcasts();
    for (int i = 1; i <= 3; i++) {
      a.addOccurrence(ONE);
      broadcasts.grew(a, new Instant(1_000L * i));
    }

    List<TimestampedValue<KV<String, ToNeighbors>>> reports = broadcasts.drain();

    // once per event (the former behaviour) would be 3 x (own list + 2 partners) = 9 reports
    assertThat(reports).extracting(r -> r.getValue().getKey()).containsExactly("a", "b", "c");
    assertThat(reports).allSatisfy(r -> {
      assertThat(r.getValue().getValue().count()).isEqualTo(SignalVector.of(3, 0, 0, 3));
      assertThat(r.getValue().getValue().increment()).isEqualTo(SignalVector.ZERO);
      assertThat(r.getTimestamp()).isEqualTo(new Instant(3_000));
    });
    assertThat(reports.get(0).getValue().getValue().neighbor()).isNull();
    assertThat(reports.get(1).getValue().getValue().neighbor()).isEqualTo("a");
    assertThat(broadcasts.isEmpty()).isTrue();
    assertThat(broadcasts.drain()).isEmpty();
  }

  @Test
  void everyItemThatGrewIsReported() {
    ItemCounter a = new ItemCounter("a");
    ItemCounter b = new ItemCounter("b");
    b.addCoOccurrence("a", ONE, 200);
    CountBroadcasts broadcasts = new CountBroadcasts();
    a.addOccurrence(ONE);
    broadcasts.grew(a, new Instant(5));
    b.addOccurrence(ONE);
    broadcasts.grew(b, new Instant(2));

    assertThat(broadcasts.drain()).extracting(r -> r.getValue().getKey() + "<-" + r.getValue().getValue().neighbor())
        .containsExactly("a<-null", "b<-null", "a<-b");
  }
}
