package io.gearbox;

/**
 * The life of a task. Every submitted task ends in exactly one of the four terminal states.
 *
 * <pre>
 * PENDING   -> RUNNING     when a pool thread starts it
 * PENDING   -> CANCELLED   cancel() or pool shutdownNow() before it started: it never runs
 * PENDING   -> TIMED_OUT   its deadline passed while it was queued: it never runs
 * RUNNING   -> SUCCEEDED   the task returned a value
 * RUNNING   -> FAILED      the task threw
 * RUNNING   -> CANCELLED   cancel(): its thread is interrupted
 * RUNNING   -> TIMED_OUT   its deadline passed: its thread is interrupted
 * </pre>
 *
 * <p>A handle completes the moment it reaches a terminal state, even when the task's code ignores
 * the interrupt and keeps running; such a task is reported as stuck in {@link PoolStats#stuck()}.
 */
public enum TaskState {
  /** Accepted and waiting for a thread. */
  PENDING,
  /** Its code is running on a pool thread. */
  RUNNING,
  /** Terminal: returned a value. */
  SUCCEEDED,
  /** Terminal: threw an exception. */
  FAILED,
  /** Terminal: cancelled before or while running. */
  CANCELLED,
  /** Terminal: its deadline passed before it finished. */
  TIMED_OUT;

  /** Whether this state is terminal (the handle is done). */
  public boolean isTerminal() {
    return this != PENDING && this != RUNNING;
  }
}
