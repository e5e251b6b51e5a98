package io.gearbox;

/**
 * How far a process-pool task's cancellation (or deadline) had to go: the rungs of the ladder.
 *
 * <pre>
 * NOT_STARTED   it ended before it reached a worker: its code never ran
 * REQUESTED     its worker was asked to interrupt it; the grace period has not ended yet
 * INTERRUPTED   its code stopped when interrupted in the worker, which stays in the pool
 * KILLED        its code ignored the interrupt for the grace period (or could not be reached):
 *               its worker process was killed and replaced
 * </pre>
 *
 * A task that was neither cancelled nor timed out reports {@link #NONE}.
 */
public enum CancelRung {
  /** Not cancelled and not timed out. */
  NONE,
  /** Cancelled or timed out before it reached a worker. */
  NOT_STARTED,
  /** Its worker has been asked to interrupt it; the outcome is not known yet. */
  REQUESTED,
  /** It stopped when interrupted; its worker was kept. */
  INTERRUPTED,
  /** Its worker was killed and replaced. */
  KILLED
}
