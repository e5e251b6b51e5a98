package io.gearbox.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.gearbox.testing.Leaks;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue 12: the strategies' runs are interleaved (A B, B A, A B, ...), not run A A A then B B B;
 * rounds past the minimum run only the jobs still asked for; and every child JVM is gone after.
 */
@ExtendWith(Leaks.class)
class InterleavedRunsTest {

  private static final Pattern RUN_LINE =
      Pattern.compile("\\] overhead (\\S+) run (\\d+)");

  @Test
  void benchRunsAlternateBetweenTheStrategiesInRotatingOrder() {
    BenchCommandTest.Result r = BenchCommandTest.run("bench", "overhead", "--tasks", "100",
        "--runs", "3", "--warmup", "0", "--strategies", "virtual,jdk");
    assertThat(r.code()).as(r.err()).isZero();
    StringBuilder order = new StringBuilder();
    Matcher m = RUN_LINE.matcher(r.err());
    while (m.find()) {
      order.append(m.group(1)).append('#').append(m.group(2)).append(' ');
    }
    assertThat(order.toString().strip()).isEqualTo(
        "virtual#1 virtual/jdk#1 virtual/jdk#2 virtual#2 virtual#3 virtual/jdk#3");
    assertThat(ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).toList())
        .isEmpty();
  }

  @Test
  void withABudgetAnUncertainSpeedupGetsMoreRuns(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
      throws Exception {
    java.nio.file.Path json = dir.resolve("overhead.json");
    BenchCommandTest.Result r = BenchCommandTest.run("bench", "overhead", "--tasks", "100",
        "--runs", "3", "--warmup", "0", "--strategies", "virtual,jdk", "--budget", "3",
        "--json", json.toString());
    assertThat(r.code()).as(r.err()).isZero();
    tools.jackson.databind.JsonNode doc = BenchCommandTest.read(json);
    assertThat(doc.path("params").path("budget_s").asInt()).isEqualTo(3);
    for (tools.jackson.databind.JsonNode row : doc.path("results")) {
      int runs = row.path("runs_s").size();
      assertThat(runs).as(row.toString()).isGreaterThanOrEqualTo(3);
      if (row.path("speedup_separation").asString().equals("uncertain")) {
        // uncertain after 3 runs: at least one more round ran before the budget was spent
        assertThat(runs).as(row.toString()).isGreaterThan(3);
      }
    }
    assertThat(BenchCommandTest.run("bench", "overhead", "--budget", "-1").code()).isEqualTo(2);
  }

  @Test
  void roundsPastTheMinimumRunOnlyTheJobsStillAskedFor() {
    Job a = new Job("virtual", "virtual", Map.of("tasks", "10"), 0, 2, false);
    Job b = new Job("virtual", "jdk", Map.of("tasks", "10"), 0, 2, false);
    StringWriter err = new StringWriter();
    Harness harness = new Harness("overhead", List.of("-XX:+UseSerialGC", "-Xmx64m"),
        Progress.on(new PrintWriter(err, true), 4));
    // after the two rounds every job runs, ask for a until it has 4 runs
    Harness.Rounds rounds = new Harness.Rounds(2, 10, Duration.ofMinutes(5),
        results -> results.getFirst().samples().size() < 4 ? Set.of(a) : Set.of());

    List<StrategyResult> results = harness.interleave(List.of(a, b), rounds);

    assertThat(results).extracting(StrategyResult::error).containsOnlyNulls();
    assertThat(results.get(0).samples()).hasSize(4);
    assertThat(results.get(1).samples()).hasSize(2);
    assertThat(results.get(0).samples()).allSatisfy(s -> assertThat(s.ok()).isEqualTo(10));
    assertThat(err.toString()).contains("run 3 (more runs to separate the verdict)");
    assertThat(ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).toList())
        .isEmpty();
  }

  @Test
  void childrenWarmUpAtLeastTheGivenTime_andKeepOnlyTheMeasuredRuns() {
    // runs of a few milliseconds: one warm-up run is far from 300 ms, so more warm-ups follow
    Job job = new Job("virtual", "virtual", Map.of("tasks", "10"), 1, 2, false);
    StringWriter timed = new StringWriter();
    List<StrategyResult> results = new Harness("overhead", List.of("-XX:+UseSerialGC", "-Xmx64m"),
        Progress.on(new PrintWriter(timed, true), 3)).warmUpAtLeast(Duration.ofMillis(300))
        .interleave(List.of(job), Harness.Rounds.exactly(2));
    assertThat(results.getFirst().error()).isNull();
    assertThat(results.getFirst().samples()).hasSize(2);
    long warmUps = timed.toString().lines().filter(l -> l.contains(" warm-up: ")).count();
    assertThat(warmUps).as(timed.toString()).isGreaterThan(1)
        .isLessThanOrEqualTo(1 + Harness.MAX_TIMED_WARMUPS);
    assertThat(timed.toString()).contains("run 1/2", "run 2/2").doesNotContain("run 0/");

    StringWriter counted = new StringWriter();
    new Harness("overhead", List.of("-XX:+UseSerialGC", "-Xmx64m"),
        Progress.on(new PrintWriter(counted, true), 3))
        .interleave(List.of(job), Harness.Rounds.exactly(2));
    assertThat(counted.toString().lines().filter(l -> l.contains(" warm-up: ")).count())
        .as("without a floor, the job's own warm-up runs only").isEqualTo(1);
    assertThat(ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).toList())
        .isEmpty();
  }

  @Test
  void childrenWarmUpMoreWhileTheirJitCompiles_andNotAtAllWhenAskedForNoWarmUp() {
    // -Xcomp: a method is compiled before its first call, so a fresh JVM's first run of a pool
    // spends most of its time compiling, and the harness asks for more warm-up runs
    List<String> compileAll = List.of("-XX:+UseSerialGC", "-Xmx64m", "-Xcomp",
        "-XX:TieredStopAtLevel=1");
    Job job = new Job("virtual", "virtual", Map.of("tasks", "10"), 1, 2, false);
    StringWriter busy = new StringWriter();
    StrategyResult r = new Harness("overhead", compileAll,
        Progress.on(new PrintWriter(busy, true), 3)).warmUpWhileCompiling(Duration.ofSeconds(60))
        .interleave(List.of(job), Harness.Rounds.exactly(2)).getFirst();
    assertThat(r.error()).as(busy.toString()).isNull();
    assertThat(r.samples()).hasSize(2);
    assertThat(r.warmups()).as(busy.toString())
        .isEqualTo(busy.toString().lines().filter(l -> l.contains(" warm-up: ")).count())
        .isGreaterThanOrEqualTo(1 + Harness.JIT_QUIET_RUNS)
        .isLessThanOrEqualTo(1 + Harness.MAX_JIT_WARMUPS);
    assertThat(busy.toString()).contains(" warm-up: ", " s, 10/10 ok, JIT compiling ");

    // --warmup 0 means cold runs: no warm-up is added, however busy the JIT
    Job cold = new Job("virtual", "virtual", Map.of("tasks", "10"), 0, 2, false);
    StringWriter none = new StringWriter();
    StrategyResult c = new Harness("overhead", compileAll,
        Progress.on(new PrintWriter(none, true), 2)).warmUpWhileCompiling(Duration.ofSeconds(60))
        .interleave(List.of(cold), Harness.Rounds.exactly(2)).getFirst();
    assertThat(c.error()).as(none.toString()).isNull();
    assertThat(c.warmups()).isZero();
    assertThat(none.toString()).doesNotContain(" warm-up: ");

    // an interpreter-only JVM has no JIT to wait for: its own warm-up run only
    StringWriter idle = new StringWriter();
    StrategyResult i = new Harness("overhead", List.of("-XX:+UseSerialGC", "-Xmx64m", "-Xint"),
        Progress.on(new PrintWriter(idle, true), 3)).warmUpWhileCompiling(Duration.ofSeconds(60))
        .interleave(List.of(job), Harness.Rounds.exactly(2)).getFirst();
    assertThat(i.error()).as(idle.toString()).isNull();
    assertThat(i.warmups()).as(idle.toString()).isEqualTo(1);
    assertThat(ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).toList())
        .isEmpty();
  }

  @Test
  void aChildThatDiesMidwayKeepsItsRunsAndTheOthersGoOn() {
    // an unknown workload: the child's first run throws and it exits; the good job runs on
    Job bad = new Job("virtual", "virtual", Map.of("tasks", "10"), 0, 2, false);
    StringWriter err = new StringWriter();
    Harness harness = new Harness("no-such-workload", List.of("-Xmx64m"),
        Progress.on(new PrintWriter(err, true), 2));
    List<StrategyResult> results = harness.interleave(List.of(bad), Harness.Rounds.exactly(2));
    assertThat(results.getFirst().error()).startsWith("its JVM exited with code 1 after 0 runs")
        .contains("unknown workload no-such-workload");
    assertThat(ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).toList())
        .isEmpty();
  }
}
