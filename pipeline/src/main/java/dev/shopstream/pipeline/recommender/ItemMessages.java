package dev.shopstream.pipeline.recommender;

import dev.shopstream.model.SignalVector;
import java.io.Serializable;
import java.util.List;
import javax.annotation.Nullable;

/** The messages between the stages of {@link ItemToItemModel} (values only; keys are product ids). */
final class ItemMessages {
  private ItemMessages() {}

  /** Co-occurrence of the keyed item with {@code other}. */
  record Pair(String other, SignalVector increment) implements Serializable {}

  /**
   * To the keyed item's counter: its occurrence increment (zero when it was the earlier item of the pairs) and
   * the pairs it takes part in.
   */
  record ToItem(SignalVector occurrence, List<Pair> pairs) implements Serializable {
    ToItem {
      pairs = List.copyOf(pairs);
    }
  }

  /**
   * To the keyed item's neighbour list: {@code neighbor == null} reports the item's own count; otherwise
   * {@code count} is the neighbour's count and the co-count with {@code neighbor} grows by {@code increment}
   * (a zero increment only reports the count of an already tracked neighbour).
   */
  record ToNeighbors(@Nullable String neighbor, SignalVector increment, SignalVector count)
      implements Serializable {}
}
