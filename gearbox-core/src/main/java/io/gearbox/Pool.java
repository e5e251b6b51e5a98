package io.gearbox;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutorService;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * A pool that runs tasks: one interface over platform threads, virtual threads, the CPU pool,
 * worker processes and the measuring auto pool (and, in module {@code gearbox-cluster}, a
 * Hazelcast cluster). Create one with {@link Gearbox#threads(int)}, {@link Gearbox#virtual()},
 * {@link Gearbox#cpu()}, {@link Gearbox#processes(int)} or {@link Gearbox#auto()}, or configure
 * one with a {@link PoolBuilder} ({@link Gearbox#builder(PoolKind)} for any kind, or the kind's own
 * builder such as {@link Gearbox#threadsBuilder()}); close it with try-with-resources. Process and
 * auto pools are {@link ProcessPool}s and {@link AutoPool}s: this interface plus what only they
 * have.
 *
 * <pre>{@code
 * try (Pool io = Gearbox.virtual()) {
 *   List<String> pages = io.map(url -> fetch(url), urls).toList();
 * }
 * }</pre>
 *
 * <p><b>Thread safety.</b> All methods may be called from any thread, including from tasks of the
 * same pool (but a task that blocks waiting for tasks of a full fixed-size pool can deadlock it,
 * as in any executor: fork dependent I/O work onto a virtual pool instead).
 *
 * <p><b>Bounded.</b> A pool holds at most {@link PoolBuilder#maxInFlight(int) maxInFlight} tasks
 * (queued plus running); beyond that its {@link Saturation} policy applies.
 *
 * <p><b>Lifecycle.</b>
 * <pre>
 * RUNNING    -> SHUTDOWN    shutdown() or close(): no new tasks; accepted ones still run
 * RUNNING    -> STOPPED     shutdownNow(): queued tasks are cancelled, running ones interrupted
 * SHUTDOWN   -> STOPPED     shutdownNow(), or close(Duration) when its grace period runs out
 * any        -> TERMINATED  when the pool's threads have all exited
 * </pre>
 *
 * <p>Every submitted task ends in exactly one terminal {@link TaskState}, whatever happens to the
 * pool.
 */
public interface Pool extends AutoCloseable {

  /** The pool's name, used in thread names, messages and stats. */
  String name();

  /** The execution model. */
  PoolKind kind();

  /** Threads that run tasks at once; {@code -1} for a virtual pool (one thread per task). */
  int parallelism();

  /** The number of tasks {@link #map} keeps in flight unless told otherwise. */
  int defaultMapWindow();

  /**
   * Submits a task.
   *
   * @return the task's handle
   * @throws NullPointerException if task is null
   * @throws PoolClosedException if the pool is shut down
   * @throws PoolSaturatedException if the pool is full and its policy is {@link Saturation#REJECT}
   */
  <T> TaskHandle<T> submit(Callable<T> task);

  /**
   * Submits a task with a name and/or a deadline.
   *
   * @throws NullPointerException if task or options is null
   * @throws PoolClosedException if the pool is shut down
   * @throws PoolSaturatedException if the pool is full and its policy is {@link Saturation#REJECT}
   */
  <T> TaskHandle<T> submit(Callable<T> task, TaskOptions options);

  /**
   * Runs a task on this pool and waits for its result: Python's {@code run_in_executor} and
   * {@code asyncio.run} in one blocking call, which costs nothing on a virtual thread. Hand CPU
   * work from a virtual-thread request handler to the CPU pool with {@code cpu.invoke(...)}.
   *
   * @throws TaskFailedException if the task threw
   * @throws CancellationException if the task was cancelled (for example by shutdownNow)
   * @throws java.util.concurrent.CompletionException wrapping an {@link InterruptedException} if
   *     the caller is interrupted while waiting; the task is then cancelled
   */
  <T> T invoke(Callable<T> task);

  /**
   * Applies {@code fn} to each input on this pool; results come in input order. Lazy and bounded:
   * inputs are read only as results are consumed, at most {@link #defaultMapWindow()} ahead, so a
   * ten-million-element input never fills memory. Fail-fast: the first task to fail cancels the
   * others in flight, and the next call on the stream throws {@link TaskFailedException} (or
   * {@link TaskTimeoutException}).
   *
   * <p>Close the stream (or consume it to the end) to release it; closing cancels tasks still in
   * flight. The stream is sequential, and should stay so: the pool supplies the parallelism, and
   * {@code parallel()} would make the stream read inputs ahead in large batches.
   *
   * <p>Inputs in a {@link Stream}: pass {@code stream::iterator}, an {@link Iterable} that reads the
   * stream as lazily as any other input (once: a stream cannot be read twice). {@code fn} is a
   * {@link Function}, so it cannot throw checked exceptions: wrap them (an
   * {@link java.io.UncheckedIOException}, say), or submit {@link Callable}s, which may throw
   * anything; either way the task's exception is the cause of the {@link TaskFailedException}.
   *
   * @throws NullPointerException if fn or inputs is null (a null input element is passed to fn)
   */
  <T, R> Stream<R> map(Function<? super T, ? extends R> fn, Iterable<? extends T> inputs);

  /** {@link #map(Function, Iterable)} with a window and per-item deadline. */
  <T, R> Stream<R> map(
      Function<? super T, ? extends R> fn, Iterable<? extends T> inputs, MapOptions options);

  /** Like {@link #map(Function, Iterable, MapOptions)}, but results come as they complete. */
  <T, R> Stream<R> mapUnordered(
      Function<? super T, ? extends R> fn, Iterable<? extends T> inputs, MapOptions options);

  /**
   * Like {@link #map(Function, Iterable, MapOptions)}, but never fails fast: every input yields an
   * {@link Outcome}, in input order.
   */
  <T, R> Stream<Outcome<R>> mapOutcomes(
      Function<? super T, ? extends R> fn, Iterable<? extends T> inputs, MapOptions options);

  /** Opens a structured scope whose children run on this pool. */
  TaskScope openScope();

  /**
   * This pool as a {@link ExecutorService}, for code that takes one. Its {@code submit} methods
   * return {@link TaskHandle}s; {@code execute} hands a command's exception to the running
   * thread's uncaught-exception handler, as {@code ThreadPoolExecutor} does; shutting the view
   * down shuts the pool down; its {@code shutdownNow} returns the tasks that never started (for
   * {@code submit(Callable)}, a {@link Runnable} that calls the callable).
   */
  ExecutorService asExecutorService();

  /** A snapshot of the pool's counters. */
  PoolStats stats();

  /** Stops accepting tasks; accepted tasks still run. Idempotent; does not wait. */
  void shutdown();

  /**
   * Stops accepting tasks, cancels the tasks that have not started and interrupts the running
   * ones. Does not wait.
   *
   * @return the handles of the tasks that never started (now cancelled)
   */
  List<TaskHandle<?>> shutdownNow();

  /** Whether shutdown has begun. */
  boolean isShutdown();

  /** Whether the pool is shut down and all its threads have exited. */
  boolean isTerminated();

  /**
   * Waits for the pool's threads to exit after a shutdown.
   *
   * @return true if terminated, false if the timeout passed first
   */
  boolean awaitTermination(Duration timeout) throws InterruptedException;

  /**
   * Shuts down and waits for every accepted task to finish. If interrupted while waiting, cancels
   * what remains (as {@link #shutdownNow()}), keeps waiting, and restores the interrupt flag.
   */
  @Override
  void close();

  /**
   * Shuts down, waits up to {@code grace} for accepted tasks to finish, then cancels the rest and
   * waits up to {@link Gearbox#CLOSE_AFTER_CANCEL_WAIT} more for their threads to exit.
   *
   * @return true if the pool terminated; false only when a task ignores interrupts and still holds
   *     its thread (see {@link PoolStats#stuck()})
   */
  boolean close(Duration grace);
}
