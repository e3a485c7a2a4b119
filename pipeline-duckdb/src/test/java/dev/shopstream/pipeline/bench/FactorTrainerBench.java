package dev.shopstream.pipeline.bench;

import dev.shopstream.contract.EventType;
import dev.shopstream.contract.ItemFactorRow;
import dev.shopstream.contract.TableSchemas;
import dev.shopstream.model.FactorConfig;
import dev.shopstream.model.FactorModel;
import dev.shopstream.model.FactorModelCodec;
import dev.shopstream.model.Interaction;
import dev.shopstream.model.ModelConfig;
import dev.shopstream.model.UserHistory;
import dev.shopstream.pipeline.recommender.FactorExample;
import dev.shopstream.warehouse.duckdb.DuckDbWarehouse;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.beam.sdk.util.CoderUtils;

/**
 * A benchmark, not a test (docs/BENCHMARKS.md, "The factor model in the pipeline"): what the pipeline's single
 * learner ({@code FactorTrainer}) costs on one thread, without a runner. Over generated examples (users' histories
 * from {@link UserHistory}, products drawn with a skew, as {@code GeneratedTraffic} does), it times
 *
 * <ol>
 *   <li>{@code FactorModel.observe} per example (the learner's ceiling, examples/s on one core), with the default
 *       {@link FactorConfig} (5 replay steps) and without replay;
 *   <li>the example's coder, encode and decode (what crossing to the learner's worker costs);
 *   <li>the model state's coder ({@link FactorModelCodec}): bytes, and encode + decode time (a checkpoint's, or a
 *       Dataflow commit's, cost);
 *   <li>an emission into DuckDB: one {@code item_factors} row per item through {@link DuckDbWarehouse#insert} in
 *       writes of 500 rows (the sink's batch), the first into an empty table, then as upserts.
 * </ol>
 *
 * <pre>java -cp "$CP" dev.shopstream.pipeline.bench.FactorTrainerBench --examples=100000 --products=3665 --users=5000</pre>
 */
public final class FactorTrainerBench {
  private FactorTrainerBench() {}

  public static void main(String[] args) throws Exception {
    int n = 100_000;
    int products = 3_665;
    int users = 5_000;
    int rounds = 3;
    for (String arg : args) {
      String value = arg.substring(arg.indexOf('=') + 1);
      switch (arg.substring(2, arg.indexOf('='))) {
        case "examples" -> n = Integer.parseInt(value);
        case "products" -> products = Integer.parseInt(value);
        case "users" -> users = Integer.parseInt(value);
        case "rounds" -> rounds = Integer.parseInt(value);
        default -> throw new IllegalArgumentException("unknown argument " + arg);
      }
    }
    List<FactorExample> examples = examples(n, products, users);
    var cpu = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    System.out.printf("%,d examples, %,d products, %,d users; mean history %.1f items%n", examples.size(), products,
        users, examples.stream().mapToInt(e -> e.history().size()).average().orElse(0));
    FactorModel model = null;
    for (int round = 0; round < rounds; round++) {
      for (FactorConfig config : List.of(FactorConfig.defaults(), FactorConfig.defaults().withReplaySteps(0))) {
        FactorModel m = new FactorModel(config);
        long t0 = System.nanoTime();
        long c0 = cpu.getProcessCpuTime();
        for (FactorExample e : examples) {
          m.observe(e.history(), e.interaction());
        }
        double s = (System.nanoTime() - t0) / 1e9;
        double cpuUs = (cpu.getProcessCpuTime() - c0) / 1e3 / examples.size();
        System.out.printf("round %d, replay %d: %,.0f examples/s (%.1f us CPU each), %,d steps, %,d replayed%n",
            round + 1, config.replaySteps(), examples.size() / s, cpuUs, m.steps(), m.replayed());
        if (config.replaySteps() > 0) {
          model = m;
        }
      }
      long t0 = System.nanoTime();
      long bytes = 0;
      for (FactorExample e : examples) {
        byte[] b = CoderUtils.encodeToByteArray(FactorExample.Coder.INSTANCE, e);
        bytes += b.length;
        CoderUtils.decodeFromByteArray(FactorExample.Coder.INSTANCE, b);
      }
      double s = (System.nanoTime() - t0) / 1e9;
      System.out.printf("round %d, example coder: %,.0f examples/s encoded and decoded, %.0f bytes each%n",
          round + 1, examples.size() / s, bytes / (double) examples.size());
      t0 = System.nanoTime();
      ByteArrayOutputStream state = new ByteArrayOutputStream();
      FactorModelCodec.write(model, new DataOutputStream(state));
      double encode = (System.nanoTime() - t0) / 1e6;
      t0 = System.nanoTime();
      FactorModelCodec.read(new DataInputStream(new ByteArrayInputStream(state.toByteArray())));
      double decode = (System.nanoTime() - t0) / 1e6;
      System.out.printf("round %d, model state (%,d items): %,d bytes, encode %.1f ms, decode %.1f ms%n",
          round + 1, model.items(), state.size(), encode, decode);
    }
    emissions(model, rounds);
  }

  /** Every item's row into DuckDB, {@code rounds} times into one file (an empty table first, then upserts). */
  private static void emissions(FactorModel model, int rounds) throws Exception {
    Path dir = Files.createTempDirectory("factor-bench");
    try (DuckDbWarehouse warehouse = DuckDbWarehouse.open(dir.resolve("w.duckdb"))) {
      for (int round = 0; round < rounds; round++) {
        Instant now = Instant.now();
        List<Map<String, Object>> rows = new ArrayList<>();
        for (String id : model.ids()) {
          FactorModel.Vectors v = model.vectors(id);
          rows.add(new ItemFactorRow(id, v.context(), v.target(), v.bias(), "bench", model.steps() + round, now)
              .toRow());
        }
        long t0 = System.nanoTime();
        for (int from = 0; from < rows.size(); from += 500) {
          warehouse.insert(TableSchemas.itemFactors(), rows.subList(from, Math.min(rows.size(), from + 500)));
        }
        double s = (System.nanoTime() - t0) / 1e9;
        System.out.printf("emission %d: %,d item_factors rows in %.2f s, %,.0f rows/s (table: %,d rows)%n",
            round + 1, rows.size(), s, rows.size() / s, warehouse.count("item_factors"));
      }
    }
  }

  /** Examples as the user stage makes them: each interaction after the user's recent items before it. */
  static List<FactorExample> examples(int n, int products, int users) {
    Random random = new Random(42);
    ModelConfig config = ModelConfig.defaults();
    Map<String, UserHistory> histories = new HashMap<>();
    EventType[] types = {EventType.VIEW, EventType.VIEW, EventType.VIEW, EventType.ADD_TO_CART, EventType.PURCHASE};
    Instant base = Instant.parse("2026-11-22T10:00:00Z");
    List<FactorExample> out = new ArrayList<>(n);
    for (int e = 0; e < n; e++) {
      UserHistory h = histories.computeIfAbsent("u" + random.nextInt(users), k -> new UserHistory());
      double u = random.nextDouble();
      Interaction x = new Interaction("p-" + (int) (u * u * products), types[random.nextInt(types.length)],
          base.plusSeconds(e));
      out.add(new FactorExample(h.recent(), x));
      h.observe(x, config);
    }
    return out;
  }
}
