package dev.shopstream.model;

import dev.shopstream.contract.EventType;
import java.io.Serializable;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * One user's recent activity (mutable, serializable): at most {@code maxItemsPerUser} interactions, one per product
 * (its latest interaction), newest first, none older than {@code userHorizon} before the newest; and the products
 * the user bought, most recent first, at most {@link #maxPurchased} of them.
 *
 * <p>{@link #observe} turns an interaction into an {@link Observation}:
 * <ul>
 *   <li>search and remove_from_cart (weight 0) are ignored: no pairs, no occurrence, the history is unchanged;
 *   <li>a product already among the recent items with the same type only refreshes its time (a reload is not new
 *       evidence): empty observation;
 *   <li>otherwise the interacted item B occurs with {@code w(type B)} in {@code combined} and in its type's
 *       signal, and for each recent item A ≠ B with {@code |t(B) − t(A)| ≤ userHorizon} the pair grows by
 *       {@code f(type A, type B) × decay(t(B) − t(A))} in {@code combined}, and by the same amount in the type's
 *       signal when both types are equal; B then replaces A's entry of the same product, if any, at the front.
 *   <li>the directed transition {@code c_next(A → B)} grows by the same amount divided by A's distance d back from
 *       B (1 for the item just before B, counting the recent items not after B, B's own product left out), for
 *       {@code d ≤ nextSteps}; B occurs in {@code next} with {@code w(type B)} (when {@code nextSteps > 0}). An
 *       interaction that arrives after newer ones (late) is a transition from the older ones only.
 * </ul>
 */
public final class UserHistory implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Purchases kept at least, whatever {@code maxItemsPerUser} is: see {@link #maxPurchased}. */
  public static final int MIN_PURCHASED_KEPT = 100;

  private final List<Interaction> recent = new ArrayList<>();
  private final List<String> purchased = new ArrayList<>();

  /**
   * A history holding {@code recent} (newest first) and {@code purchased} (most recent first) as {@link #recent()}
   * and {@link #purchased()} returned them: for a state coder restoring what it wrote (the lists are copied).
   */
  public static UserHistory restore(List<Interaction> recent, List<String> purchased) {
    UserHistory history = new UserHistory();
    history.recent.addAll(recent);
    history.purchased.addAll(purchased);
    return history;
  }

  /** Most recent interactions, newest first (a copy). */
  public List<Interaction> recent() {
    return List.copyOf(recent);
  }

  /** Purchased products, most recent first (a copy). */
  public List<String> purchased() {
    return List.copyOf(purchased);
  }

  public boolean isEmpty() {
    return recent.isEmpty() && purchased.isEmpty();
  }

  /** Time of the newest interaction, null when there is none. */
  public Instant newest() {
    return recent.isEmpty() ? null : recent.get(0).time();
  }

  public Observation observe(Interaction x, ModelConfig config) {
    Signal own = Signal.forType(x.type());
    double w = config.weight(x.type());
    if (own == null || w <= 0) {
      return new Observation(x, SignalVector.ZERO, List.of());
    }
    Duration horizon = config.userHorizon();
    int existing = indexOf(x.productId());
    if (existing >= 0 && recent.get(existing).type() == x.type()) {
      Interaction old = recent.remove(existing);
      insert(x.time().isAfter(old.time()) ? x : old, config);
      notePurchase(x, config);
      return new Observation(x, SignalVector.ZERO, List.of());
    }
    List<CoIncrement> pairs = new ArrayList<>();
    int distance = 0; // steps back from x among the recent items not after it
    for (Interaction a : recent) {
      if (a.productId().equals(x.productId())) {
        continue;
      }
      boolean before = !a.time().isAfter(x.time());
      if (before) {
        distance++;
      }
      Duration delta = Duration.between(a.time(), x.time()).abs();
      if (delta.compareTo(horizon) > 0) {
        continue;
      }
      double weight = config.pairWeight(a.type(), x.type()) * config.decay(delta);
      if (weight <= 0) {
        continue;
      }
      SignalVector inc = SignalVector.ZERO.with(Signal.COMBINED, weight);
      if (a.type() == x.type()) {
        inc = inc.with(own, weight);
      }
      pairs.add(new CoIncrement(a.productId(), x.productId(), inc,
          before ? weight * config.nextStepWeight(distance) : 0));
    }
    if (existing >= 0) {
      recent.remove(existing);
    }
    insert(x, config);
    notePurchase(x, config);
    SignalVector occurrence = SignalVector.ZERO.with(Signal.COMBINED, w).with(own, w)
        .with(Signal.NEXT, config.nextSteps() > 0 ? w : 0);
    return new Observation(x, occurrence, pairs);
  }

  /** Forgets everything (the pipeline does this when the user was inactive for longer than the state TTL). */
  public void clear() {
    recent.clear();
    purchased.clear();
  }

  private int indexOf(String productId) {
    for (int i = 0; i < recent.size(); i++) {
      if (recent.get(i).productId().equals(productId)) {
        return i;
      }
    }
    return -1;
  }

  /** Inserts keeping newest-first order (ties: the later observed first), then applies horizon and size bounds. */
  private void insert(Interaction x, ModelConfig config) {
    int i = 0;
    while (i < recent.size() && recent.get(i).time().isAfter(x.time())) {
      i++;
    }
    recent.add(i, x);
    Instant cutoff = recent.get(0).time().minus(config.userHorizon());
    recent.removeIf(r -> r.time().isBefore(cutoff));
    while (recent.size() > config.maxItemsPerUser()) {
      recent.remove(recent.size() - 1);
    }
  }

  /**
   * The bound of the purchased list: {@value #MIN_PURCHASED_KEPT}, or {@code maxItemsPerUser} when larger. Serving
   * never offers these again, so the list does not shrink with the (tuned) bound of the recent items.
   */
  static int maxPurchased(ModelConfig config) {
    return Math.max(MIN_PURCHASED_KEPT, config.maxItemsPerUser());
  }

  private void notePurchase(Interaction x, ModelConfig config) {
    if (x.type() != EventType.PURCHASE) {
      return;
    }
    purchased.remove(x.productId());
    purchased.add(0, x.productId());
    while (purchased.size() > maxPurchased(config)) {
      purchased.remove(purchased.size() - 1);
    }
  }
}
