package io.gearbox;

import java.time.Duration;

/**
 * Where an {@link AutoPool} sends the tasks of one key, and why: a snapshot.
 *
 * @param key the tasks' key: their name, or the class of what was submitted; tasks asking for
 *     isolation have {@code " [isolated]"} appended
 * @param target where the key's tasks run now: {@link PoolKind#CPU}, {@link PoolKind#VIRTUAL}, or
 *     {@link PoolKind#PROCESSES} for tasks that asked for isolation
 * @param runs runs of the key that finished (anywhere)
 * @param measuredRuns runs whose CPU time was measured (probes, and runs on the CPU side)
 * @param cpuShare CPU time over wall time of the measured runs, as a moving average (0 to 1), or
 *     {@code NaN} before the first measurement
 * @param meanWall mean wall time of the measured runs ({@link Duration#ZERO} before any)
 * @param allocatedBytes mean bytes allocated by a probe run, or {@code -1} when unknown
 * @param changes how many times the route changed after its first verdict
 * @param overridden whether the route was fixed by the builder and is never re-decided
 * @param method how the evidence was measured, e.g. "platform thread CPU clock"
 * @param reason the verdict with its evidence, e.g. "cpu 8%, waiting 92% over 50 runs -> virtual"
 */
public record Route(
    String key,
    PoolKind target,
    long runs,
    long measuredRuns,
    double cpuShare,
    Duration meanWall,
    long allocatedBytes,
    int changes,
    boolean overridden,
    String method,
    String reason) {

  /** The share of measured time spent waiting: {@code 1 - cpuShare}, or {@code NaN}. */
  public double waitShare() {
    return Double.isNaN(cpuShare) ? Double.NaN : 1.0 - cpuShare;
  }
}
