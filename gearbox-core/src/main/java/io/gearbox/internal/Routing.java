package io.gearbox.internal;

import io.gearbox.TaskOptions;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;

/**
 * What an {@link ExecutorPool} of kind {@link io.gearbox.PoolKind#AUTO} asks of its router. The
 * pool keeps admission, states, deadlines, stats and shutdown; the router decides where each
 * admitted task runs.
 *
 * <p>Admission calls {@link #tag} and {@link #adapt} before anything is counted, so either may
 * refuse a task by throwing; the backing executor then receives the task (a {@link RoutedRun}
 * carrying the tag) through {@code execute}.
 *
 * <p>Public for the auto pool's router (internal.auto), which implements it; not exported.
 */
public interface Routing {

  /** The executor the pool hands its tasks to; owned by the router, shut down by the pool. */
  ExecutorService backing();

  /**
   * The route of a task about to be admitted, stored in its {@link RoutedRun#routeTag()}.
   *
   * @param keySource what the user submitted (a callable, a runnable, the function of a map)
   * @param options the task's options
   */
  Object tag(Object keySource, TaskOptions options);

  /** The body to run for this task: {@code task} itself, or a wrapper (isolation). */
  <T> Callable<T> adapt(Callable<T> task, TaskOptions options, Object tag);

  /** Removes a task cancelled while queued from the router's queues, if it is in one. */
  void remove(Runnable queued);
}
