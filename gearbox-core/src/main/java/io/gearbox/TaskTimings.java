package io.gearbox;

import java.time.Duration;

/**
 * Where one task's time went, measured by the pool that ran it.
 *
 * @param queuedNanos time from admission to the start of its code (or to its cancellation if it
 *     never ran)
 * @param wallNanos time its code ran, from start to return or throw; 0 if it never ran
 * @param cpuNanos CPU time its thread spent in its code, or {@code -1} when the JVM cannot measure
 *     it: on virtual threads {@code ThreadMXBean} reports -1 (JDK 25), and a pool may be built with
 *     CPU measurement off
 */
public record TaskTimings(long queuedNanos, long wallNanos, long cpuNanos) {

  /** Timings of a task that has not finished yet or never ran. */
  public static final TaskTimings NONE = new TaskTimings(0, 0, -1);

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
