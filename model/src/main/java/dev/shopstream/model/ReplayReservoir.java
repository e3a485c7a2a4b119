package dev.shopstream.model;

import java.util.Arrays;
import java.util.Random;

/**
 * A sample of the BPR steps {@link FactorModel} has taken, from which it replays steps (RMFX: Diaz-Aviles et al.,
 * "Real-time top-n recommendation in social streams", RecSys 2012). Two samplings ({@link FactorConfig.Sampling}):
 *
 * <ul>
 *   <li>{@code UNIFORM}, RMFX's: reservoir sampling (Vitter, "Random sampling with a reservoir", ACM TOMS 1985,
 *       algorithm R): the first {@code capacity} steps fill it; the t-th step after that replaces a uniformly drawn
 *       slot with probability {@code capacity / t}, so every step so far is in it with the same probability;
 *   <li>{@code RECENT}: the exponentially biased reservoir of Aggarwal ("On biased reservoir sampling in the
 *       presence of stream evolution", VLDB 2006, algorithm 2.1, λ = 1 / capacity): every step enters; while the
 *       reservoir is a fraction F full, it replaces a uniformly drawn slot with probability F, else it is added. The
 *       step r is then in it at time t with probability about {@code exp(−(t − r) / capacity)}: the sample follows
 *       the stream as it evolves, and the capacity is its memory, in steps.
 * </ul>
 *
 * <p>A slot holds what a step needs: the positive item's index and the indices of the user's history at that
 * interaction (the context the step was taken with), at most {@value #MAX_CONTEXT} of them. Memory is bounded:
 * {@code capacity × (1 + min(|H|, MAX_CONTEXT))} ints plus one array header per slot; with the recommender's
 * histories (at most 20 items) about 100 bytes a slot, 10 MB for 100,000 slots.
 *
 * <p>Not thread-safe. Deterministic: its only randomness is its own seeded {@link Random}.
 */
final class ReplayReservoir {
  /** The most history indices a slot keeps (the first, in the history's order; the recommender keeps 20). */
  static final int MAX_CONTEXT = 64;

  // package-private: FactorModelCodec writes and restores them
  final int capacity;
  final boolean recent;
  final Random random;
  int[] positives = new int[0];
  int[][] contexts = new int[0][];
  int size;
  long offered;

  ReplayReservoir(int capacity, long seed) {
    this(capacity, FactorConfig.Sampling.UNIFORM, seed);
  }

  ReplayReservoir(int capacity, FactorConfig.Sampling sampling, long seed) {
    this(capacity, sampling, new Random(seed));
  }

  /** An empty reservoir drawing from {@code random} (a restored one: {@link FactorModelCodec}). */
  ReplayReservoir(int capacity, FactorConfig.Sampling sampling, Random random) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be >= 1, was " + capacity);
    }
    this.capacity = capacity;
    this.recent = sampling == FactorConfig.Sampling.RECENT;
    this.random = random;
  }

  /**
   * Offers one step. Uniform (algorithm R): kept while the reservoir fills, then in place of a random slot with
   * p = capacity / t. Recent (Aggarwal's): always kept, in place of a random slot with p = size / capacity.
   */
  void offer(int positive, int[] context) {
    offered++;
    int slot;
    if (recent) {
      slot = size > 0 && random.nextInt(capacity) < size ? random.nextInt(size) : grow();
    } else if (size < capacity) {
      slot = grow();
    } else {
      long j = random.nextLong(offered);
      if (j >= capacity) {
        return;
      }
      slot = (int) j;
    }
    positives[slot] = positive;
    contexts[slot] = context.length > MAX_CONTEXT ? Arrays.copyOf(context, MAX_CONTEXT) : context.clone();
  }

  /** A new slot at the end (the reservoir is not full). */
  private int grow() {
    if (size == positives.length) {
      int grown = (int) Math.min(capacity, Math.max(16L, positives.length * 2L));
      positives = Arrays.copyOf(positives, grown);
      contexts = Arrays.copyOf(contexts, grown);
    }
    return size++;
  }

  /** Steps held (at most the capacity). */
  int size() {
    return size;
  }

  /** Steps offered so far. */
  long offered() {
    return offered;
  }

  /** A uniformly drawn slot; the reservoir must not be empty. */
  int draw() {
    return random.nextInt(size);
  }

  int positive(int slot) {
    return positives[slot];
  }

  int[] context(int slot) {
    return contexts[slot];
  }
}
