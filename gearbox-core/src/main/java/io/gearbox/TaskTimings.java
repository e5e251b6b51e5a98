package io.gearbox;

import java.time.Duration;

/**
 * Where one task's time went, measured by the pool that ran it.
 *
 * @param queuedNanos time from admission to the start of its code (or to its cancellation if it
 *     never ran), {@code startupNanos} included
 * @param wallNanos time its code ran, from start to return or throw; 0 if it never ran
 * @param cpuNanos CPU time its thread spent in its code, or {@code -1} when the JVM cannot measure
 *     it: on virtual threads {@code ThreadMXBean} reports -1 (JDK 25), and a pool may be built with
 *     CPU measurement off; in a process pool, the CPU time of the task's thread in its worker
 * @param startupNanos in a process pool, the time the task waited for a worker process to start
 *     (a first task, or one after a crash or a recycle), counted in {@code queuedNanos} and not in
 *     {@code wallNanos}; 0 in every other pool and when a worker was ready
 */
public record TaskTimings(long queuedNanos, long wallNanos, long cpuNanos, long startupNanos) {

  /** Timings of a task that has not finished yet or never ran. */
  public static final TaskTimings NONE = new TaskTimings(0, 0, -1);

  /** Timings with no start-up part: every pool's but a process pool's. */
  public TaskTimings(long queuedNanos, long wallNanos, long cpuNanos) {
    this(queuedNanos, wallNanos, cpuNanos, 0);
  }

  /** The part of the queued time spent waiting for a worker process to start; zero elsewhere. */
  public Duration startup() {
    return Duration.ofNanos(startupNanos);
  }

  /** Whether {@link #cpuNanos()} holds a measurement. */
  public boolean cpuMeasured() {
    return cpuNanos >= 0;
  }

  /** Time spent queued. */
  public Duration queued() {
    return Duration.ofNanos(queuedNanos);
  }

  /** Time spent running. */
  public Duration wall() {
    return Duration.ofNanos(wallNanos);
  }

  /**
   * The share of running time spent waiting (not on a CPU), between 0 and 1, or {@code NaN} when
   * CPU time was not measured or the task did not run. Near 1 means I/O-bound; near 0, CPU-bound.
   */
  public double waitingRatio() {
    if (!cpuMeasured() || wallNanos <= 0) {
      return Double.NaN;
    }
    return Math.max(0.0, Math.min(1.0, 1.0 - (double) cpuNanos / wallNanos));
  }
}
