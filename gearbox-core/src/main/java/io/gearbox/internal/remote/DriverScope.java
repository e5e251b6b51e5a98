package io.gearbox.internal.remote;

import io.gearbox.TaskHandle;
import io.gearbox.TaskOptions;
import io.gearbox.TaskScope;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeoutException;

/**
 * A structured scope of an engine that runs tasks in other JVMs: the driver pool's scope, with
 * each forked task turned into the engine's remote call ({@link #forkRemote});
 * joining, cancelling and closing are the driver scope's.
 *
 * <p>Public for internal.process's ProcessScope and gearbox-cluster's ClusterScope; not exported.
 */
public abstract class DriverScope implements TaskScope {

  private final TaskScope drivers;

  protected DriverScope(TaskScope drivers) {
    this.drivers = drivers;
  }

  /**
   * Encodes the task on the caller's thread, forks its driver task in {@code drivers}, and
   * returns the engine's handle for it.
   */
  protected abstract <T> TaskHandle<T> forkRemote(TaskScope drivers, Callable<T> task, TaskOptions options);

  @Override
  public final <T> TaskHandle<T> fork(Callable<T> task) {
    return fork(task, TaskOptions.defaults());
  }

  @Override
  public final <T> TaskHandle<T> fork(Callable<T> task, TaskOptions options) {
    Objects.requireNonNull(task, "task");
    Objects.requireNonNull(options, "options");
    return forkRemote(drivers, task, options);
  }

  @Override
  public void join() throws InterruptedException {
    drivers.join();
  }

  @Override
  public void join(Duration timeout) throws InterruptedException, TimeoutException {
    drivers.join(timeout);
  }

  @Override
  public void cancel() {
    drivers.cancel();
  }

  @Override
  public boolean isCancelled() {
    return drivers.isCancelled();
  }

  @Override
  public void close() {
    drivers.close();
  }
}
