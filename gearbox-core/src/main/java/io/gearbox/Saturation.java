package io.gearbox;

/**
 * What {@link Pool#submit} does when the pool already holds its maximum number of tasks in flight
 * (queued plus running, see {@link PoolBuilder#maxInFlight(int)}).
 *
 * <p>{@link Pool#map map} always waits for room, whatever the policy: it is a pull-based consumer
 * and never holds more than its window of tasks.
 */
public enum Saturation {
  /**
   * The submitting thread waits until a task leaves the pool (the default). Back-pressure: a fast
   * producer slows to the pool's pace. If the pool shuts down while the caller waits, the submit is
   * rejected with {@link PoolClosedException}; an interrupt while waiting rejects it with
   * {@link PoolSaturatedException} and keeps the interrupt flag set.
   */
  BLOCK,
  /** Submit fails at once with {@link PoolSaturatedException}. */
  REJECT,
  /**
   * The submitting thread runs the task itself, then returns its completed handle. Back-pressure
   * without blocking on the pool, at the cost of running work on the caller's thread.
   */
  CALLER_RUNS
}
