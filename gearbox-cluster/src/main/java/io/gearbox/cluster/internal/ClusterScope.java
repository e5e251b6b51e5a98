package io.gearbox.cluster.internal;

import io.gearbox.TaskHandle;
import io.gearbox.TaskOptions;
import io.gearbox.TaskScope;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeoutException;

/** A structured scope of a cluster pool: the driver pool's scope, with tasks sent to members. */
final class ClusterScope implements TaskScope {

  private final ClusterPoolEngine pool;
  private final TaskScope drivers;

  ClusterScope(ClusterPoolEngine pool, TaskScope drivers) {
    this.pool = pool;
    this.drivers = drivers;
  }

  @Override
  public <T> TaskHandle<T> fork(Callable<T> task) {
    return fork(task, TaskOptions.defaults());
  }

  @Override
  public <T> TaskHandle<T> fork(Callable<T> task, TaskOptions options) {
    Objects.requireNonNull(task, "task");
    Objects.requireNonNull(options, "options");
    ClusterCall<T> call = pool.callFor(task, options);
    return new ClusterHandle<>(drivers.fork(call, options), call);
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
