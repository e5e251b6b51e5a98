package io.gearbox.cli.bench;

import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import tools.jackson.databind.node.ArrayNode;

/**
 * Runs a matrix row as a careful benchmarker would on a machine that is never quiet: one live JVM
 * per tool, their runs interleaved round by round ({@link Harness#interleave}), at least the row's
 * runs each; then further rounds of the tools a verdict is unsure of ({@link
 * MatrixJudge#contenders}) until the runs separate them or the row's budget or run cap is spent.
 * Meanwhile the machine's load is measured ({@link MachineLoad}).
 */
final class MatrixRun {

  /**
   * What a row's runs produced.
   *
   * @param results one per job, in the plan's order
   * @param during what the machine did while the row ran
   */
  record Measured(List<StrategyResult> results, MachineLoad.Summary during) {}

  private MatrixRun() {}

  /** Runs the row's jobs until its verdicts are separated or its budget ends. */
  static Measured row(MatrixPlan.Row row, List<Job> jobs, MatrixPlan.Sizes sizes,
      Progress progress) {
    MachineLoad load = MachineLoad.start();
    Harness harness = new Harness(row.workload(), MatrixPlan.args(MatrixPlan.JVM_ARGS), progress,
        MatrixPlan.timeLimit(sizes, 1))
        .warmUpAtLeast(row.warmup() > 0 ? sizes.warmupAtLeast() : Duration.ZERO)
        .warmUpWhileCompiling(sizes.warmupWhileCompiling()); // none where no run warms up
    Harness.Rounds rounds = new Harness.Rounds(row.runs(), Math.max(row.runs(), sizes.maxRuns()),
        sizes.rowBudget(), results -> more(row, jobs, results));
    List<StrategyResult> results = jobs.isEmpty() ? List.of() : harness.interleave(jobs, rounds);
    progress.finish();
    return new Measured(results, load.stop());
  }

  /** The jobs of the tools whose verdict is still open. */
  private static Set<Job> more(MatrixPlan.Row row, List<Job> jobs, List<StrategyResult> results) {
    ArrayNode measured = Report.results(row.workload(), results);
    Set<String> tools = MatrixJudge.contenders(row, measured);
    Set<Job> more = new LinkedHashSet<>();
    for (Job job : jobs) {
      if (tools.contains(job.strategy())) {
        more.add(job);
      }
    }
    return more;
  }

  /** The memory jobs: a fresh JVM per run, one after the other (nothing to interleave). */
  static List<StrategyResult> memory(List<Job> jobs, MatrixPlan.Sizes sizes, Progress progress) {
    Harness harness = new Harness("memory", MatrixPlan.args(MatrixPlan.MEMORY_JVM_ARGS), progress,
        MatrixPlan.timeLimit(sizes, 1));
    List<StrategyResult> results = jobs.stream().map(harness::run).toList();
    progress.finish();
    return results;
  }
}
