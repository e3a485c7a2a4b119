package dev.shopstream.model;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * An item-based factor model learned online (FISM / asymmetric-SVD / item2vec family), with no per-user
 * parameters: every item has a context embedding {@code p_j}, a target embedding {@code q_i} and a bias
 * {@code b_i}. A user is the mean of the context embeddings of the distinct products of their recent history
 * ({@link UserHistory#recent()}), {@code u = (1 / |H|) Σ_{j ∈ H} p_j}, and an item scores
 * {@code s(i) = b_i + u · q_i}. The bias learns popularity; {@code u · q_i} learns what goes with the history.
 *
 * <p>{@link #observe} is one SGD step of BPR (Rendle et al. 2009) per interaction, in time order, as the stream
 * delivers them: the interacted item {@code i} is the positive, and {@link FactorConfig#negatives()} items sampled
 * uniformly among the items seen so far (not {@code i}, not in the history) the negatives; for each,
 * {@code x = s(i) − s(n)} and every parameter moves by {@code lr × (σ(−x) × ∂x/∂θ − reg × θ)}. An item the history
 * already holds (a repeat) is not a step: the model is for what is new to the user. One pass, no epochs.
 *
 * <p>Replay (RMFX: Diaz-Aviles, Drumond, Schmidt-Thieme and Nejdl, "Real-time top-n recommendation in social
 * streams", RecSys 2012): each step taken is offered to a {@link ReplayReservoir} of
 * {@link FactorConfig#reservoirSize()} past steps (reservoir sampling, Vitter's algorithm R), each kept with the
 * history its user had at that interaction; after every interaction, {@link FactorConfig#replaySteps()} steps drawn
 * uniformly from the reservoir are taken again, with fresh negatives. One pass over the stream then learns from each
 * interaction about {@code 1 + replaySteps} times on average, at that multiple of the training time, in bounded
 * memory (the reservoir's). With {@code replaySteps = 0} there is no reservoir and the model is the plain one-pass
 * model, bit for bit.
 *
 * <p>Explanation: a score's personal part is the sum over history items {@code j} of {@code p_j · q_i / |H|}, so
 * {@link Scores#because} names the history item with the largest term ("because you bought X").
 *
 * <p>Not thread-safe. Deterministic: the same {@link FactorConfig#seed()} and interactions in the same order give
 * the same parameters bit for bit, with or without replay.
 */
public final class FactorModel {
  // package-private: FactorModelCodec writes and restores them
  final FactorConfig config;
  final Random random;
  final Map<String, Integer> index = new HashMap<>();
  final List<String> ids = new ArrayList<>();
  final List<double[]> context = new ArrayList<>();
  final List<double[]> target = new ArrayList<>();
  final ReplayReservoir reservoir;
  /** Items whose parameters changed since the last {@link #takeChanged()}, by index. */
  final BitSet changed = new BitSet();
  double[] bias = new double[256];
  long steps;
  long replayed;

  public FactorModel(FactorConfig config) {
    this(config, new Random(config.seed()), config.replaySteps() > 0
        ? new ReplayReservoir(config.reservoirSize(), config.sampling(), config.seed() * 0x9E3779B97F4A7C15L + 1)
        : null);
  }

  /** A model with these generators (a restored one: {@link FactorModelCodec}); no items yet. */
  FactorModel(FactorConfig config, Random random, ReplayReservoir reservoir) {
    this.config = config;
    this.random = random;
    this.reservoir = reservoir;
  }

  /**
   * The items whose parameters changed since the last call (or since the model began), in the order the model met
   * them, and forgets them: what the pipeline writes to {@code item_factors} at each emission.
   */
  public List<String> takeChanged() {
    List<String> out = new ArrayList<>(changed.cardinality());
    for (int i = changed.nextSetBit(0); i >= 0; i = changed.nextSetBit(i + 1)) {
      out.add(ids.get(i));
    }
    changed.clear();
    return out;
  }

  public FactorConfig config() {
    return config;
  }

  /** Items seen so far. */
  public int items() {
    return ids.size();
  }

  /**
   * One item's parameters: its context embedding {@code p}, target embedding {@code q} and bias {@code b}. What the
   * pipeline writes to {@code item_factors} and serving reads back ({@link #of}); the arrays are copies.
   */
  public record Vectors(String productId, double[] context, double[] target, double bias) {}

  /** The items the model knows, in the order it met them. */
  public List<String> ids() {
    return java.util.Collections.unmodifiableList(ids);
  }

  /** A copy of one item's parameters; null for an item the model does not know. */
  public Vectors vectors(String productId) {
    Integer i = index.get(productId);
    return i == null ? null
        : new Vectors(productId, context.get(i).clone(), target.get(i).clone(), bias[i]);
  }

  /**
   * A model holding exactly {@code items}' parameters, to score what a trained model wrote (serving reads
   * {@code item_factors}). Its dimensions are the items': each has them in both embeddings and appears once (else
   * this fails, naming the item). The other settings are {@code config}'s (they matter only for further training).
   */
  public static FactorModel of(FactorConfig config, Collection<Vectors> items) {
    int d = items.isEmpty() ? config.dimensions() : items.iterator().next().context().length;
    FactorModel model = new FactorModel(config.withDimensions(d));
    for (Vectors v : items) {
      if (v.context().length != d || v.target().length != d) {
        throw new IllegalArgumentException(v.productId() + ": embeddings of " + v.context().length + " and "
            + v.target().length + " values, the model's others have " + d);
      }
      if (model.index.containsKey(v.productId())) {
        throw new IllegalArgumentException(v.productId() + ": given twice");
      }
      int n = model.add(v.productId(), v.context().clone(), v.target().clone()); // add may grow bias: not inline
      model.bias[n] = v.bias();
    }
    return model;
  }

  /** BPR steps taken so far (interactions that were not repeats and had a negative to compare with). */
  public long steps() {
    return steps;
  }

  /** Replayed BPR steps taken so far (steps drawn from the reservoir, {@link FactorConfig#replaySteps()}). */
  public long replayed() {
    return replayed;
  }

  /**
   * One online step for interaction {@code x} after {@code history} (the user's recent items before x, any order):
   * x's item is learned as preferred, by this user's history, to uniformly sampled items. Returns the step's mean
   * BPR loss {@code −ln σ(x)} over its negatives, or NaN when there was no step (x's product is in the history, or
   * no other item is known yet). Then replays {@link FactorConfig#replaySteps()} past steps from the reservoir.
   */
  public double observe(Collection<Interaction> history, Interaction x) {
    int positive = indexOf(x.productId(), true);
    int[] ctx = context(history);
    double loss = Double.NaN;
    if (!contains(ctx, positive)) { // a repeat is no step: nothing new about what goes with the history
      loss = step(positive, ctx);
      if (!Double.isNaN(loss)) {
        steps++;
        if (reservoir != null) {
          reservoir.offer(positive, ctx);
        }
      }
    }
    replay();
    return loss;
  }

  /**
   * RMFX's replay (Diaz-Aviles et al. 2012): {@link FactorConfig#replaySteps()} BPR steps on past steps drawn
   * uniformly from the reservoir, each with the history its user had then and freshly sampled negatives.
   */
  private void replay() {
    if (reservoir == null || reservoir.size() == 0) {
      return;
    }
    for (int r = 0; r < config.replaySteps(); r++) {
      int slot = reservoir.draw();
      if (!Double.isNaN(step(reservoir.positive(slot), reservoir.context(slot)))) {
        replayed++;
      }
    }
  }

  /** One BPR step of {@code positive} after the context {@code ctx}; its mean loss, or NaN without a negative. */
  private double step(int positive, int[] ctx) {
    int d = config.dimensions();
    double[] u = mean(ctx);
    double[] gradU = new double[d];
    double lr = config.learningRate();
    double reg = config.regularization();
    double loss = 0;
    int compared = 0;
    for (int s = 0; s < config.negatives(); s++) {
      int negative = sampleNegative(positive, ctx);
      if (negative < 0) {
        continue;
      }
      double[] qi = target.get(positive);
      double[] qn = target.get(negative);
      double margin = bias[positive] - bias[negative] + dot(u, qi) - dot(u, qn);
      double g = sigmoid(-margin);
      loss += softplus(-margin);
      compared++;
      for (int f = 0; f < d; f++) {
        double diff = qi[f] - qn[f];
        gradU[f] += g * diff;
        qi[f] += lr * (g * u[f] - reg * qi[f]);
        qn[f] += lr * (-g * u[f] - reg * qn[f]);
      }
      bias[positive] += lr * (g - reg * bias[positive]);
      bias[negative] += lr * (-g - reg * bias[negative]);
      changed.set(negative);
    }
    if (compared == 0) {
      return Double.NaN;
    }
    changed.set(positive);
    for (int j : ctx) {
      changed.set(j);
      double[] pj = context.get(j);
      for (int f = 0; f < d; f++) {
        pj[f] += lr * (gradU[f] / ctx.length - reg * pj[f]);
      }
    }
    return loss / compared;
  }

  private static boolean contains(int[] ctx, int item) {
    for (int j : ctx) {
      if (j == item) {
        return true;
      }
    }
    return false;
  }

  /** The scores of every known item for a user with {@code history} (the user's recent items, any order). */
  public Scores scores(Collection<Interaction> history) {
    return scores(history, null);
  }

  /**
   * {@link #scores(Collection)} carrying {@code priors} (this model's, {@link #priors}), which the blend of
   * {@link ExplainedRecommendations} then reads by item instead of looking each item up in the lists.
   */
  public Scores scores(Collection<Interaction> history, Priors priors) {
    if (priors != null && priors.trend().length != ids.size()) {
      throw new IllegalArgumentException("priors of a model of " + priors.trend().length + " items, this one has "
          + ids.size());
    }
    int[] ctx = context(history);
    double[] u = mean(ctx);
    double[] raw = new double[ids.size()];
    double max = Double.NEGATIVE_INFINITY;
    int i = 0;
    for (; i + 4 <= raw.length; i += 4) { // four items at once: four independent sums, each in dot's order
      double[] q0 = target.get(i);
      double[] q1 = target.get(i + 1);
      double[] q2 = target.get(i + 2);
      double[] q3 = target.get(i + 3);
      double s0 = 0;
      double s1 = 0;
      double s2 = 0;
      double s3 = 0;
      for (int f = 0; f < u.length; f++) {
        s0 += u[f] * q0[f];
        s1 += u[f] * q1[f];
        s2 += u[f] * q2[f];
        s3 += u[f] * q3[f];
      }
      raw[i] = bias[i] + s0;
      raw[i + 1] = bias[i + 1] + s1;
      raw[i + 2] = bias[i + 2] + s2;
      raw[i + 3] = bias[i + 3] + s3;
      max = Math.max(Math.max(max, Math.max(raw[i], raw[i + 1])), Math.max(raw[i + 2], raw[i + 3]));
    }
    for (; i < raw.length; i++) {
      raw[i] = bias[i] + dot(u, target.get(i));
      max = Math.max(max, raw[i]);
    }
    return new Scores(ctx, raw, max, priors);
  }

  /**
   * The trending and popularity scores of every item this model knows, in its order ({@link Scores#id}), for
   * {@code trending} and {@code popular}: computed once where the lists and the model change (serving's snapshot),
   * so that a user's blend over every item reads arrays instead of two lookups per item.
   */
  public Priors priors(Trending trending, Trending popular) {
    double[] trend = new double[ids.size()];
    double[] pop = new double[ids.size()];
    for (int i = 0; i < trend.length; i++) {
      trend[i] = trending.score(ids.get(i));
      pop[i] = popular.score(ids.get(i));
    }
    return new Priors(trending, trend, popular, pop);
  }

  /** {@code trending.score} and {@code popular.score} of each item of a model, in its order ({@link #priors}). */
  public record Priors(Trending trendingList, double[] trend, Trending popularList, double[] popular) {}

  /**
   * The factor model alone: the {@code k} best items for {@code history}, none in {@code exclude}, by
   * {@code σ(s(i))} (positive, in the order of {@code s}), ties by id.
   */
  public List<Recommendation> recommend(Collection<Interaction> history, int k, Set<String> exclude) {
    Scores s = scores(history);
    List<Recommendation> all = new ArrayList<>(s.raw.length);
    for (int i = 0; i < s.raw.length; i++) {
      if (!exclude.contains(ids.get(i))) {
        all.add(new Recommendation(ids.get(i), sigmoid(s.raw[i])));
      }
    }
    return TopK.first(all, k, Comparator.comparingDouble(Recommendation::score).reversed()
        .thenComparing(Recommendation::productId));
  }

  /** One user's scores: {@code s(i)}, its share relative to the best item, and which history item led it. */
  public final class Scores {
    private final int[] ctx;
    private final double[] raw;
    private final double max;
    private final Priors priors;

    private Scores(int[] ctx, double[] raw, double max, Priors priors) {
      this.ctx = ctx;
      this.raw = raw;
      this.max = max;
      this.priors = priors;
    }

    /** {@code s(i)} of the i-th item. */
    double raw(int i) {
      return raw[i];
    }

    /** The best {@code s(i)}. */
    double max() {
      return max;
    }

    /** The priors these scores carry ({@link #scores(Collection, Priors)}); null when none. */
    Priors priors() {
      return priors;
    }

    /** Whether the user's history holds an item the model knows (else the scores are the biases alone). */
    public boolean hasHistory() {
      return ctx.length > 0;
    }

    /** The items scored (every item the model knows), in the order of {@link #id(int)}. */
    public int size() {
      return raw.length;
    }

    public String id(int i) {
      return ids.get(i);
    }

    /** {@code s(i)}, the model's raw score; NaN for an item the model does not know. */
    public double score(String id) {
      Integer i = index.get(id);
      return i == null || i >= raw.length ? Double.NaN : raw[i];
    }

    /**
     * {@code exp(s(i) − max s)} in (0, 1]: the item's softmax probability relative to the best item's (1 for the
     * best, heavy-tailed below, as {@code pop(c) / max pop} is); 0 for an item the model does not know.
     */
    public double relative(int i) {
      return Math.exp(raw[i] - max);
    }

    public double relative(String id) {
      Integer i = index.get(id);
      return i == null || i >= raw.length ? 0 : relative(i);
    }

    /**
     * The history item whose term {@code p_j · q_i} adds most to {@code id}'s score ("because you bought X"): the
     * first of equal terms in the history's order; null without a history or for an unknown item.
     */
    public String because(String id) {
      Integer i = index.get(id);
      if (i == null || ctx.length == 0) {
        return null;
      }
      double[] qi = target.get(i);
      int best = -1;
      double bestTerm = Double.NEGATIVE_INFINITY;
      for (int j : ctx) {
        double term = dot(context.get(j), qi);
        if (term > bestTerm) {
          bestTerm = term;
          best = j;
        }
      }
      return ids.get(best);
    }
  }

  /** The known distinct products of the history, in its order. */
  private int[] context(Collection<Interaction> history) {
    Set<Integer> seen = new LinkedHashSet<>();
    for (Interaction h : history) {
      Integer j = index.get(h.productId());
      if (j != null) {
        seen.add(j);
      }
    }
    int[] out = new int[seen.size()];
    int n = 0;
    for (int j : seen) {
      out[n++] = j;
    }
    return out;
  }

  private double[] mean(int[] ctx) {
    double[] u = new double[config.dimensions()];
    for (int j : ctx) {
      double[] pj = context.get(j);
      for (int f = 0; f < u.length; f++) {
        u[f] += pj[f];
      }
    }
    if (ctx.length > 0) {
      for (int f = 0; f < u.length; f++) {
        u[f] /= ctx.length;
      }
    }
    return u;
  }

  /** A uniformly sampled known item, not {@code positive} and not in the context; -1 after 20 failed draws. */
  private int sampleNegative(int positive, int[] ctx) {
    if (ids.size() < 2) {
      return -1;
    }
    draw:
    for (int attempt = 0; attempt < 20; attempt++) {
      int n = random.nextInt(ids.size());
      if (n == positive) {
        continue;
      }
      for (int j : ctx) {
        if (j == n) {
          continue draw;
        }
      }
      return n;
    }
    return -1;
  }

  private int indexOf(String id, boolean add) {
    Integer i = index.get(id);
    if (i != null || !add) {
      return i == null ? -1 : i;
    }
    return add(id, gaussian(), gaussian()); // p first, then q: the seed's order
  }

  /** Adds a new item with these embeddings (a bias of 0), marked changed; its index. */
  int add(String id, double[] p, double[] q) {
    int n = ids.size();
    index.put(id, n);
    ids.add(id);
    context.add(p);
    target.add(q);
    changed.set(n);
    if (n >= bias.length) {
      bias = java.util.Arrays.copyOf(bias, bias.length * 2);
    }
    return n;
  }

  private double[] gaussian() {
    double[] v = new double[config.dimensions()];
    for (int f = 0; f < v.length; f++) {
      v[f] = random.nextGaussian() * config.initialScale();
    }
    return v;
  }

  private static double dot(double[] a, double[] b) {
    double s = 0;
    for (int f = 0; f < a.length; f++) {
      s += a[f] * b[f];
    }
    return s;
  }

  static double sigmoid(double x) {
    return 1 / (1 + Math.exp(-x));
  }

  /** {@code ln(1 + e^x)}, stable for large x. */
  private static double softplus(double x) {
    return x > 30 ? x : Math.log1p(Math.exp(x));
  }
}
