package dev.shopstream.model;

import dev.shopstream.contract.Event;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The whole item-to-item model in memory (not thread-safe): user histories, item occurrence counts and the
 * co-occurrence store, updated incrementally by {@link #observe}. Offline evaluation replays a log through it;
 * the Beam pipeline distributes the same pieces ({@link UserHistory}, {@link ItemNeighbors}) over keys.
 *
 * <p>Neighbour scores use exact counts here. Note the cap on candidates: an item's co-counts are kept only for its
 * {@code maxNeighborsPerItem} heaviest candidates, so c(a,b) seen from a may differ from c(b,a) once evictions
 * happen.
 */
public final class CoOccurrenceModel implements Recommender {
  private final ModelConfig config;
  private final Map<String, UserHistory> users = new HashMap<>();
  private final Map<String, ItemNeighbors> items = new HashMap<>();
  private final Duration userStateTtl;
  private SignalVector total = SignalVector.ZERO;

  /** A model whose user histories never expire (only {@code userHorizon} bounds them). */
  public CoOccurrenceModel(ModelConfig config) {
    this(config, null);
  }

  /**
   * A model that, like the pipeline, forgets a user's history after {@code userStateTtl} of inactivity: an
   * interaction more than the TTL after the user's newest one starts from an empty history. Null: never.
   */
  public CoOccurrenceModel(ModelConfig config, Duration userStateTtl) {
    this.config = Objects.requireNonNull(config, "config");
    this.userStateTtl = userStateTtl;
  }

  @Override
  public ModelConfig config() {
    return config;
  }

  /** Observes every product line of the event (in order) for the event's user. */
  public void observe(Event event) {
    for (Interaction i : Interaction.of(event)) {
      observe(event.userId(), i);
    }
  }

  public Observation observe(String userId, Interaction interaction) {
    UserHistory history = users.computeIfAbsent(userId, u -> new UserHistory());
    Instant newest = history.newest();
    if (userStateTtl != null && newest != null
        && Duration.between(newest, interaction.time()).compareTo(userStateTtl) > 0) {
      history.clear();
    }
    Observation o = history.observe(interaction, config);
    apply(o);
    return o;
  }

  /** Applies an observation computed elsewhere (e.g. replayed from a pipeline). */
  public void apply(Observation o) {
    if (!o.occurrence().isZero()) {
      item(o.interaction().productId()).addOccurrence(o.occurrence());
      total = total.plus(o.occurrence());
    }
    for (CoIncrement p : o.pairs()) {
      item(p.itemA()).addCoOccurrence(p.itemB(), p.incrementOfA(), null, config.maxNeighborsPerItem());
      item(p.itemB()).addCoOccurrence(p.itemA(), p.incrementOfB(), null, config.maxNeighborsPerItem());
    }
  }

  /** Forgets a user's history (as the pipeline does after the state TTL). */
  public void expireUser(String userId) {
    users.remove(userId);
  }

  public UserHistory user(String userId) {
    return users.getOrDefault(userId, new UserHistory());
  }

  /**
   * The user's recent items usable at {@code asOf}: none when the history expired (TTL), otherwise those within
   * {@code userHorizon} of {@code asOf}, newest first.
   */
  public List<Interaction> recentItems(String userId, Instant asOf) {
    UserHistory history = users.get(userId);
    Instant newest = history == null ? null : history.newest();
    if (newest == null
        || userStateTtl != null && Duration.between(newest, asOf).compareTo(userStateTtl) > 0) {
      return List.of();
    }
    return history.recent().stream()
        .filter(i -> Duration.between(i.time(), asOf).abs().compareTo(config.userHorizon()) <= 0)
        .toList();
  }

  /** The item's occurrence count n(item) for the signal. */
  public double count(String itemId, Signal signal) {
    ItemNeighbors n = items.get(itemId);
    return n == null ? 0 : n.count().get(signal);
  }

  /** The signal's total occurrence N (lift's denominator). */
  public double total(Signal signal) {
    return total.get(signal);
  }

  /** c(a,b) as tracked by a (0 when b is not among a's candidates). */
  public double coCount(String a, String b, Signal signal) {
    ItemNeighbors n = items.get(a);
    ItemNeighbors.Candidate c = n == null ? null : n.candidate(b);
    return c == null ? 0 : c.coCount().get(signal);
  }

  public double similarity(String a, String b, Signal signal) {
    return signal.scoredBy(config.similarity())
        .score(coCount(a, b, signal), count(a, signal), count(b, signal), total(signal));
  }

  /** Number of candidates tracked for the item. */
  public int candidates(String itemId) {
    ItemNeighbors n = items.get(itemId);
    return n == null ? 0 : n.size();
  }

  @Override
  public List<Neighbor> neighbors(String itemId, int k, Signal signal) {
    ItemNeighbors n = items.get(itemId);
    return n == null ? List.of()
        : n.top(k, signal, config.similarity(), id -> count(id, signal), total(signal));
  }

  private ItemNeighbors item(String itemId) {
    return items.computeIfAbsent(itemId, ItemNeighbors::new);
  }
}
