package io.gearbox;

import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeoutException;

/**
 * A submitted task: wait for it, cancel it, read its state and timings. Thread-safe: any thread may
 * wait on or cancel a handle.
 *
 * <p>A handle is a {@link Future}: {@link #get()} throws {@link ExecutionException} with the task's
 * own exception as cause, and {@link Future#state()} maps the six {@link TaskState}s onto the JDK's
 * four. {@link #join()} is the unchecked form.
 *
 * <p><b>Cancellation.</b> {@link #cancel(boolean) cancel(true)} (and {@code cancel(false)}: pools
 * always interrupt, as a task cancelled while running is otherwise just abandoned) moves a pending
 * or running task to {@link TaskState#CANCELLED} and interrupts its thread. The handle completes at
 * once; code that ignores the interrupt keeps its thread until it returns and is reported by
 * {@link PoolStats#stuck()}.
 *
 * <p><b>Failure.</b> Exceptions thrown to waiters carry the task's submit site (an exception whose
 * message names the task, pool and submitting thread, and whose stack is the submitter's, captured
 * when {@link PoolBuilder#captureSubmitSite(boolean)} is on) as a suppressed exception, so a trace
 * shows where the work came from.
 *
 * <p><b>Memory consistency effects:</b> actions of the task happen-before actions following a
 * successful return from {@link #get()}, {@link #join()} or any other wait on its handle.
 *
 * @param <T> the task's result type
 */
public interface TaskHandle<T> extends Future<T> {

  /** The pool-unique id of this task (1, 2, 3… in submit order). */
  long id();

  /** The task's name: the one given in {@link TaskOptions}, else {@code "task-<id>"}. */
  String name();

  /** The current state; terminal states never change. */
  TaskState status();

  /**
   * Waits for the task and returns its result.
   *
   * @throws TaskFailedException if the task threw (its exception is the cause)
   * @throws TaskTimeoutException if its deadline passed
   * @throws CancellationException if it was cancelled
   * @throws java.util.concurrent.CompletionException wrapping an {@link InterruptedException} if
   *     the waiting thread is interrupted; the interrupt flag stays set
   */
  T join();

  /**
   * Waits at most {@code timeout} for the task to finish. The task keeps running if the wait times
   * out: the wait has a deadline, the task does not (use {@link TaskOptions#withTimeout}).
   *
   * @return true if the task is done
   * @throws InterruptedException if the waiting thread is interrupted
   */
  boolean await(Duration timeout) throws InterruptedException;

  /**
   * Where the task's time went. {@link TaskTimings#NONE} until the task has finished running.
   */
  TaskTimings timings();

  /**
   * A {@link CompletableFuture} completed with this task's outcome: its value, its exception, a
   * {@link TaskTimeoutException}, or cancellation. Cancelling the returned future cancels the task.
   * Each call returns a new future.
   */
  CompletableFuture<T> toCompletableFuture();

  /**
   * Cancels the task if it has not finished: it never starts if still queued; if running, its
   * thread is interrupted. The {@code mayInterruptIfRunning} flag is ignored: a running task is
   * always interrupted.
   *
   * @return true if this call cancelled the task
   */
  @Override
  boolean cancel(boolean mayInterruptIfRunning);

  /** Cancels the task; same as {@code cancel(true)}. */
  default boolean cancel() {
    return cancel(true);
  }

  /**
   * Waits for the task and returns its result.
   *
   * @throws ExecutionException if the task threw (cause: its exception) or timed out (cause: a
   *     {@link TaskTimeoutException})
   * @throws CancellationException if it was cancelled
   * @throws InterruptedException if the waiting thread is interrupted
   */
  @Override
  T get() throws InterruptedException, ExecutionException;

  /**
   * Waits at most the given time for the result.
   *
   * @throws TimeoutException if the wait timed out (the task keeps running)
   */
  @Override
  T get(long timeout, java.util.concurrent.TimeUnit unit)
      throws InterruptedException, ExecutionException, TimeoutException;
}
