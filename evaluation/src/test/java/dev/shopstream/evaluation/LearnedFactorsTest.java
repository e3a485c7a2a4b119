package dev.shopstream.evaluation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shopstream.contract.EventType;
import dev.shopstream.model.FactorConfig;
import dev.shopstream.model.ModelConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The learned-factor row and blend term in the protocols, the tuner and the command. */
class LearnedFactorsTest {
  private static final Duration WEEK = Duration.ofDays(7);
  @TempDir Path dir;

  @Test
  void theFactorRowLearnsTheShopsGroupsOnLeaveLastOutAndBeatsPopularity() {
    List<UserInteraction> log = Logs.clusteredBaskets(600, 6, 3);
    LeaveLastOutProtocol b = new LeaveLastOutProtocol(100, 42, EventType.PURCHASE, 10);
    ModelConfig defaults = ModelConfig.defaults().toBuilder().factorWeight(0).build();

    Protocol.Report r = b.evaluate(log, List.of(Method.popularity(EventType.PURCHASE),
        Method.factors("factors", FactorConfig.defaults(), defaults),
        Method.factors("frozen", FactorConfig.defaults().withLearningRate(0), defaults),
        Method.model("defaults", defaults, WEEK),
        Method.model("defaults, φ = 0 given factors", defaults, WEEK, FactorConfig.defaults().withDimensions(8)),
        Method.model("blend", defaults.toBuilder().factorWeight(4).build(), WEEK)));

    double popularity = r.metrics().get("popularity").hitRate();
    assertThat(r.metrics().get("factors").hitRate()).isGreaterThan(popularity + 0.1);
    assertThat(r.metrics().get("frozen").hitRate()).as("no gradient step: nothing learned")
        .isLessThan(popularity);
    // φ = 0: the same model whatever the factor config (scored once, the same figures)
    assertThat(r.seconds().get("defaults, φ = 0 given factors")).isZero();
    assertThat(r.metrics().get("defaults, φ = 0 given factors")).isSameAs(r.metrics().get("defaults"));
    assertThat(r.metrics().get("blend").hitRate()).isGreaterThan(popularity);
  }

  @Test
  void theTunerTunesTheFactorWeight() {
    new Tuner(new TimeSplitProtocol(0.1, EventType.PURCHASE, 10), 1, WEEK, Set.of("factor_weight"));
    assertThat(Tuner.parameters(ModelConfig.defaults())).containsEntry("factor_weight", "4.0"); // the default φ
    assertThat(Tuner.changes(ModelConfig.defaults(), ModelConfig.defaults().toBuilder().factorWeight(2).build()))
        .containsExactly("factor_weight=2.0");
  }

  @Test
  void theCommandPrintsTheFactorRowsAndScoresTheValidationSplitWhenAsked() throws IOException {
    List<String> lines = new ArrayList<>();
    for (UserInteraction ui : Logs.clusteredBaskets(200, 4, 2)) {
      lines.add(ui.user() + "," + ui.item() + "," + ui.interaction().time() + ",purchase");
    }
    Path csv = dir.resolve("shop.csv");
    Files.write(csv, lines);

    String test = run("--input=" + csv, "--protocol=b", "--factor-weight=0.5,2", "--factor-dimensions=8",
        "--rows=popularity;learned factors;recommender (defaults + learned");
    assertThat(test).contains("| learned factors (online BPR) |",
        "| recommender (defaults + learned factors, φ = 0.5) |", "| recommender (defaults + learned factors, φ = 2.0) |")
        .doesNotContain("| item-kNN");
    String validation = run("--input=" + csv, "--protocol=b", "--validation", "--rows=popularity");
    assertThat(trials(validation)).isLessThan(trials(test));
    assertThat(run("--input=" + csv, "--factor-negatives=0")).contains("'--factor-negatives': '0'");
  }

  private static int trials(String output) {
    String line = output.lines().filter(l -> l.startsWith("protocol:")).findFirst().orElseThrow();
    return Integer.parseInt(line.replaceAll(".* ([0-9,]+) trials.*", "$1").replace(",", ""));
  }

  private static String run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    EvaluateCommand.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(out, true,
        StandardCharsets.UTF_8));
    return out.toString(StandardCharsets.UTF_8);
  }
}
