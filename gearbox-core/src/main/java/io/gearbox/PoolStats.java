package io.gearbox;

import java.time.Duration;
import java.util.List;

/**
 * An immutable snapshot of a pool's counters, taken by {@link Pool#stats()}.
 *
 * <p><b>Consistency.</b> Each counter is read atomically, but the snapshot as a whole is not taken
 * under a lock: while tasks run, {@code submitted} may briefly differ from the sum of the other
 * counts by the tasks in transition. Once the pool is idle the identity {@code submitted = queued +
 * running + succeeded + failed + cancelled + timedOut} holds exactly (a stuck task counts as timed
 * out or cancelled, not running).
 *
 * @param pool the pool's name
 * @param kind the pool's kind
 * @param parallelism the pool's thread count ({@code -1} for virtual pools: unbounded)
 * @param maxInFlight the bound on queued plus running tasks
 * @param submitted tasks accepted
 * @param rejected submits refused (closed or saturated pool)
 * @param queued accepted tasks not yet started
 * @param running tasks whose code is running and whose handle is not yet complete
 * @param succeeded tasks that returned a value
 * @param failed tasks that threw
 * @param cancelled tasks cancelled before or while running
 * @param timedOut tasks whose deadline passed
 * @param totalQueuedNanos summed queue time of finished tasks
 * @param totalWallNanos summed run time of finished tasks
 * @param totalCpuNanos summed CPU time of the finished tasks whose CPU time was measured
 * @param cpuMeasuredTasks how many finished tasks had their CPU time measured
 * @param stuck tasks whose handle completed but whose code still runs, ignoring the interrupt
 * @param cpuMeasuredWallNanos summed run time of the finished tasks whose CPU time was measured:
 *     {@code totalCpuNanos / cpuMeasuredWallNanos} is their CPU share, the rest they spent waiting
 * @param queueWaits how long the finished tasks that ran had queued, as a histogram (its count is
 *     the number of tasks in {@code totalQueuedNanos})
 * @param runTimes how long the finished tasks ran, as a histogram (the tasks in
 *     {@code totalWallNanos})
 */
public record PoolStats(
    String pool,
    PoolKind kind,
    int parallelism,
    int maxInFlight,
    long submitted,
    long rejected,
    long queued,
    long running,
    long succeeded,
    long failed,
    long cancelled,
    long timedOut,
    long totalQueuedNanos,
    long totalWallNanos,
    long totalCpuNanos,
    long cpuMeasuredTasks,
    List<StuckTask> stuck,
    long cpuMeasuredWallNanos,
    TimeHistogram queueWaits,
    TimeHistogram runTimes) {

  /** Copies the stuck list; null histograms read as empty. */
  public PoolStats {
    stuck = List.copyOf(stuck);
    queueWaits = queueWaits == null ? TimeHistogram.EMPTY : queueWaits;
    runTimes = runTimes == null ? TimeHistogram.EMPTY : runTimes;
  }

  /**
   * A snapshot without histograms or the measured tasks' run time, for pools that do not record
   * them ({@link #cpuMeasuredWallNanos} 0, both histograms empty).
   */
  public PoolStats(String pool, PoolKind kind, int parallelism, int maxInFlight, long submitted,
      long rejected, long queued, long running, long succeeded, long failed, long cancelled,
      long timedOut, long totalQueuedNanos, long totalWallNanos, long totalCpuNanos,
      long cpuMeasuredTasks, List<StuckTask> stuck) {
    this(pool, kind, parallelism, maxInFlight, submitted, rejected, queued, running, succeeded,
        failed, cancelled, timedOut, totalQueuedNanos, totalWallNanos, totalCpuNanos,
        cpuMeasuredTasks, stuck, 0, TimeHistogram.EMPTY, TimeHistogram.EMPTY);
  }

  /**
   * The share of the measured tasks' run time spent on a CPU (0 to 1), or {@code NaN} when no
   * task's CPU time was measured (virtual threads, process pools, CPU measurement off).
   */
  public double cpuShare() {
    return cpuMeasuredWallNanos <= 0 ? Double.NaN
        : Math.min(1.0, (double) totalCpuNanos / cpuMeasuredWallNanos);
  }

  /** Tasks that reached a terminal state. */
  public long completed() {
    return succeeded + failed + cancelled + timedOut;
  }

  /** Summed run time of finished tasks. */
  public Duration totalWall() {
    return Duration.ofNanos(totalWallNanos);
  }

  /** Summed measured CPU time of finished tasks. */
  public Duration totalCpu() {
    return Duration.ofNanos(totalCpuNanos);
  }
}
