package io.gearbox;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;

/**
 * A structured group of tasks: fork children, join them, and never leave one running.
 *
 * <pre>{@code
 * try (TaskScope scope = pool.openScope()) {
 *   TaskHandle<User> user = scope.fork(() -> loadUser(id));
 *   TaskHandle<List<Order>> orders = scope.fork(() -> loadOrders(id));
 *   scope.join();                       // throws the first failure; siblings are cancelled
 *   return new Page(user.join(), orders.join());
 * }                                     // close(): cancels and waits for whatever still runs
 * }</pre>
 *
 * <p>Semantics follow JEP 505's structured concurrency, built without its preview API:
 * <ul>
 *   <li><b>Fail-fast.</b> The first child to fail or time out cancels every sibling; {@link #join()}
 *       throws it.
 *   <li><b>Cancellation.</b> {@link #cancel()} cancels every child (their threads are interrupted):
 *       children blocked in sleep, a queue or, on virtual threads, a socket read end promptly.
 *   <li><b>Closing.</b> {@link #close()} cancels the children still running and waits until their
 *       code has returned: when it returns, no child of the scope runs.
 * </ul>
 *
 * <p>Thread-safe: any thread may fork into, cancel or join a scope. Forking after {@link #close()}
 * or after the scope has failed or been cancelled throws {@link IllegalStateException}.
 */
public interface TaskScope extends AutoCloseable {

  /**
   * Submits a child task to the scope's pool.
   *
   * @throws NullPointerException if task is null
   * @throws IllegalStateException if the scope is closed, cancelled or failed
   * @throws java.util.concurrent.RejectedExecutionException if the pool refuses the task
   */
  <T> TaskHandle<T> fork(Callable<T> task);

  /** Submits a child task with options. Same exceptions as {@link #fork(Callable)}. */
  <T> TaskHandle<T> fork(Callable<T> task, TaskOptions options);

  /**
   * Waits until every child forked so far has finished, or one has failed.
   *
   * @throws TaskFailedException if a child threw (the first, in completion order)
   * @throws TaskTimeoutException if a child's deadline passed first
   * @throws CancellationException if the scope was cancelled
   * @throws InterruptedException if the waiting thread is interrupted (the children keep running)
   */
  void join() throws InterruptedException;

  /**
   * Like {@link #join()}, with a deadline for the wait; when it passes, the scope is cancelled and
   * {@link java.util.concurrent.TimeoutException} is thrown.
   */
  void join(Duration timeout) throws InterruptedException, java.util.concurrent.TimeoutException;

  /** Cancels every child not yet finished. Idempotent. */
  void cancel();

  /** Whether the scope was cancelled or a child failed. */
  boolean isCancelled();

  /**
   * Cancels the children still running and waits for their code to return. If the calling thread
   * is interrupted meanwhile, it keeps waiting and its interrupt flag is restored afterwards.
   * Idempotent.
   */
  @Override
  void close();
}
