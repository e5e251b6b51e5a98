package io.gearbox.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.gearbox.testing.Leaks;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code gearbox matrix} end to end at {@code --quick} sizes, and its verdicts on made-up numbers.
 * Never which tool wins on this machine: only structure, and that the numbers agree with each other.
 */
@ExtendWith(Leaks.class)
class MatrixCommandTest {

  @TempDir Path dir;

  private static final List<String> ROWS =
      List.of("cpu-heavy", "many-io", "simple-script", "high-scale", "shared-state");

  @Test
  void quickRunWritesOneRowPerMatrixRowWithAWinnerFromItsResults() throws Exception {
    Path json = dir.resolve("matrix.json");
    BenchCommandTest.Result r = BenchCommandTest.run("matrix", "--quick", "--json", json.toString());
    assertThat(r.code()).as(r.err()).isZero();

    JsonNode doc = BenchCommandTest.read(json);
    assertThat(doc.path("schema").asString()).isEqualTo("gearbox-matrix/2");
    assertThat(doc.path("params").path("quick").asBoolean()).isTrue();
    assertThat(doc.path("params").path("cpu_scale").asDouble()).isPositive();
    assertThat(doc.path("machine").path("cores").asInt()).isPositive();
    List<String> ids = new ArrayList<>();
    doc.path("rows").forEach(row -> ids.add(row.path("row").asString()));
    assertThat(ids).containsExactlyElementsOf(ROWS);

    for (JsonNode row : doc.path("rows")) {
      String id = row.path("row").asString();
      Set<String> ran = new HashSet<>();
      double fastest = Double.MAX_VALUE;
      for (JsonNode result : row.path("results")) {
        String tool = result.path("strategy").asString();
        assertThat(tool).as(id).isIn(MatrixPlan.TOOLS);
        assertThat(ran.add(tool)).as(id + " runs " + tool + " once").isTrue();
        assertThat(result.path("error").isNull()).as(result.toString()).isTrue();
        assertThat(result.path("tasks").asInt()).as(id).isPositive();
        assertThat(result.path("ok").asInt()).as(id).isEqualTo(result.path("tasks").asInt());
        JsonNode wall = result.path("wall_s");
        assertThat(wall.path("min").asDouble()).as(id).isPositive()
            .isLessThanOrEqualTo(wall.path("median").asDouble());
        assertThat(wall.path("max").asDouble()).as(id).isGreaterThanOrEqualTo(wall.path("median").asDouble());
        fastest = Math.min(fastest, wall.path("median").asDouble());
      }
      assertThat(ran).as(id).hasSizeGreaterThanOrEqualTo(2);

      // every tool is either measured or left out with a reason, never both
      Set<String> leftOut = new HashSet<>();
      for (JsonNode m : row.path("left_out")) {
        assertThat(m.path("reason").asString()).as(id).isNotBlank();
        leftOut.add(m.path("strategy").asString());
      }
      assertThat(leftOut).as(id).doesNotContainAnyElementsOf(ran);
      Set<String> all = new HashSet<>(ran);
      all.addAll(leftOut);
      assertThat(all).as(id).containsExactlyInAnyOrderElementsOf(MatrixPlan.TOOLS);

      // the fastest has the lowest median, the runner-up is another one, and the speedups are
      // the ratios of their medians; the winner is the fastest unless the runs cannot separate
      // it from the runner-up (then there is none), and each tool ran at least the row's runs
      String top = row.path("fastest").asString();
      String runnerUp = row.path("runner_up").asString();
      assertThat(top).as(id).isIn(ran);
      assertThat(runnerUp).as(id).isIn(ran).isNotEqualTo(top);
      assertThat(median(row, top)).as(id).isEqualTo(fastest);
      double vsRunnerUp = row.path("speedup_vs_runner_up").asDouble();
      assertThat(vsRunnerUp).as(id).isGreaterThanOrEqualTo(1.0)
          .isCloseTo(median(row, runnerUp) / fastest, org.assertj.core.data.Offset.offset(0.01));
      String separation = row.path("separation").asString();
      assertThat(separation).as(id).isIn("separated", "tie", "uncertain");
      assertThat(row.path("tie").asBoolean()).as(id).isEqualTo(separation.equals("tie"));
      JsonNode ci = row.path("runner_up_ratio_ci");
      assertThat(ci.path(0).asDouble()).as(id).isLessThanOrEqualTo(ci.path(1).asDouble());
      List<String> leaders = new ArrayList<>();
      row.path("leaders").forEach(t -> leaders.add(t.asString()));
      assertThat(leaders).as(id).startsWith(top).isSubsetOf(ran);
      if (separation.equals("uncertain")) {
        assertThat(leaders).as(id).hasSizeGreaterThanOrEqualTo(2);
        assertThat(row.path("winner").isNull()).as(id).isTrue();
      } else {
        assertThat(row.path("winner").asString()).as(id).isEqualTo(top);
      }
      String winner = top;
      for (JsonNode result : row.path("results")) {
        assertThat(result.path("runs_s").size()).as(id).isBetween(row.path("runs").asInt(),
            doc.path("params").path("max_runs").asInt());
      }
      JsonNode during = row.path("machine_during");
      assertThat(during.path("busy").isBoolean()).as(id).isTrue();
      assertThat(during.path("seconds").asDouble()).as(id).isPositive();
      if (ran.contains("sequential")) {
        assertThat(row.path("speedup_vs_sequential").asDouble()).as(id)
            .isCloseTo(median(row, "sequential") / fastest, org.assertj.core.data.Offset.offset(0.01));
      } else {
        assertThat(row.path("speedup_vs_sequential").isNull()).as(id).isTrue();
      }
      assertThat(row.path("jvm_says")).isEqualTo(row.path("winner"));
      assertThat(row.path("best_fixed").asString()).as(id).isIn(ran).isNotEqualTo("auto");
      assertThat(winner.equals("auto") || winner.equals(row.path("best_fixed").asString()))
          .as(id).isTrue();
      assertThat(row.path("seed_says").asString()).as(id).isNotBlank();
      assertThat(row.path("why").asString()).as(id).isNotBlank();
      assertThat(row.path("agrees").isBoolean()).as(id).isTrue();
      assertThat(row.path("agreement").asString()).as(id).isIn("agrees", "differs", "uncertain");
      assertThat(row.path("seed_strategies").isArray()).as(id).isTrue();
    }

    // the high-scale row at --quick: sequential, cpu (and processes: one task per worker at a
    // time) cannot finish in budget and are left out
    JsonNode highScale = doc.path("rows").get(3);
    List<String> skipped = new ArrayList<>();
    highScale.path("left_out").forEach(m -> {
      if (m.has("lower_bound_s")) {
        skipped.add(m.path("strategy").asString());
        assertThat(m.path("lower_bound_s").asDouble()).isGreaterThan(3.0);
      }
    });
    List<String> expectedSkips = new ArrayList<>(List.of("sequential", "cpu"));
    if (MatrixPlan.poolsInThisBuild().contains("processes")) {
      expectedSkips.add("processes");
    }
    assertThat(skipped).containsExactlyInAnyOrderElementsOf(expectedSkips);

    JsonNode memory = doc.path("memory");
    assertThat(memory.path("tasks").asInt()).isEqualTo(MatrixPlan.QUICK.memoryTasks());
    assertThat(memory.path("platform_thread_bytes").asDouble()).isPositive();
    assertThat(memory.path("virtual_thread_bytes").asDouble()).isPositive();

    assertThat(r.out()).contains("the seed says: multiprocessing", "the JVM says:",
        "Memory per concurrent task", "The matrix, measured here", "JSON written to");
    for (String title : List.of("CPU-heavy", "Many I/O operations", "Simple script",
        "High-scale server", "Shared state between tasks")) {
      assertThat(r.out()).contains(title);
    }
    assertThat(r.out()).doesNotContain("\u001b[").doesNotContain("Exception");
    assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().startsWith("bench-server"));
  }

  private static double median(JsonNode row, String tool) {
    for (JsonNode result : row.path("results")) {
      if (result.path("strategy").asString().equals(tool)) {
        return result.path("wall_s").path("median").asDouble();
      }
    }
    throw new AssertionError(tool + " not in " + row);
  }

  @Test
  void badFlagsPrintUsageAndExit2() {
    for (String[] args : List.of(
        new String[] {"matrix", "--bogus"},
        new String[] {"matrix", "--json"},
        new String[] {"matrix", "extra"})) {
      BenchCommandTest.Result r = BenchCommandTest.run(args);
      assertThat(r.code()).as(String.join(" ", args)).isEqualTo(2);
      assertThat(r.err()).as(String.join(" ", args)).contains("Usage: gearbox matrix");
      assertThat(r.out()).as(String.join(" ", args)).isEmpty();
    }
  }

  @Test
  void helpDescribesTheCommand() {
    BenchCommandTest.Result r = BenchCommandTest.run("matrix", "--help");
    assertThat(r.code()).isZero();
    assertThat(r.out()).contains("Usage: gearbox matrix", "--quick", "--json");
    assertThat(BenchCommandTest.run("--help").out()).contains("matrix");
  }

  // ------------------------------------------------------------------ verdicts on made-up numbers

  /** A result of five runs within 0.2% of {@code median}: tight enough to call 4% a tie. */
  private static ObjectNode result(String tool, double median, boolean ok) {
    ObjectNode r = Report.JSON.createObjectNode();
    r.put("strategy", tool);
    r.putObject("wall_s").put("median", median);
    ArrayNode runs = r.putArray("runs_s");
    for (double f : new double[] {0.998, 0.999, 1.0, 1.001, 1.002}) {
      runs.add(median * f);
    }
    r.put("ok", ok ? 10 : 9);
    r.put("tasks", 10);
    r.putNull("error");
    return r;
  }

  private static MatrixPlan.Row row(String id) {
    return MatrixPlan.rows(MatrixPlan.QUICK, 1.0, "http://127.0.0.1:1/").stream()
        .filter(r -> r.id().equals(id)).findFirst().orElseThrow();
  }

  @Test
  void verdictRanksByMedianIgnoresFailedToolsAndCallsTies() {
    ArrayNode results = Report.JSON.createArrayNode();
    results.add(result("sequential", 1.0, true));
    results.add(result("threads", 0.52, true));
    results.add(result("cpu", 0.50, true));
    results.add(result("virtual", 0.10, false)); // fastest, but a task failed: does not count

    MatrixJudge.Verdict v = MatrixJudge.verdict(row("cpu-heavy"), results);

    assertThat(v.winner()).isEqualTo("cpu");
    assertThat(v.runnerUp()).isEqualTo("threads");
    assertThat(v.vsSequential()).isCloseTo(2.0, org.assertj.core.data.Offset.offset(1e-9));
    assertThat(v.vsRunnerUp()).isCloseTo(1.04, org.assertj.core.data.Offset.offset(1e-9));
    assertThat(v.tie()).isTrue();
    assertThat(v.agrees()).isFalse(); // the seed says multiprocessing
    assertThat(v.why()).startsWith("differs").contains("GIL");
  }

  @Test
  void aTieWithTheSeedsToolAgrees() {
    ArrayNode results = Report.JSON.createArrayNode();
    results.add(result("virtual", 0.100, true));
    results.add(result("threads", 0.102, true));
    results.add(result("sequential", 0.400, true));

    MatrixJudge.Verdict v = MatrixJudge.verdict(row("simple-script"), results);

    assertThat(v.winner()).isEqualTo("virtual");
    assertThat(v.tie()).isTrue();
    assertThat(v.agrees()).isTrue(); // the seed says threading, within 5% of the winner
  }

  @Test
  void whenAutoWinsTheSeedIsJudgedAgainstTheBestFixedTool() {
    ArrayNode results = Report.JSON.createArrayNode();
    results.add(result("sequential", 1.0, true));
    results.add(result("virtual", 0.30, true));
    results.add(result("auto", 0.20, true));
    results.add(result("threads", 0.60, true));

    MatrixJudge.Verdict v = MatrixJudge.verdict(row("many-io"), results);

    assertThat(v.winner()).isEqualTo("auto");
    assertThat(v.runnerUp()).isEqualTo("virtual");
    assertThat(v.bestFixed()).isEqualTo("virtual");
    assertThat(v.tie()).isFalse();
    assertThat(v.agrees()).isTrue(); // the seed says async or threading: virtual is the best fixed
    assertThat(v.why()).startsWith("auto won");
  }

  private static ObjectNode resultOfRuns(String tool, double... runs) {
    ObjectNode r = Report.JSON.createObjectNode();
    r.put("strategy", tool);
    r.putObject("wall_s").put("median", Stats.median(runs));
    ArrayNode array = r.putArray("runs_s");
    for (double run : runs) {
      array.add(run);
    }
    r.put("ok", 10);
    r.put("tasks", 10);
    r.putNull("error");
    return r;
  }

  @Test
  void overlappingRunsNameNoWinnerAndAskForMoreRoundsOfBoth() {
    // threads is ahead by the median, but the runs of the two overlap widely: a busy machine
    ArrayNode results = Report.JSON.createArrayNode();
    results.add(resultOfRuns("threads", 0.30, 0.55, 0.41, 0.62, 0.35));
    results.add(resultOfRuns("virtual", 0.44, 0.33, 0.70, 0.39, 0.58));
    results.add(resultOfRuns("sequential", 2.0, 2.1, 1.9, 2.05, 1.95));

    MatrixJudge.Verdict v = MatrixJudge.verdict(row("many-io"), results);

    assertThat(v.fastest()).isEqualTo("threads");
    assertThat(v.separation()).isEqualTo(Stats.Separation.UNCERTAIN);
    assertThat(v.winner()).isNull();
    assertThat(v.interval().low()).isLessThan(1.0);
    assertThat(v.why()).startsWith("threads was fastest by the median")
        .contains("threads and virtual are ahead of the rest");
    assertThat(v.leaders()).containsExactly("threads", "virtual"); // sequential is separated
    assertThat(v.agreement()).isEqualTo("agrees"); // threads is a seed tool for many-io
    assertThat(MatrixJudge.contenders(row("many-io"), results))
        .containsExactlyInAnyOrder("threads", "virtual");
    // busy is what the row's machine measurement says (others' CPU, steal), not the load average
    assertThat(v.why()).doesNotContain("busy");
    assertThat(MatrixJudge.verdict(row("many-io"), results,
            "other processes used 1.3 of 2 cores, load 4.7, steal 0%").why())
        .endsWith("; the machine was busy (other processes used 1.3 of 2 cores, load 4.7, steal 0%)");
  }

  @Test
  void aSeparatedVerdictNeedsNoMoreRounds() {
    ArrayNode results = Report.JSON.createArrayNode();
    results.add(result("virtual", 0.10, true));
    results.add(result("threads", 0.20, true));
    assertThat(MatrixJudge.verdict(row("many-io"), results).separation())
        .isEqualTo(Stats.Separation.SEPARATED);
    assertThat(MatrixJudge.contenders(row("many-io"), results)).isEmpty();
  }

  @Test
  void aToolFarDownWithScatteredRunsStillKeepsTheWinnerUncertain() {
    // threads is ahead of cpu, clearly; virtual's median is worse than cpu's, but its runs are
    // so scattered that they do not separate it from threads (the row of a loaded machine)
    ArrayNode results = Report.JSON.createArrayNode();
    results.add(resultOfRuns("threads", 0.090, 0.088, 0.091, 0.089, 0.090));
    results.add(resultOfRuns("cpu", 0.240, 0.250, 0.245, 0.235, 0.243));
    results.add(resultOfRuns("virtual", 0.044, 0.262, 0.337, 0.050, 0.300));

    MatrixJudge.Verdict v = MatrixJudge.verdict(row("many-io"), results);

    assertThat(v.fastest()).isEqualTo("threads");
    assertThat(v.runnerUp()).isEqualTo("cpu");
    assertThat(v.separation()).isEqualTo(Stats.Separation.UNCERTAIN);
    assertThat(v.winner()).isNull();
    assertThat(v.leaders()).containsExactly("threads", "virtual");
    assertThat(v.why()).contains("do not separate it from virtual");
    assertThat(MatrixJudge.contenders(row("many-io"), results))
        .containsExactlyInAnyOrder("threads", "virtual");
  }

  @Test
  void oneRunEachIsUncertainHoweverFarApartAndThreeApartAreSeparated() {
    ArrayNode results = Report.JSON.createArrayNode();
    results.add(resultOfRuns("virtual", 0.10));
    results.add(resultOfRuns("threads", 0.50));
    MatrixJudge.Verdict v = MatrixJudge.verdict(row("many-io"), results);
    assertThat(v.separation()).isEqualTo(Stats.Separation.UNCERTAIN);
    assertThat(v.winner()).isNull();

    ArrayNode three = Report.JSON.createArrayNode();
    three.add(resultOfRuns("virtual", 0.10, 0.12, 0.11));
    three.add(resultOfRuns("processes", 1.5, 2.9, 1.7)); // every run slower: 1 in 20 by luck
    assertThat(MatrixJudge.verdict(row("many-io"), three).winner()).isEqualTo("virtual");
  }

  @Test
  void noValidResultMeansNoWinner() {
    ArrayNode results = Report.JSON.createArrayNode();
    results.add(result("threads", 0.5, false));
    MatrixJudge.Verdict v = MatrixJudge.verdict(row("many-io"), results);
    assertThat(v.winner()).isNull();
    assertThat(v.runnerUp()).isNull();
    assertThat(v.agrees()).isFalse();
  }

  @Test
  void everyToolIsRunOrLeftOutWithAReason() {
    for (MatrixPlan.Row row : MatrixPlan.rows(MatrixPlan.QUICK, 1.0, "http://127.0.0.1:1/")) {
      ArrayNode missing = Report.JSON.createArrayNode();
      List<String> tools = MatrixPlan.available(row, missing);
      List<String> all = new ArrayList<>(tools);
      missing.forEach(m -> all.add(m.path("strategy").asString()));
      assertThat(all).as(row.id()).containsExactlyInAnyOrderElementsOf(MatrixPlan.TOOLS);
      assertThat(tools).as(row.id()).contains("sequential", "threads", "virtual", "cpu");
    }
    assertThat(MatrixPlan.lowerBoundSeconds(row("high-scale"), "sequential"))
        .isEqualTo(MatrixPlan.QUICK.scaleTasks() * MatrixPlan.QUICK.scaleLatencyMs() / 1000.0);
    assertThat(MatrixPlan.lowerBoundSeconds(row("cpu-heavy"), "sequential")).isZero();
  }
}
