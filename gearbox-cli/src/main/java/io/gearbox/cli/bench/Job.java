package io.gearbox.cli.bench;

import java.util.Map;

/**
 * One strategy of one variant of a workload, as the parent hands it to child JVMs.
 *
 * @param variant the comparison group ("fetch", "seed", "balanced", or a pool kind)
 * @param strategy one of the fixed strategy names
 * @param params the child's workload parameters (key=value)
 * @param warmup unmeasured runs first
 * @param runs measured runs
 * @param forkPerRun whether each run gets a fresh JVM (memory: nothing left from an earlier run)
 */
record Job(
    String variant,
    String strategy,
    Map<String, String> params,
    int warmup,
    int runs,
    boolean forkPerRun) {

  /** This job with more parameters (the later value wins on a repeated key). */
  Job withParams(Map<String, String> extra) {
    Map<String, String> all = new java.util.LinkedHashMap<>(params);
    all.putAll(extra);
    return new Job(variant, strategy, all, warmup, runs, forkPerRun);
  }

  /** Warm-up plus measured runs: the progress steps of this job. */
  int steps() {
    return warmup + runs;
  }
}
