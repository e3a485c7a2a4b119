package dev.shopstream.pipeline.recommender;

import dev.shopstream.contract.EventType;
import dev.shopstream.model.*;
import dev.shopstream.pipeline.recommender.ItemMessages.*;
import java.lang.management.ManagementFactory;
import java.util.*;
import org.apache.beam.sdk.coders.*;
import org.apache.beam.sdk.util.CoderUtils;
import org.apache.beam.sdk.values.*;
import org.joda.time.Instant;

/**
 * A benchmark, not a test (docs/BENCHMARKS.md, "Model state"): the item-to-item model's three steps without a runner, over generated interactions: per user (UserHistory, the
 * bundle's ToItems), per item counter (ItemCounter, CountBroadcasts, ToLists), per list (NeighborsFn.apply), in
 * bundles of 1,000 events, and every 5,000 events a "checkpoint" that clones every state value through the state
 * coder of the classes on the class path (ModelStateCoders; SerializableCoder with a second argument, or with the
 * classes of a tree before them: it finds them by name; the counters' ItemCounter is this tree's, so run each tree's own copy). Prints the process's CPU time per
 * event for each of 4 repetitions and a hash of every list's top 20 per signal (the same for the same results).
 *
 * <pre>java -cp "$CP" dev.shopstream.pipeline.recommender.ModelStepsBench 30000 [java]</pre>
 */
public final class ModelStepsBench {
  private ModelStepsBench() {}

