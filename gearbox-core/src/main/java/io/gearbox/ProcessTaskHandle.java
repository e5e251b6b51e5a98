package io.gearbox;

import java.util.OptionalLong;

/**
 * The handle of a task run by a {@link ProcessPool}: a {@link TaskHandle} that also tells what
 * happened in the worker process. Thread-safe.
 *
 * <p>Like every handle it completes the moment the task reaches a terminal state. For a cancelled
 * or timed-out task the worker is then told to interrupt it, and killed if it does not stop within
 * the pool's cancel grace period; {@link #cancelRung()} says which rung ended it.
 *
 * @param <T> the result type
 */
public interface ProcessTaskHandle<T> extends TaskHandle<T> {

  /**
   * What the task printed in its worker, captured apart from every other task's output.
   * {@link TaskOutput#EMPTY} until a worker has reported on it. An attempt that ended its worker
   * ({@code System.exit}, {@code Runtime.halt}, out of memory, a native crash, a kill at its
   * deadline) has what it printed until then here too, as in
   * {@link WorkerCrashedException#lastOutput()}; the JVM's own last words are in
   * {@link WorkerCrashedException#lastStderr()}.
   */
  TaskOutput output();

  /** The pid of the worker that ran the task's latest attempt, if it reached one. */
  OptionalLong workerPid();

  /** How many times the task was sent to a worker: 0 if never, more than 1 after retries. */
  int attempts();

  /** How the task's cancellation or deadline was carried out; {@link CancelRung#NONE} if neither. */
  CancelRung cancelRung();
}
