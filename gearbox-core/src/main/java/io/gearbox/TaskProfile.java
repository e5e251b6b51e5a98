package io.gearbox;

import java.time.Duration;

/**
 * Where one task's time goes, measured over several runs by {@link Profiler}, with the pool kind
 * that fits it and the evidence for that verdict. Immutable.
 *
 * @param key what was profiled (the task's class, or the name given)
 * @param runs runs measured
 * @param failures runs that threw (they are measured too)
 * @param firstFailure the first failure as {@code "ExceptionClass: message"}, or null if none
 * @param meanWall mean wall time of a run
 * @param meanCpu mean CPU time of a run, or {@code Duration.ofNanos(-1)} if the JVM cannot tell
 * @param meanWaiting mean time the task waited (blocked, sleeping, in I/O, on a lock): wall
 *     minus CPU minus run queue
 * @param meanRunQueue mean time the task was runnable but descheduled, waiting for a core (Linux
 *     {@code schedstat}; 0 where the OS does not tell): a crowded machine, not the task, made it wait
 * @param allocatedBytes mean bytes allocated on the heap by a run, or -1 if unknown
 * @param cpuShare total CPU time over total wall time less run-queue time (0 to 1), or NaN if
 *     unknown
 * @param verdict {@link PoolKind#CPU} when the task computes at least half of its time, else
 *     {@link PoolKind#VIRTUAL}
 * @param method how the numbers were measured
 * @param evidence the verdict and its evidence, e.g. "cpu 8%, waiting 92% over 50 runs -> virtual"
 */
public record TaskProfile(
    String key,
    int runs,
    int failures,
    String firstFailure,
    Duration meanWall,
    Duration meanCpu,
    Duration meanWaiting,
    Duration meanRunQueue,
    long allocatedBytes,
    double cpuShare,
    PoolKind verdict,
    String method,
    String evidence) {

  /** The share of wall time spent waiting: {@code 1 - cpuShare}, or NaN. */
  public double waitShare() {
    return Double.isNaN(cpuShare) ? Double.NaN : 1.0 - cpuShare;
  }
}