  @SuppressWarnings("unchecked")
  public static void main(String[] args) throws Exception {
    int events = Integer.parseInt(args[0]);
    Coder<Object> itemCoder; Coder<Object> userCoder; boolean compact;
    try {
      if (args.length > 1) throw new ClassNotFoundException("forced");
      itemCoder = (Coder<Object>) Class.forName("dev.shopstream.pipeline.recommender.ModelStateCoders$ItemNeighborsCoder").getDeclaredField("INSTANCE").get(null);
      userCoder = (Coder<Object>) Class.forName("dev.shopstream.pipeline.recommender.ModelStateCoders$UserStateCoder").getDeclaredField("INSTANCE").get(null);
      compact = true;
    } catch (ClassNotFoundException e) {
      itemCoder = (Coder<Object>) (Coder<?>) SerializableCoder.of(ItemNeighbors.class);
      userCoder = (Coder<Object>) (Coder<?>) SerializableCoder.of(UserHistory.class);
      compact = false;
    }
    var cpu = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    for (int rep = 0; rep < Integer.getInteger("reps", 4); rep++) {
      Random random = new Random(42);
      ModelConfig config = ModelConfig.defaults();
      Map<String, UserHistory> users = new HashMap<>();
      Map<String, ItemCounter> counters = new HashMap<>();
      Map<String, ItemNeighbors> lists = new HashMap<>();
      EventType[] types = {EventType.VIEW, EventType.VIEW, EventType.VIEW, EventType.ADD_TO_CART, EventType.PURCHASE};
      long t0 = System.nanoTime(), c0 = cpu.getProcessCpuTime();
      long rows = 0;
      BundleMerge.ToItems toItems = new BundleMerge.ToItems();
      java.time.Instant base = java.time.Instant.parse("2026-11-22T10:00:00Z");
      for (int e = 0; e < events; e++) {
        String user = "u" + random.nextInt(1000);
        double u = random.nextDouble();
        String product = "p-" + (int) (u * u * 300);
        Interaction x = new Interaction(product, types[random.nextInt(types.length)], base.plusMillis(e));
        Instant ts = new Instant(base.toEpochMilli() + e);
        UserHistory h = users.computeIfAbsent(user, k -> new UserHistory());
        Observation o = h.observe(x, config);
        Map<String, List<Pair>> pairs = new LinkedHashMap<>();
        for (CoIncrement p : o.pairs()) {
          pairs.computeIfAbsent(p.itemA(), k -> new ArrayList<>()).add(new Pair(p.itemB(), p.incrementOfB()));
          pairs.computeIfAbsent(p.itemB(), k -> new ArrayList<>()).add(new Pair(p.itemA(), p.incrementOfA()));
        }
        Set<String> items = new LinkedHashSet<>();
        if (!o.occurrence().isZero()) items.add(product);
        items.addAll(pairs.keySet());
        for (String item : items) {
          toItems.add(item, item.equals(product) ? o.occurrence() : SignalVector.ZERO, pairs.getOrDefault(item, List.of()), ts);
        }
        if ((e + 1) % 1000 == 0) {
          CountBroadcasts broadcasts = new CountBroadcasts();
          BundleMerge.ToLists toLists = new BundleMerge.ToLists();
          var drainedItems = toItems.drain();
          for (var m : drainedItems) {
            String item = m.getValue().getKey();
            ToItem msg = m.getValue().getValue();
            ItemCounter state = counters.computeIfAbsent(item, ItemCounter::new);
            if (!msg.occurrence().isZero()) { state.addOccurrence(msg.occurrence()); broadcasts.grew(state, m.getTimestamp()); }
            for (Pair p : msg.pairs()) {
              state.addCoOccurrence(p.other(), p.increment(), config.maxNeighborsPerItem());
              toLists.add(p.other(), new ToNeighbors(item, p.increment(), state.count()), m.getTimestamp());
            }
          }
          for (var r : broadcasts.drain()) toLists.add(r.getValue().getKey(), r.getValue().getValue(), r.getTimestamp());
          var drainedLists = toLists.drain();
          for (var m : drainedLists) {
            ItemNeighbors list = lists.computeIfAbsent(m.getValue().getKey(), ItemNeighbors::new);
            for (ToNeighbors n : m.getValue().getValue()) ItemToItemModel.NeighborsFn.apply(list, n, config.maxNeighborsPerItem());
          }
        }
        if ((e + 1) % 5000 == 0) { // a checkpoint: every state value through its coder (a copy-on-write clones the same way)
          for (var entry : counters.entrySet()) entry.setValue(CoderUtils.clone(ModelStateCoders.ItemCounterCoder.INSTANCE, entry.getValue()));
          for (var entry : lists.entrySet()) entry.setValue((ItemNeighbors) CoderUtils.clone(itemCoder, entry.getValue()));
          for (var entry : users.entrySet()) {
            Object v = compact ? newUserState(entry.getValue()) : entry.getValue();
            Object back = CoderUtils.clone(userCoder, v);
            entry.setValue(compact ? userHistoryOf(back) : (UserHistory) back);
          }
        }
      }
      long wall = System.nanoTime() - t0, c = cpu.getProcessCpuTime() - c0;
      long hash = 0;
      for (var key : new TreeSet<>(lists.keySet())) {
        for (Signal signal : Signal.values()) {
          var top = lists.get(key).top(20, signal, Similarity.COSINE, 0);
          rows += top.size();
          for (Neighbor n : top) {
            hash = hash * 31 + (key + "|" + n.productId() + "|" + n.signal().name() + "|" + n.rank()).hashCode();
            hash = hash * 31 + Double.hashCode(n.score()) + 7 * Double.hashCode(n.coCount());
          }
        }
      }
      System.out.printf("%s rep %d: %d events, %.1f µs CPU per event, %.1f µs wall per event (check: %d top rows, hash %x)%n",
          compact ? "after " : "before", rep, events, c / 1e3 / events, wall / 1e3 / events, rows, hash);
    }
  }

  static Object newUserState(UserHistory h) throws Exception {
    var k = Class.forName("dev.shopstream.pipeline.recommender.UserState");
    var ctor = k.getDeclaredConstructor(UserHistory.class, long.class, long.class);
    ctor.setAccessible(true);
    return ctor.newInstance(h, 0L, 0L);
  }

  static UserHistory userHistoryOf(Object state) throws Exception {
    var m = state.getClass().getDeclaredMethod("history");
    m.setAccessible(true);
    return (UserHistory) m.invoke(state);
  }
}
