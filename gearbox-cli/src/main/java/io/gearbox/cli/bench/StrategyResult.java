package io.gearbox.cli.bench;

import java.util.List;

/**
 * What the children reported for one job.
 *
 * @param job the job
 * @param samples the measured runs (warm-ups left out)
 * @param peakRssKb the highest VmHWM any of its child JVMs reported, or -1
 * @param error why the job did not complete (the child died, or never reported), or null
 * @param warmups the warm-up runs its JVM made: the job's, and those the harness added while the
 *     JIT compilers were still busy ({@link Harness#warmUpWhileCompiling})
 */
record StrategyResult(Job job, List<Sample> samples, long peakRssKb, String error, int warmups) {

  /** A result whose JVM made exactly the job's warm-up runs. */
  StrategyResult(Job job, List<Sample> samples, long peakRssKb, String error) {
    this(job, samples, peakRssKb, error, job.warmup());
  }
}
