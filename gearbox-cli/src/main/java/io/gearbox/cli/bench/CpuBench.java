package io.gearbox.cli.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tools.jackson.databind.node.ObjectNode;

/** {@code gearbox bench cpu}: the seed's {@code compute_heavy} experiment, and a balanced one. */
@Command(
    name = "cpu",
    mixinStandardHelpOptions = true,
    header = "Runs the seed's compute_heavy(1..4), and the same work as equal tasks.",
    description = {
      "%nVariants: seed (compute_heavy(1), (2), (3), (4): unequal tasks, as the seed's",
      "pool.map) and balanced (the same total work in --balanced-tasks equal tasks).",
      "Strategies: sequential, threads (Gearbox.threads(T)), cpu (Gearbox.cpu(): one thread",
      "per core), processes (Gearbox.processes(cores): one worker JVM per core, started",
      "inside the timed run as the seed's `with Pool(4)`; CPU time includes the workers'),",
      "jdk (Executors.newFixedThreadPool(cores) by hand), and auto where it exists.",
      "%nOn C cores, tasks of 1+2+3+4 units run first-come-first-served by C workers finish",
      "no sooner than the longest chain allows: on 2 cores 6 of 10 units, a 1.67x ceiling;",
      "--order largest-first submits 4, 3, 2, 1 and lifts the ceiling to 2x.%n",
    })
final class CpuBench extends WorkloadBench {

  @Option(names = "--scale", paramLabel = "S", defaultValue = "10",
      description = "Multiplies the seed's 10,000,000 (default: ${DEFAULT-VALUE}).")
  double scale;

  @Option(names = "--order", paramLabel = "ORDER", defaultValue = "seed",
      description = "Submission order of the seed variant: seed (1, 2, 3, 4) or largest-first "
          + "(default: ${DEFAULT-VALUE}).")
  String order;

  @Option(names = "--balanced-tasks", paramLabel = "N", defaultValue = "64",
      description = "Tasks of the balanced variant (default: ${DEFAULT-VALUE}).")
  int balancedTasks;

  @Option(names = "--threads", paramLabel = "T", defaultValue = "4",
      description = "Threads of the threads strategy (default: ${DEFAULT-VALUE}, the seed's "
          + "Pool(processes=4)).")
  int threads;

  @Override
  String workload() {
    return "cpu";
  }

  @Override
  List<String> strategies() {
    return concat(List.of("sequential", "threads", "cpu", "processes"), optionalPoolStrategies(), "jdk");
  }

  @Override
  int defaultWarmup() {
    return 1;
  }

  @Override
  void validate() {
    if (!(scale > 0) || Double.isInfinite(scale) || scale > 100_000) {
      throw usage("--scale must be above 0 and at most 100000, was " + scale);
    }
    if (!order.equals("seed") && !order.equals("largest-first")) {
      throw usage("unknown --order '" + order + "'; choose seed or largest-first");
    }
    limit("--balanced-tasks", balancedTasks, Limits.MAX_TASKS);
    limit("--threads", threads, Limits.MAX_THREADS);
  }

  @Override
  ObjectNode params() {
    ObjectNode p = Report.JSON.createObjectNode();
    p.put("scale", scale);
    p.put("order", order);
    p.put("seed_tasks", 4);
    p.put("balanced_tasks", balancedTasks);
    p.put("threads", threads);
    p.put("jdk", "Executors.newFixedThreadPool(" + Runtime.getRuntime().availableProcessors() + ")");
    return p;
  }

  @Override
  List<Job> jobs(List<String> chosen, int warmup, int runs) {
    List<Job> jobs = new ArrayList<>();
    for (String variant : List.of("seed", "balanced")) {
      for (String strategy : chosen) {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("scale", String.valueOf(scale));
        params.put("order", order);
        params.put("tasks", String.valueOf(variant.equals("seed") ? 4 : balancedTasks));
        params.put("threads", String.valueOf(threads));
        jobs.add(new Job(variant, strategy, params, warmup, runs, false));
      }
    }
    return jobs;
  }
}
